package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"storyline/internal/article"
	"storyline/internal/render"
	"storyline/internal/store"
)

// hostile carries markup and script in every free-text field.
var hostile = []article.Article{
	{ID: "h1", Lang: "en", Date: mustDate("2024-05-02"),
		Title:  `Glorbnax council <script>alert("t1")</script> <img src=x onerror=alert(1)>`,
		Text:   `The Glorbnax council of Vindermoor met Mayor Quarrel Dunthorpe. <script>alert("b1")</script><img src=x onerror=alert(2)> <svg onload=alert(3)> "quotes" & 'apostrophes' </textarea></title>]]>`,
		Source: `<b onmouseover=alert(4)>Evil Wire</b>`, URL: `javascript:alert(5)`},
	{ID: "h2", Lang: "en", Date: mustDate("2024-05-03"),
		Text: `Mayor Quarrel Dunthorpe of Vindermoor answered the Glorbnax council. <iframe src="javascript:alert(6)"></iframe>`,
		URL:  `http://127.0.0.1/a?x="><script>alert(7)</script>`},
}

// raw markers must appear nowhere unescaped.
var rawMarkup = []string{"<script>alert", "<img src=x", "<svg onload", "<iframe", "<b onmouseover", `href="javascript:`, "]]><"}

func hostileStore(t *testing.T) (string, string) {
	t.Helper()
	if _, err := os.Stat(seedsDir); err != nil {
		t.Skip("shared corpus not found")
	}
	st := ingest(t, t.TempDir(), []string{seedsDir}, hostile...)
	t.Cleanup(func() { st.Close() })
	a, err := st.Article(context.Background(), "h1")
	if err != nil {
		t.Fatal(err)
	}
	return newServer(t, st, token).URL, a.StoryID + "|" + a.EventID
}

// TestHostileTextEscaped: markup in titles, texts, sources and URLs is
// escaped in every page, the Atom feed, the SVG timeline and the JSON API.
func TestHostileTextEscaped(t *testing.T) {
	u, ids := hostileStore(t)
	story, event, _ := strings.Cut(ids, "|")
	paths := []string{
		"/", "/stories/" + story, "/events/" + event, "/articles/h1", "/articles/h2",
		"/search?q=Glorbnax", "/search?q=" + url.QueryEscape("<script>alert(1)</script>"),
		"/stories/" + story + ".atom",
		"/api/stories", "/api/stories/" + story, "/api/events/" + event, "/api/articles/h1",
		"/api/search?q=Glorbnax", "/api/search?q=" + url.QueryEscape("<img src=x onerror=alert(1)>"),
		"/events/" + url.PathEscape("<script>alert(1)</script>"),
		"/api/events/" + url.PathEscape("<script>alert(1)</script>"),
	}
	for _, p := range paths {
		r := get(t, u+p)
		if r.status != 200 && r.status != 404 {
			t.Errorf("%s: %d", p, r.status)
		}
		for _, m := range rawMarkup {
			if bytes.Contains(r.body, []byte(m)) {
				i := bytes.Index(r.body, []byte(m))
				t.Errorf("%s: unescaped %q in %q", p, m, r.body[max(0, i-60):min(len(r.body), i+60)])
			}
		}
		ct := r.header.Get("Content-Type")
		switch {
		case strings.HasPrefix(p, "/api/"):
			if !strings.HasPrefix(ct, "application/json") {
				t.Errorf("%s: Content-Type %q", p, ct)
			}
			if r.status == 200 && !json.Valid(r.body) {
				t.Errorf("%s: invalid JSON", p)
			}
		case strings.HasSuffix(p, ".atom"):
			if !strings.Contains(ct, "atom+xml") {
				t.Errorf("%s: Content-Type %q", p, ct)
			}
		default:
			if r.status == 200 && !strings.HasPrefix(ct, "text/html") {
				t.Errorf("%s: Content-Type %q", p, ct)
			}
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Content-Security-Policy") == "" {
			t.Errorf("%s: security headers missing", p)
		}
	}
	// The escaped text is shown, not dropped.
	if r := get(t, u+"/articles/h1"); !bytes.Contains(r.body, []byte("&lt;script&gt;alert(")) {
		t.Errorf("article page does not show the escaped title")
	}
	// The API gives the text back as it was stored (escaped as JSON).
	var a struct{ Title, Text string }
	if err := json.Unmarshal(get(t, u+"/api/articles/h1").body, &a); err != nil || a.Title != hostile[0].Title {
		t.Errorf("API title %q (%v), want the stored one", a.Title, err)
	}
}

// TestSVGEscaped: the timeline drawing escapes labels.
func TestSVGEscaped(t *testing.T) {
	ev := store.Event{ID: `e"><script>`, StoryID: "s", Date: "2024-05-02", MinDate: "2024-05-02", MaxDate: "2024-05-03",
		Label: `<img src=x onerror=alert(1)>`, Articles: 2, Langs: map[string]int{`en"><b`: 2}}
	tl := &render.Timeline{
		Story:  store.Story{ID: "s<script>", Label: `<script>alert(1)</script>`, MinDate: "2024-05-02", MaxDate: "2024-05-03", Events: 1, Articles: 2},
		Events: []render.TimelineEntry{{Event: ev, Titles: []string{`<script>alert(2)</script>`}}},
	}
	var b bytes.Buffer
	if err := render.TimelineSVG(&b, tl, render.SVGOptions{Standalone: true}); err != nil {
		t.Fatal(err)
	}
	for _, m := range append(rawMarkup, `"><script>`, `"><b`) {
		if bytes.Contains(b.Bytes(), []byte(m)) {
			t.Errorf("SVG holds unescaped %q:\n%s", m, b.String())
		}
	}
}

// rawGet sends a request line exactly as written (no client-side path
// cleaning) and returns the status code and body.
func rawGet(t *testing.T, base, target string) (int, string) {
	t.Helper()
	host := strings.TrimPrefix(base, "http://")
	c, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, host)
	r, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(b)
}

// TestStaticPathsConfined: no spelling of ".." reaches outside the
// assets folder (the templates sit beside it in the embedded files).
func TestStaticPathsConfined(t *testing.T) {
	u := newServer(t, nil, "").URL
	for _, p := range []string{
		"/assets/../templates/layout.html",
		"/assets/%2e%2e/templates/layout.html",
		"/assets/%2E%2E/templates/layout.html",
		"/assets/..%2ftemplates/layout.html",
		"/assets/%2e%2e%2ftemplates%2flayout.html",
		"/assets/..%5ctemplates%5clayout.html",
		"/assets/....//templates/layout.html",
		"/assets/%252e%252e/templates/layout.html",
		"/assets//../../server.go",
		"/assets/%2e%2e/%2e%2e/server.go",
		"/assets/%2e%2e%2f%2e%2e%2fgo.mod",
		"/assets/..;/templates/layout.html",
	} {
		status, body := rawGet(t, u, p)
		if status == 200 || strings.Contains(body, "{{") || strings.Contains(body, "package ") || strings.Contains(body, "module storyline") {
			t.Errorf("%s: %d, body %.80q", p, status, body)
		}
	}
	if status, body := rawGet(t, u, "/assets/style.css"); status != 200 || body == "" {
		t.Errorf("style.css: %d", status)
	}
}

// bigBody streams n bytes of one JSON line: an article whose text never
// ends, without holding it in memory.
// The count is atomic: the transport may still be reading when the
// response has arrived.
type bigBody struct {
	n    int64
	read atomic.Int64
}

func (b *bigBody) Read(p []byte) (int, error) {
	off := b.read.Load()
	if off >= b.n {
		return 0, io.EOF
	}
	const head = `{"id":"big","text":"`
	k := 0
	for k < len(p) && off < b.n {
		if off < int64(len(head)) {
			p[k] = head[off]
		} else {
			p[k] = 'x'
		}
		k++
		off++
	}
	b.read.Store(off)
	return k, nil
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestOversizedBodies: a 100 MB single-line body is refused with 413,
// whether its size is declared or streamed, without the server reading it
// all; a 10 MB article inside an acceptable body is rejected with a clear
// error; nothing is stored and memory comes back.
func TestOversizedBodies(t *testing.T) {
	u, _ := hostileStore(t)
	base := heapInUse()
	const hundredMB = 100 << 20
	for _, declared := range []bool{true, false} {
		body := &bigBody{n: hundredMB}
		req, err := http.NewRequest("POST", u+"/api/articles", body)
		if err != nil {
			t.Fatal(err)
		}
		if declared {
			req.ContentLength = hundredMB
		} else {
			req.ContentLength = -1 // chunked: the server finds out by reading
		}
		req.Header.Set("Authorization", "Bearer "+token)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			// The server may close the connection before the client
			// has finished sending; what matters is that it stopped
			// reading.
			t.Logf("declared=%v: %v", declared, err)
		} else {
			msg, _ := io.ReadAll(r.Body)
			r.Body.Close()
			if r.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(msg), "body larger than") {
				t.Errorf("declared=%v: %d %s", declared, r.StatusCode, msg)
			}
		}
		if body.read.Load() > MaxBody+16<<20 { // socket buffers hold some MB more than the server read
			t.Errorf("declared=%v: server read %d MB of a 100 MB body", declared, body.read.Load()>>20)
		}
		t.Logf("declared=%v: client sent %d MB before the refusal", declared, body.read.Load()>>20)
	}

	// A 10 MB article in a 10 MB body: refused per record, with the reason.
	ten := `{"id":"ten","text":"` + strings.Repeat("y", 10<<20) + `"}`
	r := do(t, "POST", u+"/api/articles", token, ten)
	var res IngestResult
	json.Unmarshal(r.body, &res)
	if r.status != 400 || res.Added != 0 || len(res.Errors) != 1 || !strings.Contains(res.Errors[0], "longer than") {
		t.Errorf("10 MB article: %d %.200s", r.status, r.body)
	}
	ten = ""
	if r := get(t, u+"/api/articles/big"); r.status != 404 {
		t.Errorf("oversized article stored: %d", r.status)
	}
	if got := heapInUse(); got > base+64<<20 {
		t.Errorf("heap grew from %d MB to %d MB", base>>20, got>>20)
	}
}

// TestTokenEqual: the comparison accepts only the exact token.
func TestTokenEqual(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{{"s3cret", "s3cret", true}, {"s3cret", "s3cre", false}, {"", "s3cret", false}, {"s3cret ", "s3cret", false}, {"S3CRET", "s3cret", false}} {
		if got := tokenEqual(c.a, c.b); got != c.want {
			t.Errorf("tokenEqual(%q, %q) = %v", c.a, c.b, got)
		}
	}
}
