package feed

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"
	"unicode/utf8"

	"storyline/internal/article"
	"storyline/internal/extract"
)

// Sink receives new articles. It reports how many it stored and how many of
// those were copies of articles it already had. The Watcher calls it from one
// goroutine at a time.
type Sink func(ctx context.Context, arts []article.Article) (added, copies int, err error)

// Round summarises one poll round, for a live progress line.
type Round struct {
	N           int           // round number, from 1
	Feeds       int           // feeds in the list
	Done        int           // feeds fetched this round (including 304s and errors)
	NotModified int           // feeds that answered 304
	Skipped     int           // feeds left out because they are backing off
	New         int           // new articles handed to the sink
	Added       int           // as reported by the sink
	Copies      int           // as reported by the sink
	Pages       int           // article pages fetched for their full text
	Errors      []error       // one per failed feed (*Error naming it), sink or page failure
	Elapsed     time.Duration // wall time of the round
}

// Extractor fetches an article page and extracts it; extract.Page fits.
type Extractor func(ctx context.Context, client *http.Client, pageURL string) (*extract.Result, error)

// Watcher polls a list of feeds. Set the fields, then call Run (or Round for
// a single pass, e.g. `ingest URL`). Zero fields take the defaults noted.
type Watcher struct {
	Fetcher     *Fetcher      // required
	Feeds       []string      // feed URLs
	Sink        Sink          // required
	Interval    time.Duration // between rounds; default 10m
	Concurrency int           // simultaneous fetches; default 8
	HostDelay   time.Duration // min gap between requests to one host; default 1s
	BackoffBase time.Duration // first delay after a failure; default Interval
	BackoffMax  time.Duration // cap on the delay; default 24h

	// MinText is the text length (in characters) below which an item is
	// taken for a summary and its page is fetched for the full text; default
	// 400. Extract does the fetching; nil means extract.Page. Set NoPages to
	// keep feed text as it is.
	MinText int
	Extract Extractor
	NoPages bool

	OnRound func(Round) // called after every round, including the last partial one
	OnError func(error) // called as each error happens; optional
	// OnState is called after each fetch of a feed with its new state, for
	// a store to persist (see Restore); optional. On success it comes after
	// the sink stored the feed's articles, so persisted validators never
	// cover articles that were not stored.
	OnState func(State)

	mu     sync.Mutex
	seen   map[string]bool
	status map[string]*feedStatus
	hosts  map[string]*hostGate
	sinkMu sync.Mutex
	rounds int
}

type feedStatus struct {
	failures int
	nextDue  time.Time
}

type hostGate struct {
	mu   sync.Mutex
	last time.Time
}

func (w *Watcher) init() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen == nil {
		w.seen = map[string]bool{}
		w.status = map[string]*feedStatus{}
		w.hosts = map[string]*hostGate{}
	}
}

// MarkSeen records ids as already stored, so they are not emitted again; a
// caller restarting a watcher preloads the ids of its store's articles.
func (w *Watcher) MarkSeen(ids ...string) {
	w.init()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, id := range ids {
		w.seen[id] = true
	}
}

// Run polls every Interval until ctx is cancelled. Articles fetched before
// the cancellation are still handed to the sink; Run then returns nil.
func (w *Watcher) Run(ctx context.Context) error {
	if w.Fetcher == nil || w.Sink == nil {
		return errors.New("feed: Watcher needs a Fetcher and a Sink")
	}
	t := time.NewTicker(w.interval())
	defer t.Stop()
	for {
		w.Round(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (w *Watcher) interval() time.Duration {
	if w.Interval > 0 {
		return w.Interval
	}
	return 10 * time.Minute
}

// Round polls every feed that is due once and returns the summary (also
// passed to OnRound).
func (w *Watcher) Round(ctx context.Context) Round {
	w.init()
	start := time.Now()
	w.mu.Lock()
	w.rounds++
	r := Round{N: w.rounds, Feeds: len(w.Feeds)}
	w.mu.Unlock()

	conc := w.Concurrency
	if conc <= 0 {
		conc = 8
	}
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	var rmu sync.Mutex // guards r
	report := func(err error) {
		rmu.Lock()
		r.Errors = append(r.Errors, err)
		rmu.Unlock()
		if w.OnError != nil {
			w.OnError(err)
		}
	}
	for _, u := range w.Feeds {
		if ctx.Err() != nil {
			break
		}
		if !w.due(u, start) {
			r.Skipped++
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			old := w.Fetcher.Validators(u)
			res, err := w.fetchFeed(ctx, u)
			if err != nil {
				if ctx.Err() != nil {
					return // stopped, not failed: no backoff, no error
				}
				w.failed(u)
				rmu.Lock()
				r.Done++
				rmu.Unlock()
				report(err)
				w.stateChanged(u, err)
				return
			}
			w.succeeded(u)
			// Whatever was fetched is kept even when ctx is being cancelled:
			// the pages and the sink run on a context without cancellation.
			keep := context.WithoutCancel(ctx)
			arts, pages, perrs := w.fillPages(ctx, keep, u, w.unseen(res.Articles))
			for _, e := range perrs {
				report(e)
			}
			n, added, copies, serr := w.deliver(keep, arts)
			rmu.Lock()
			r.Done++
			r.Pages += pages
			if res.NotModified {
				r.NotModified++
			}
			r.New += n
			r.Added += added
			r.Copies += copies
			rmu.Unlock()
			if serr != nil {
				// Fetch the whole feed again next time: a 304 would hide
				// the articles that were not stored.
				w.Fetcher.SetValidators(u, old)
				serr = &Error{URL: u, Err: fmt.Errorf("storing articles: %w", serr)}
				report(serr)
			}
			w.stateChanged(u, serr)
		}()
	}
	wg.Wait()
	r.Elapsed = time.Since(start)
	if w.OnRound != nil {
		w.OnRound(r)
	}
	return r
}

func (w *Watcher) fetchFeed(ctx context.Context, u string) (*Result, error) {
	if err := w.wait(ctx, u); err != nil {
		return nil, &Error{URL: u, Err: err}
	}
	return w.Fetcher.Fetch(ctx, u)
}

// wait blocks until a request to u's host is polite: HostDelay after the
// previous request to that host started.
func (w *Watcher) wait(ctx context.Context, rawURL string) error {
	delay := w.HostDelay
	if delay == 0 {
		delay = time.Second
	}
	host := rawURL
	if p, err := url.Parse(rawURL); err == nil {
		host = p.Host
	}
	w.mu.Lock()
	g := w.hosts[host]
	if g == nil {
		g = &hostGate{}
		w.hosts[host] = g
	}
	w.mu.Unlock()
	g.mu.Lock()
	defer g.mu.Unlock()
	if d := time.Until(g.last.Add(delay)); d > 0 && delay > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	g.last = time.Now()
	return nil
}

func (w *Watcher) due(u string, now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.status[u]
	return s == nil || !now.Before(s.nextDue)
}

func (w *Watcher) succeeded(u string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.status, u)
}

// failed schedules u's next fetch after an exponential backoff with jitter:
// base·2^(failures-1), capped, then scaled by a random factor in [0.5, 1) so
// feeds that failed together do not retry together.
func (w *Watcher) failed(u string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.status[u]
	if s == nil {
		s = &feedStatus{}
		w.status[u] = s
	}
	s.failures++
	s.nextDue = time.Now().Add(w.backoff(s.failures))
}

func (w *Watcher) backoff(failures int) time.Duration {
	base, limit := w.BackoffBase, w.BackoffMax
	if base <= 0 {
		base = w.interval()
	}
	if limit <= 0 {
		limit = 24 * time.Hour
	}
	d := base
	for i := 1; i < failures && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return time.Duration(float64(d) * (0.5 + 0.5*rand.Float64()))
}

// Failures returns how many times in a row feedURL has failed (0 when it is
// healthy), for status displays.
func (w *Watcher) Failures(feedURL string) int {
	w.init()
	w.mu.Lock()
	defer w.mu.Unlock()
	if s := w.status[feedURL]; s != nil {
		return s.failures
	}
	return 0
}

func (w *Watcher) unseen(arts []article.Article) []article.Article {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []article.Article
	for _, a := range arts {
		if !w.seen[a.ID] {
			out = append(out, a)
		}
	}
	return out
}

// fillPages replaces summary-only texts with the page's main text. A page
// that cannot be fetched leaves the summary in place: the article is still
// news, only shorter. Page fetches stop early when ctx is cancelled.
func (w *Watcher) fillPages(ctx, keep context.Context, feedURL string, arts []article.Article) ([]article.Article, int, []error) {
	if w.NoPages {
		return arts, 0, nil
	}
	minText := w.MinText
	if minText <= 0 {
		minText = 400
	}
	ex := w.Extract
	if ex == nil {
		ex = extract.Page
	}
	pages := 0
	var errs []error
	for i := range arts {
		a := &arts[i]
		if a.URL == "" || utf8.RuneCountInString(a.Text) >= minText || ctx.Err() != nil {
			continue
		}
		if err := w.wait(ctx, a.URL); err != nil {
			continue
		}
		pages++
		pc, cancel := context.WithTimeout(keep, extract.Timeout)
		res, err := ex(pc, w.Fetcher.Client, a.URL)
		cancel()
		if err != nil {
			errs = append(errs, &Error{URL: feedURL, Err: fmt.Errorf("item page: %w", err)})
			continue
		}
		if utf8.RuneCountInString(res.Text) > utf8.RuneCountInString(a.Text) {
			a.Text = res.Text
		}
		if a.Title == "" {
			a.Title = res.Title
		}
		if a.Lang == "" {
			a.Lang = res.Lang
		}
		if a.Date.IsZero() && !res.Published.IsZero() {
			a.Date, a.DateSource = CivilDate(res.Published), article.DateHeader
		}
	}
	return arts, pages, errs
}

// deliver hands articles to the sink, once per id: it filters ids already
// seen (another feed may have carried the same item meanwhile) under the
// sink lock, and marks them seen only when the sink succeeded, so a failed
// store is retried next round.
func (w *Watcher) deliver(ctx context.Context, arts []article.Article) (n, added, copies int, err error) {
	w.sinkMu.Lock()
	defer w.sinkMu.Unlock()
	arts = w.unseen(arts)
	if len(arts) == 0 {
		return 0, 0, 0, nil
	}
	added, copies, err = w.Sink(ctx, arts)
	if err != nil {
		return 0, added, copies, err
	}
	w.mu.Lock()
	for _, a := range arts {
		w.seen[a.ID] = true
	}
	w.mu.Unlock()
	return len(arts), added, copies, nil
}
