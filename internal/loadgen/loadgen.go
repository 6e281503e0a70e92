// Package loadgen drives a running `storyline serve` over HTTP: readers
// request the read endpoints (API and pages) as fast as the server answers,
// while writers post new articles; afterwards every article a writer was
// told was stored is read back, so lost writes are counted, not assumed.
// It is meant for loopback measurements (cmd/loadgen and the tests).
package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Article is what a writer posts (the JSON Lines input format).
type Article struct {
	ID    string `json:"id"`
	Title string `json:"title,omitempty"`
	Text  string `json:"text"`
	Lang  string `json:"lang,omitempty"`
	Date  string `json:"date,omitempty"`
}

// Config says what load to make.
type Config struct {
	// Base is the server's URL, such as http://127.0.0.1:8080.
	Base string
	// Token is the bearer token for writes.
	Token string
	// Duration is how long readers and writers run.
	Duration time.Duration
	// Readers and Writers are the numbers of concurrent clients; each
	// sends its next request as soon as the last is answered.
	Readers, Writers int
	// Batch is the number of articles a write posts.
	Batch int
	// Articles are the texts writers post, under new ids (cycled with a
	// run-unique prefix), so every write adds articles.
	Articles []Article
	// Queries are search terms for /api/search and /search.
	Queries []string
}

// Stats summarises one kind of request.
type Stats struct {
	Requests int           `json:"requests"`
	Errors   int           `json:"errors"`
	PerSec   float64       `json:"per_sec"`
	P50      time.Duration `json:"p50"`
	P99      time.Duration `json:"p99"`
	Max      time.Duration `json:"max"`
	// FirstErrors holds up to five error descriptions.
	FirstErrors []string `json:"first_errors,omitempty"`
}

// Report is the outcome of a run.
type Report struct {
	Seconds float64 `json:"seconds"`
	Paths   int     `json:"paths"` // distinct GET targets used
	Reads   Stats   `json:"reads"`
	Writes  Stats   `json:"writes"`
	// Posted counts the articles the server said it added; Lost those
	// of them it cannot give back afterwards.
	Posted int `json:"posted"`
	Lost   int `json:"lost"`
}

// String formats a report for people.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%.1fs over %d GET targets\n", r.Seconds, r.Paths)
	row := func(name string, s Stats) {
		fmt.Fprintf(&b, "%-7s %8d requests %9.1f/s  errors %d  p50 %v  p99 %v  max %v\n", name, s.Requests, s.PerSec, s.Errors,
			s.P50.Round(10*time.Microsecond), s.P99.Round(10*time.Microsecond), s.Max.Round(10*time.Microsecond))
		for _, e := range s.FirstErrors {
			fmt.Fprintf(&b, "        error: %s\n", e)
		}
	}
	row("GET", r.Reads)
	row("POST", r.Writes)
	fmt.Fprintf(&b, "articles posted %d, lost %d\n", r.Posted, r.Lost)
	return b.String()
}

// recorder collects latencies and errors of one kind of request.
type recorder struct {
	mu     sync.Mutex
	lat    []time.Duration
	errors int
	first  []string
}

func (r *recorder) add(d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lat = append(r.lat, d)
	if err != nil {
		r.errors++
		if len(r.first) < 5 {
			r.first = append(r.first, err.Error())
		}
	}
}

func (r *recorder) stats(elapsed time.Duration) Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := Stats{Requests: len(r.lat), Errors: r.errors, FirstErrors: r.first}
	if len(r.lat) == 0 {
		return s
	}
	slices.Sort(r.lat)
	q := func(p float64) time.Duration { return r.lat[min(len(r.lat)-1, int(p*float64(len(r.lat))))] }
	s.PerSec = float64(len(r.lat)) / elapsed.Seconds()
	s.P50, s.P99, s.Max = q(0.50), q(0.99), r.lat[len(r.lat)-1]
	return s
}

// Run makes the load and checks the writes. It returns an error only when
// the run could not be made (no server, nothing to read); request errors
// are counted in the report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Readers < 1 && cfg.Writers < 1 {
		return nil, errors.New("loadgen: no readers and no writers")
	}
	if cfg.Writers > 0 && len(cfg.Articles) == 0 {
		return nil, errors.New("loadgen: writers need articles to post")
	}
	cfg.Batch = max(cfg.Batch, 1)
	client := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Readers + cfg.Writers + 4, DisableCompression: true},
	}
	defer client.CloseIdleConnections()
	paths, err := discover(ctx, client, cfg)
	if err != nil {
		return nil, err
	}

	var reads, writes recorder
	var posted sync.Map // id → true, for articles the server said it added
	var nPosted atomic.Int64
	runID := time.Now().UnixNano()
	var next atomic.Int64 // index of the next article to post
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	var wg sync.WaitGroup
	for i := range cfg.Readers {
		wg.Go(func() {
			for j := i; time.Now().Before(deadline) && ctx.Err() == nil; j++ {
				p := paths[j%len(paths)]
				t0 := time.Now()
				err := get(ctx, client, cfg.Base+p, nil)
				reads.add(time.Since(t0), err)
			}
		})
	}
	for range cfg.Writers {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				batch := make([]Article, cfg.Batch)
				for k := range batch {
					n := next.Add(1) - 1
					a := cfg.Articles[int(n)%len(cfg.Articles)]
					a.ID = fmt.Sprintf("load%d_%d_%s", runID, n, a.ID)
					batch[k] = a
				}
				t0 := time.Now()
				added, err := post(ctx, client, cfg, batch)
				writes.add(time.Since(t0), err)
				if err == nil {
					for _, a := range batch {
						posted.Store(a.ID, true)
					}
					nPosted.Add(int64(added))
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	rep := &Report{Seconds: elapsed.Seconds(), Paths: len(paths), Reads: reads.stats(elapsed), Writes: writes.stats(elapsed), Posted: int(nPosted.Load())}

	// Every article a write was answered for must be readable.
	var ids []string
	posted.Range(func(k, _ any) bool { ids = append(ids, k.(string)); return true })
	if len(ids) != rep.Posted {
		rep.Lost += abs(len(ids) - rep.Posted)
	}
	for _, id := range ids {
		if err := get(ctx, client, cfg.Base+"/api/articles/"+url.PathEscape(id), nil); err != nil {
			rep.Lost++
		}
	}
	return rep, nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// get fetches a URL and, with v, decodes its JSON; any status but 200 is
// an error.
func get(ctx context.Context, c *http.Client, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	if v != nil {
		return json.NewDecoder(resp.Body).Decode(v)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// post sends a batch as JSON Lines and returns how many articles the
// server added; rejections are errors.
func post(ctx context.Context, c *http.Client, cfg Config, batch []Article) (int, error) {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	for _, a := range batch {
		enc.Encode(a)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.Base+"/api/articles", &body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+cfg.Token)
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var res struct {
		Added    int      `json:"added"`
		Rejected int      `json:"rejected"`
		Errors   []string `json:"errors"`
		Error    string   `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return 0, fmt.Errorf("POST: %s: %v", resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK || res.Rejected > 0 || res.Added != len(batch) {
		return res.Added, fmt.Errorf("POST: %s: added %d of %d, %s %v", resp.Status, res.Added, len(batch), res.Error, res.Errors)
	}
	return res.Added, nil
}

// discover lists the GET targets: the story list, every story's timeline
// (API and page, Atom feed), events and articles reached from them,
// searches, and a static asset.
func discover(ctx context.Context, c *http.Client, cfg Config) ([]string, error) {
	var list struct {
		Stories []struct {
			ID string `json:"id"`
		} `json:"stories"`
	}
	if err := get(ctx, c, cfg.Base+"/api/stories?limit=100", &list); err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	paths := []string{"/healthz", "/api/stories", "/api/stories?limit=10&offset=5", "/", "/assets/style.css"}
	for _, q := range cfg.Queries {
		paths = append(paths, "/api/search?q="+url.QueryEscape(q), "/search?q="+url.QueryEscape(q))
	}
	for i, s := range list.Stories {
		if i >= 30 {
			break
		}
		sid := url.PathEscape(s.ID)
		paths = append(paths, "/api/stories/"+sid, "/stories/"+sid)
		if i < 5 {
			paths = append(paths, "/stories/"+sid+".atom")
		}
		var tl struct {
			Events []struct {
				ID string `json:"id"`
			} `json:"events"`
		}
		if err := get(ctx, c, cfg.Base+"/api/stories/"+sid, &tl); err != nil {
			return nil, fmt.Errorf("loadgen: %w", err)
		}
		for j, e := range tl.Events {
			if j >= 3 {
				break
			}
			eid := url.PathEscape(e.ID)
			paths = append(paths, "/api/events/"+eid, "/events/"+eid)
			var ev struct {
				Articles []struct {
					ID string `json:"id"`
				} `json:"articles"`
			}
			if err := get(ctx, c, cfg.Base+"/api/events/"+eid, &ev); err != nil {
				return nil, fmt.Errorf("loadgen: %w", err)
			}
			if len(ev.Articles) > 0 {
				aid := url.PathEscape(ev.Articles[0].ID)
				paths = append(paths, "/api/articles/"+aid, "/articles/"+aid)
			}
		}
	}
	return paths, nil
}
