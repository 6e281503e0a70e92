package extract

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
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
		out = append(out, a)
	}
	return out
}

func pick(t testing.TB, arts []devArticle, lang string) devArticle {
	for _, a := range arts {
		if a.Lang == lang && len(a.Text) > 600 {
			return a
		}
	}
	t.Fatalf("no %s article in the dev corpus", lang)
	return devArticle{}
}

// page renders a dev article as a news page with the usual clutter around
// the article body, so extraction has something to leave out.
func page(a devArticle, metaCharset, published string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html><html lang=%q><head>", a.Lang)
	if metaCharset != "" {
		fmt.Fprintf(&b, `<meta charset="%s">`, metaCharset)
	}
	title := a.Title
	if title == "" {
		title = "Headline " + a.ID
	}
	fmt.Fprintf(&b, "<title>%s | Example News</title>", html.EscapeString(title))
	fmt.Fprintf(&b, `<link rel="canonical" href="/news/%s.html">`, a.ID)
	if published != "" {
		fmt.Fprintf(&b, `<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"Example"},{"@type":"NewsArticle","headline":%q,"datePublished":%q}]}</script>`, title, published)
	}
	b.WriteString(`</head><body><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/sport">Sport</a></li></ul></nav>`)
	fmt.Fprintf(&b, "<main><article><h1>%s</h1>", html.EscapeString(title))
	for _, p := range strings.Split(a.Text, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			fmt.Fprintf(&b, "<p>%s</p>\n", html.EscapeString(p))
		}
	}
	b.WriteString(`</article></main><aside><h3>Most read</h3><ul><li><a href="/x">Other story one</a></li><li><a href="/y">Other story two</a></li></ul></aside><footer>© Example News. All rights reserved.</footer></body></html>`)
	return b.String()
}

// encode writes s in a legacy charset; characters it lacks (curly quotes,
// ©) become numeric character references, as real sites do.
func encode(t testing.TB, enc encoding.Encoding, s string) []byte {
	out, err := encoding.HTMLEscapeUnsupported(enc.NewEncoder()).String(s)
	if err != nil {
		t.Errorf("encode: %v", err)
	}
	return []byte(out)
}

// longestPara returns the longest paragraph of a text: a good probe that the
// article body, not the page furniture, was extracted.
func longestPara(text string) string {
	best := ""
	for _, p := range strings.Split(text, "\n") {
		if p = strings.TrimSpace(p); len(p) > len(best) {
			best = p
		}
	}
	return best
}

func TestPage(t *testing.T) {
	arts := loadDev(t)
	en, ru, pl := pick(t, arts, "en"), pick(t, arts, "ru"), pick(t, arts, "pl")
	mux := http.NewServeMux()
	mux.HandleFunc("/utf8", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page(en, "", "2025-04-21T09:45:00+02:00"))
	})
	// windows-1251 announced only in the Content-Type header.
	mux.HandleFunc("/cp1251", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=windows-1251")
		w.Write(encode(t, charmap.Windows1251, page(ru, "", "")))
	})
	// ISO-8859-2 announced only in a <meta charset>.
	mux.HandleFunc("/latin2", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(encode(t, charmap.ISO8859_2, page(pl, "iso-8859-2", "2025-05-08")))
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		chunk := []byte(strings.Repeat("<p>filler text</p>", 1000))
		for n := 0; n <= MaxBytes; n += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("%PDF-1.4"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx := context.Background()

	t.Run("utf8 with JSON-LD", func(t *testing.T) {
		res, err := Page(ctx, srv.Client(), srv.URL+"/utf8")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(res.Text, longestPara(en.Text)) {
			t.Errorf("main text lacks the article's longest paragraph; got %.200q", res.Text)
		}
		if strings.Contains(res.Text, "All rights reserved") || strings.Contains(res.Text, "Most read") {
			t.Errorf("page furniture in main text: %.300q", res.Text)
		}
		want := time.Date(2025, 4, 21, 7, 45, 0, 0, time.UTC)
		if !res.Published.Equal(want) {
			t.Errorf("Published = %v, want %v", res.Published, want)
		}
		if res.Lang != "en" {
			t.Errorf("Lang = %q", res.Lang)
		}
		if res.CanonicalURL != srv.URL+"/news/"+en.ID+".html" {
			t.Errorf("CanonicalURL = %q", res.CanonicalURL)
		}
		if res.Title == "" || strings.Contains(res.Title, "Example News") && en.Title != "" && !strings.HasPrefix(res.Title, en.Title) {
			t.Errorf("Title = %q", res.Title)
		}
	})
	t.Run("windows-1251 header", func(t *testing.T) {
		res, err := Page(ctx, srv.Client(), srv.URL+"/cp1251")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(res.Text, longestPara(ru.Text)) {
			t.Errorf("windows-1251 page decoded wrongly: %.200q", res.Text)
		}
		if res.Lang != "ru" || !res.Published.IsZero() {
			t.Errorf("Lang %q Published %v", res.Lang, res.Published)
		}
	})
	t.Run("iso-8859-2 meta", func(t *testing.T) {
		res, err := Page(ctx, srv.Client(), srv.URL+"/latin2")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(res.Text, longestPara(pl.Text)) {
			t.Errorf("ISO-8859-2 page decoded wrongly: %.200q", res.Text)
		}
		if res.Published.Format(time.DateOnly) != "2025-05-08" {
			t.Errorf("Published = %v", res.Published)
		}
	})
	t.Run("too large", func(t *testing.T) {
		_, err := Page(ctx, srv.Client(), srv.URL+"/huge")
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), srv.URL+"/huge") {
			t.Fatalf("err = %v, want ErrTooLarge naming the URL", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := Page(ctx, srv.Client(), srv.URL+"/slow")
		if err == nil || time.Since(start) > 2*time.Second {
			t.Fatalf("err = %v after %v, want a prompt timeout", err, time.Since(start))
		}
	})
	t.Run("not found", func(t *testing.T) {
		_, err := Page(ctx, srv.Client(), srv.URL+"/missing")
		if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "/missing") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("not html", func(t *testing.T) {
		if _, err := Page(ctx, srv.Client(), srv.URL+"/pdf"); err == nil {
			t.Fatal("a PDF was accepted as a page")
		}
	})
}

func TestNormLangAndTime(t *testing.T) {
	for in, want := range map[string]string{"en-US": "en", "pt_BR": "pt", "DE": "de", "": "", "x": "", "12": ""} {
		if got := normLang(in); got != want {
			t.Errorf("normLang(%q) = %q, want %q", in, got, want)
		}
	}
	for _, s := range []string{"2025-06-12T08:10:00Z", "2025-06-12T08:10:00+0530", "2025-06-12", "Thu, 12 Jun 2025 08:10:00 +0000"} {
		if tm, ok := ParseTime(s); !ok || tm.Year() != 2025 {
			t.Errorf("ParseTime(%q) = %v %v", s, tm, ok)
		}
	}
	if _, ok := ParseTime("yesterday"); ok {
		t.Error("ParseTime accepted prose")
	}
}

// FuzzParse checks that no page, however broken, panics the extractor.
func FuzzParse(f *testing.F) {
	f.Add([]byte(page(devArticle{ID: "x", Lang: "en", Title: "T", Text: "One paragraph.\nTwo paragraphs here."}, "", "2025-01-01")), "text/html", "http://127.0.0.1/a")
	f.Add([]byte("<html><head><meta charset=koi8-r><script type=application/ld+json>[{\"@graph\":[{\"datePublished\":1}]}]</script></head>"), "", "")
	f.Add([]byte("\xff\xfe<\x00h\x00"), "text/html; charset=bogus", "::")
	f.Add([]byte(strings.Repeat("<div>", 2000)), "text/html", "http://127.0.0.1/")
	f.Fuzz(func(t *testing.T, body []byte, ct, u string) {
		res, err := Parse(body, ct, u)
		if err == nil && res.Text == "" {
			t.Fatal("nil error with empty text")
		}
	})
}
