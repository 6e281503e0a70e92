package feed

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"

	"storyline/internal/article"
	"storyline/internal/neardup"
)

type devArticle struct {
	ID, URL, Lang, Title, Text, Date string
}

func loadDev(t testing.TB) []devArticle {
	t.Helper()
	f, err := os.Open("../../../shared/corpus/dev/dev.jsonl")
	if err != nil {
		t.Skipf("dev corpus not available: %v", err)
	}
	defer f.Close()
	var out []devArticle
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var a devArticle
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatal(err)
		}
		if a.Title == "" {
			a.Title = "Headline " + a.ID
		}
		out = append(out, a)
	}
	return out
}

func esc(s string) string { return html.EscapeString(s) }

func rss(title, lang string, arts []devArticle, textOf func(devArticle) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title><link>http://127.0.0.1/</link><language>%s</language>`, esc(title), lang)
	for _, a := range arts {
		fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><guid>%s</guid><pubDate>Mon, 21 Apr 2025 09:45:00 +0200</pubDate><description>%s</description></item>\n",
			esc(a.Title), esc(a.URL), esc(a.ID), esc(textOf(a)))
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

func atom(arts []devArticle) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr"><title>Atom Wire</title><id>urn:x</id><updated>2025-06-01T00:00:00Z</updated>`)
	for _, a := range arts {
		fmt.Fprintf(&b, `<entry><title>%s</title><link href="%s"/><id>urn:%s</id><published>2025-06-01T23:30:00-05:00</published><updated>2025-06-02T10:00:00Z</updated><content type="html">%s</content></entry>`,
			esc(a.Title), esc(a.URL), a.ID, esc("<p>"+strings.ReplaceAll(esc(a.Text), "\n", "</p><p>")+"</p>"))
	}
	b.WriteString("</feed>")
	return b.String()
}

func full(a devArticle) string { return a.Text }

func TestParseFormats(t *testing.T) {
	arts := loadDev(t)[:5]
	got, err := Parse(strings.NewReader(rss("Wire", "de-DE", arts, full)), "http://127.0.0.1/rss")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(arts) {
		t.Fatalf("got %d articles, want %d", len(got), len(arts))
	}
	for i, a := range got {
		if a.ID != arts[i].ID {
			t.Errorf("id %s, want the corpus id %s (SHA-1 of the link)", a.ID, arts[i].ID)
		}
		if a.Text != collapse(arts[i].Text) || a.Source != "Wire" || a.Lang != "de" || a.URL != arts[i].URL {
			t.Errorf("article %d mapped wrongly: %+v", i, a)
		}
		if a.DateString() != "2025-04-21" || a.DateSource != article.DateHeader {
			t.Errorf("date %q source %q", a.DateString(), a.DateSource)
		}
	}
	got, err = Parse(strings.NewReader(atom(arts[:2])), "http://127.0.0.1/atom")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Lang != "fr" || got[0].DateString() != "2025-06-01" {
		t.Fatalf("atom: %+v", got)
	}
	if strings.Contains(got[0].Text, "<p>") || !strings.Contains(got[0].Text, strings.Split(arts[0].Text, "\n")[1]) {
		t.Errorf("atom HTML content not stripped to text: %.200q", got[0].Text)
	}
	js := fmt.Sprintf(`{"version":"https://jsonfeed.org/version/1.1","title":"JSON Wire","items":[{"id":"1","url":%q,"title":"T","content_text":%q,"date_published":"2025-05-08T18:00:00Z"}]}`, arts[0].URL, "body text")
	got, err = Parse(strings.NewReader(js), "http://127.0.0.1/json")
	if err != nil || len(got) != 1 || got[0].ID != arts[0].ID || got[0].Source != "JSON Wire" {
		t.Fatalf("json feed: %v %+v", err, got)
	}
	// No link: the guid identifies the item; a host names the source.
	got, err = Parse(strings.NewReader(`<rss version="2.0"><channel><item><guid>g-1</guid><description>only text</description></item><item><guid>g-1</guid><description>only text</description></item></channel></rss>`), "http://news.example.test/feed")
	if err != nil || len(got) != 1 || got[0].ID != ID("g-1") || got[0].Source != "news.example.test" || got[0].DateSource != article.DateUnknown {
		t.Fatalf("guid-only feed: %v %+v", err, got)
	}
	if _, err := Parse(strings.NewReader("<rss><channel><item>"), "http://127.0.0.1/bad"); err == nil || !strings.Contains(err.Error(), "http://127.0.0.1/bad") {
		t.Fatalf("invalid XML: err = %v", err)
	}
}

func TestStripHTML(t *testing.T) {
	got := StripHTML(`<p>One &amp; two</p><script>var x=1</script><div>Three<br/>four</div>`)
	if want := "One & two\nThree\nfour"; got != want {
		t.Fatalf("StripHTML = %q, want %q", got, want)
	}
}

func TestReadFeedList(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "feeds.txt")
	os.WriteFile(plain, []byte("# my feeds\nhttp://a.test/rss\n\nhttps://b.test/x#frag  # trailing comment\nhttp://a.test/rss\n"), 0o644)
	got, err := ReadFeedList(plain)
	if err != nil || strings.Join(got, " ") != "http://a.test/rss https://b.test/x#frag" {
		t.Fatalf("plain list: %v %q", err, got)
	}
	opml := filepath.Join(dir, "feeds.opml")
	os.WriteFile(opml, []byte(`<?xml version="1.0"?><opml version="2.0"><head/><body><outline text="News"><outline type="rss" xmlUrl="http://a.test/rss"/><outline xmlUrl="http://c.test/atom"/></outline></body></opml>`), 0o644)
	got, err = ReadFeedList(opml)
	if err != nil || strings.Join(got, " ") != "http://a.test/rss http://c.test/atom" {
		t.Fatalf("opml: %v %q", err, got)
	}
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("ftp://x\n"), 0o644)
	if _, err := ReadFeedList(bad); err == nil || !strings.Contains(err.Error(), "bad.txt:1") {
		t.Fatalf("bad list: %v", err)
	}
}

// collector is a Sink that records what it gets and flags wire copies with a
// neardup index, the way the store is meant to.
type collector struct {
	mu     sync.Mutex
	got    map[string]int
	text   map[string]string
	copyOf map[string]string
	idx    *neardup.Index
}

func newCollector() *collector {
	return &collector{got: map[string]int{}, text: map[string]string{}, copyOf: map[string]string{}, idx: neardup.NewIndex()}
}

func (c *collector) sink(ctx context.Context, arts []article.Article) (added, copies int, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range arts {
		c.got[a.ID]++
		c.text[a.ID] = a.Text
		added++
		if orig, _ := c.idx.Observe(a.ID, a.Text); orig != "" {
			c.copyOf[a.ID] = orig
			copies++
		}
	}
	return added, copies, nil
}

func TestWatcher(t *testing.T) {
	dev := loadDev(t)
	var ru devArticle
	for _, a := range dev {
		if a.Lang == "ru" {
			ru = a
			break
		}
	}
	// Every link points back at the test server (filled in below): a test
	// never reaches beyond loopback.
	local := func(in []devArticle) []devArticle {
		out := append([]devArticle{}, in...)
		for i := range out {
			out[i].URL = "/a/" + out[i].ID
		}
		return out
	}
	rssArts, atomArts, sumArts := local(dev[0:6]), local(dev[10:14]), dev[20:22]
	rep := local(dev[30:32])
	ru = local([]devArticle{ru})[0]
	// A wire copy: the first RSS article re-posted by another outlet with a
	// new byline and one sentence changed.
	wire := rssArts[0]
	wire.URL = "/other-outlet/copy"
	wire.Text = "By Wire Staff\n" + strings.Replace(wire.Text, ".", ", officials said.", 1)
	atomArts = append(atomArts, wire)

	var hits sync.Map // path → *int64
	count := func(p string) int64 {
		v, _ := hits.LoadOrStore(p, new(int64))
		return atomic.LoadInt64(v.(*int64))
	}
	mux := http.NewServeMux()
	handle := func(p string, h http.HandlerFunc) {
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			v, _ := hits.LoadOrStore(p, new(int64))
			atomic.AddInt64(v.(*int64), 1)
			h(w, r)
		})
	}
	var notModified atomic.Int64
	handle("/rss", func(w http.ResponseWriter, r *http.Request) {
		const etag = `"v1"`
		if r.Header.Get("If-None-Match") == etag {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		fmt.Fprint(w, rss("RSS Wire", "en", rssArts, full))
	})
	handle("/atom", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, atom(atomArts)) })
	// Repeats its items inside one document and again in every round.
	handle("/repeat", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, rss("Repeat", "", []devArticle{rep[0], rep[1], rep[0]}, full))
	})
	handle("/cp1251", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=windows-1251")
		out, _ := encoding.HTMLEscapeUnsupported(charmap.Windows1251.NewEncoder()).String(rss("Лента", "ru", []devArticle{ru}, full))
		w.Write([]byte(out))
	})
	// Items that carry only a teaser; their pages have the text.
	handle("/summary", func(w http.ResponseWriter, r *http.Request) {
		var items []devArticle
		for _, a := range sumArts {
			a.URL = "http://" + r.Host + "/a/" + a.ID
			items = append(items, a)
		}
		fmt.Fprint(w, rss("Teasers", "", items, func(a devArticle) string { return a.Title }))
	})
	handle("/a/", func(w http.ResponseWriter, r *http.Request) {
		for _, a := range dev {
			if strings.HasSuffix(r.URL.Path, a.ID) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprintf(w, "<html lang=%q><head><title>%s</title></head><body><article>", a.Lang, esc(a.Title))
				for _, p := range strings.Split(a.Text, "\n") {
					fmt.Fprintf(w, "<p>%s</p>", esc(p))
				}
				fmt.Fprint(w, "</article></body></html>")
				return
			}
		}
		http.NotFound(w, r)
	})
	handle("/404", http.NotFound)
	handle("/500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) })
	handle("/invalid", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<rss><channel><item><title>x</ti") })
	handle("/huge", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<rss version="2.0"><channel>`)
		w.Write(bytes.Repeat([]byte("<item><title>x</title></item>"), 10000))
	})
	handle("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(3 * time.Second):
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	abs := func(as []devArticle) {
		for i := range as {
			as[i].URL = srv.URL + as[i].URL
		}
	}
	abs(rssArts)
	abs(atomArts)
	abs(rep)
	ru.URL = srv.URL + ru.URL

	good := []string{"/rss", "/atom", "/repeat", "/cp1251", "/summary"}
	bad := []string{"/404", "/500", "/invalid", "/huge", "/slow"}
	var feeds []string
	for _, p := range append(append([]string{}, good...), bad...) {
		feeds = append(feeds, srv.URL+p)
	}
	client := loopbackOnly(srv.Client())
	client.Timeout = 300 * time.Millisecond
	f := NewFetcher(client)
	f.MaxBytes = 64 << 10
	c := newCollector()
	var roundsSeen []Round
	w := &Watcher{
		Fetcher: f, Feeds: feeds, Sink: c.sink,
		Concurrency: 4, HostDelay: time.Millisecond,
		BackoffBase: 250 * time.Millisecond, BackoffMax: time.Second,
		OnRound: func(r Round) { roundsSeen = append(roundsSeen, r) },
	}
	ctx := context.Background()
	first := w.Round(ctx)
	for range 3 {
		w.Round(ctx)
	}

	// Every good article emitted exactly once.
	want := map[string]bool{ID(ru.URL): true}
	for _, a := range append(append(append([]devArticle{}, rssArts...), atomArts...), rep...) {
		want[ID(a.URL)] = true
	}
	for _, a := range sumArts {
		want[ID(srv.URL+"/a/"+a.ID)] = true
	}
	for id := range want {
		if c.got[id] != 1 {
			t.Errorf("article %s emitted %d times, want once", id, c.got[id])
		}
	}
	if len(c.got) != len(want) {
		t.Errorf("sink got %d distinct articles, want %d", len(c.got), len(want))
	}
	// The windows-1251 feed decoded to the right Cyrillic text.
	if got := c.text[ID(ru.URL)]; !strings.Contains(got, strings.Split(collapse(ru.Text), "\n")[0]) {
		t.Errorf("windows-1251 feed decoded wrongly: %.120q", got)
	}
	// The wire copy is marked as a copy of the original.
	wire.URL = srv.URL + "/other-outlet/copy"
	if orig := c.copyOf[ID(wire.URL)]; orig != ID(rssArts[0].URL) {
		t.Errorf("wire copy marked as copy of %q, want %s", orig, ID(rssArts[0].URL))
	}
	if first.Copies != 1 {
		t.Errorf("round copies = %d, want 1", first.Copies)
	}
	// Every broken feed reported, by URL, in the first round.
	if len(first.Errors) != len(bad) {
		t.Errorf("first round has %d errors, want %d: %v", len(first.Errors), len(bad), first.Errors)
	}
	for _, p := range bad {
		found := false
		for _, e := range first.Errors {
			found = found || strings.Contains(e.Error(), srv.URL+p+":")
		}
		if !found {
			t.Errorf("no error names %s", srv.URL+p)
		}
	}
	// 304 honoured after the first round.
	if notModified.Load() < 3 || roundsSeen[1].NotModified < 1 {
		t.Errorf("304 answers: %d; round 2 NotModified %d", notModified.Load(), roundsSeen[1].NotModified)
	}
	if v := f.Validators(srv.URL + "/rss"); v.ETag != `"v1"` {
		t.Errorf("validators not kept: %+v", v)
	}
	// Backoff: healthy feeds fetched every round, failing ones less often.
	if n := count("/atom"); n != 4 {
		t.Errorf("/atom fetched %d times in 4 rounds", n)
	}
	for _, p := range []string{"/404", "/500", "/invalid"} {
		if n := count(p); n >= 4 || n < 1 {
			t.Errorf("%s fetched %d times in 4 rounds; backoff should skip it", p, n)
		}
		if w.Failures(srv.URL+p) < 1 {
			t.Errorf("%s has no failure count", p)
		}
	}
	if roundsSeen[1].Skipped == 0 {
		t.Error("no feed skipped for backoff in round 2")
	}
	// The summary-only items were completed from their pages.
	if first.Pages < len(sumArts) {
		t.Errorf("pages fetched = %d, want at least %d", first.Pages, len(sumArts))
	}
	for _, a := range sumArts {
		id := ID(srv.URL + "/a/" + a.ID)
		if c.got[id] != 1 || len(c.text[id]) < len(a.Text)/2 {
			t.Errorf("teaser item %s not completed from its page: %.100q", a.ID, c.text[id])
		}
	}
	if roundsSeen[3].New != 0 {
		t.Errorf("round 4 emitted %d articles again", roundsSeen[3].New)
	}
}

// loopbackOnly makes a client that cannot dial anything but 127.0.0.1, so
// a bug that follows a real link fails the test instead of leaving the box.
func loopbackOnly(c *http.Client) *http.Client {
	tr := c.Transport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if !strings.HasPrefix(addr, "127.0.0.1:") {
			return nil, fmt.Errorf("test dialled %s: only loopback allowed", addr)
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: tr, Timeout: c.Timeout}
}

func TestWatcherStopKeepsFetched(t *testing.T) {
	dev := loadDev(t)
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/fast", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, rss("F", "", dev[:3], full)) })
	mux.HandleFunc("/stuck", func(w http.ResponseWriter, r *http.Request) {
		close(release)
		<-r.Context().Done()
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	var got atomic.Int64
	var rounds atomic.Int64
	// A sink that refuses cancelled contexts, as a database would.
	sink := func(ctx context.Context, arts []article.Article) (int, int, error) {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		got.Add(int64(len(arts)))
		return len(arts), 0, nil
	}
	w := &Watcher{
		Fetcher: NewFetcher(loopbackOnly(srv.Client())), Feeds: []string{srv.URL + "/fast", srv.URL + "/stuck"},
		Sink: sink, Interval: time.Hour, HostDelay: time.Millisecond, NoPages: true,
		OnRound: func(r Round) { rounds.Add(1) },
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	<-release
	time.Sleep(20 * time.Millisecond) // let /fast finish while /stuck hangs
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run returned %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not stop on cancel")
	}
	if got.Load() != 3 || rounds.Load() != 1 {
		t.Fatalf("sink got %d articles in %d rounds, want 3 in 1", got.Load(), rounds.Load())
	}
}

func TestBackoffGrowsAndCaps(t *testing.T) {
	w := &Watcher{BackoffBase: time.Second, BackoffMax: 8 * time.Second}
	for f, hi := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 10: 8 * time.Second} {
		for range 20 {
			if d := w.backoff(f); d < hi/2 || d >= hi {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v)", f, d, hi/2, hi)
			}
		}
	}
}

// FuzzParse: no input makes Parse panic, and every article it returns has an
// id and text.
func FuzzParse(f *testing.F) {
	f.Add([]byte(rss("T", "en", []devArticle{{ID: "1", URL: "http://127.0.0.1/a", Title: "t", Text: "x"}}, full)))
	f.Add([]byte(atom([]devArticle{{ID: "1", URL: "/rel", Title: "t", Text: "a\nb"}})))
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1","items":[{"id":"1","content_html":"<p>x"}]}`))
	f.Add([]byte(`<?xml version="1.0" encoding="windows-1251"?><rss><channel><item><title>\xcf\xf0</title></item></channel></rss>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		arts, err := Parse(bytes.NewReader(data), "http://127.0.0.1/f")
		if err != nil {
			return
		}
		for _, a := range arts {
			if a.ID == "" || a.Text == "" {
				t.Fatalf("article without id or text: %+v", a)
			}
		}
	})
}
