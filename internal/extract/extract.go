// Package extract turns a news web page into its main text and metadata:
// title, publication time, language and canonical URL.
//
// The main text comes from go-trafilatura (with its readability and
// DOM-distiller fallbacks). Metadata that a page states explicitly — <html
// lang>, <link rel=canonical>, article:published_time and JSON-LD
// datePublished — is read here first, because those statements are more
// reliable than trafilatura's heuristics; trafilatura's values fill the gaps.
//
// Pages are decoded to UTF-8 before parsing, using the BOM, the Content-Type
// charset and the <meta charset> declaration in that order (the HTML spec's
// order), so windows-1251 or ISO-8859-2 pages come out right.
package extract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/markusmobius/go-trafilatura"
	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
)

// Limits on one page fetch.
const (
	// MaxBytes is the largest page body read; a larger page is an error
	// rather than a silent truncation, so the caller can report it.
	MaxBytes = 5 << 20
	// Timeout bounds one page fetch when the context has no earlier deadline.
	Timeout = 20 * time.Second
)

// UserAgent is sent with every page request.
const UserAgent = "storyline/1 (+news event grouping; polite fetcher)"

// Result is what a page yields.
type Result struct {
	Title        string
	Text         string    // main text, paragraphs separated by newlines
	Lang         string    // ISO 639-1 code from the page's markup, or ""
	CanonicalURL string    // rel=canonical or og:url, else the fetched URL
	Published    time.Time // zero when the page states no date
	Sitename     string
	Author       string
}

// ErrTooLarge is returned for pages over MaxBytes.
var ErrTooLarge = errors.New("page larger than limit")

// Page fetches pageURL with client and extracts it. Errors name the URL.
func Page(ctx context.Context, client *http.Client, pageURL string) (*Result, error) {
	if client == nil {
		client = http.DefaultClient
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pageURL, nil)
	if err != nil {
		return nil, fmt.Errorf("extract %s: %w", pageURL, err)
	}
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("extract %s: %w", pageURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("extract %s: HTTP %s", pageURL, resp.Status)
	}
	ct := resp.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil && !strings.Contains(mt, "html") && !strings.HasPrefix(mt, "text/") {
		return nil, fmt.Errorf("extract %s: not an HTML page (%s)", pageURL, mt)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("extract %s: %w", pageURL, err)
	}
	if len(body) > MaxBytes {
		return nil, fmt.Errorf("extract %s: %w (%d bytes)", pageURL, ErrTooLarge, MaxBytes)
	}
	final := pageURL
	if resp.Request != nil && resp.Request.URL != nil {
		final = resp.Request.URL.String() // after redirects
	}
	res, err := Parse(body, ct, final)
	if err != nil {
		return nil, fmt.Errorf("extract %s: %w", pageURL, err)
	}
	return res, nil
}

// Parse extracts a page already in memory. contentType is the HTTP
// Content-Type header ("" if unknown), used for the charset; pageURL resolves
// relative canonical links.
func Parse(body []byte, contentType, pageURL string) (*Result, error) {
	r, err := charset.NewReader(bytes.NewReader(body), contentType)
	if err != nil { // unknown label: fall back to the bytes as they are
		r = bytes.NewReader(body)
	}
	doc, err := html.Parse(r)
	if err != nil {
		return nil, err
	}
	base, _ := url.Parse(pageURL)
	res := &Result{}
	meta := scanMeta(doc)
	res.Lang = normLang(firstNonEmpty(meta.htmlLang, meta.contentLang, meta.ogLocale))
	res.Published = firstTime(meta.jsonLDDates, meta.metaDates)
	res.CanonicalURL = resolve(base, firstNonEmpty(meta.canonical, meta.ogURL))

	opts := trafilatura.Options{
		EnableFallback:  true,
		ExcludeComments: true,
		Deduplicate:     true,
		HtmlDateMode:    trafilatura.Fast, // the extensive mode is slow and rarely wins on news pages
	}
	if base != nil && base.IsAbs() {
		opts.OriginalURL = base
	}
	ext, err := extractSafely(doc, opts)
	if err != nil {
		return nil, err
	}
	md := ext.Metadata
	res.Title = strings.TrimSpace(firstNonEmpty(meta.ogTitle, md.Title))
	res.Text = strings.TrimSpace(ext.ContentText)
	res.Sitename = md.Sitename
	res.Author = md.Author
	if res.Published.IsZero() {
		res.Published = md.Date
	}
	if res.CanonicalURL == "" {
		res.CanonicalURL = resolve(base, md.URL)
	}
	if res.CanonicalURL == "" && base != nil {
		res.CanonicalURL = base.String()
	}
	if res.Lang == "" {
		res.Lang = normLang(md.Language)
	}
	if res.Text == "" {
		return res, errors.New("no main text found")
	}
	return res, nil
}

// extractSafely runs trafilatura and turns a panic inside it into an error:
// a hostile page must not take the whole watcher down.
func extractSafely(doc *html.Node, opts trafilatura.Options) (res *trafilatura.ExtractResult, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("extractor failed: %v", p)
		}
	}()
	res, err = trafilatura.ExtractDocument(doc, opts)
	if err == nil && res == nil {
		err = errors.New("no main text found")
	}
	return res, err
}

type pageMeta struct {
	htmlLang, contentLang, ogLocale string
	canonical, ogURL, ogTitle       string
	metaDates, jsonLDDates          []string
}

// scanMeta walks the document once for the explicit metadata Parse prefers.
func scanMeta(doc *html.Node) pageMeta {
	var m pageMeta
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		if depth > 512 { // pathological nesting: stop rather than blow the stack
			return
		}
		if n.Type == html.ElementNode {
			switch n.Data {
			case "html":
				m.htmlLang = attr(n, "lang")
			case "link":
				if strings.EqualFold(attr(n, "rel"), "canonical") && m.canonical == "" {
					m.canonical = attr(n, "href")
				}
			case "meta":
				key := strings.ToLower(firstNonEmpty(attr(n, "property"), attr(n, "name"), attr(n, "itemprop"), attr(n, "http-equiv")))
				val := strings.TrimSpace(attr(n, "content"))
				switch key {
				case "og:locale":
					m.ogLocale = val
				case "content-language", "language", "dc.language":
					m.contentLang = val
				case "og:url":
					m.ogURL = val
				case "og:title":
					m.ogTitle = val
				case "article:published_time", "datepublished", "pubdate", "publishdate",
					"dc.date.issued", "dc.date", "date", "og:published_time", "sailthru.date", "parsely-pub-date":
					m.metaDates = append(m.metaDates, val)
				}
			case "script":
				if strings.Contains(strings.ToLower(attr(n, "type")), "ld+json") && n.FirstChild != nil {
					m.jsonLDDates = append(m.jsonLDDates, jsonLDDates(n.FirstChild.Data)...)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(doc, 0)
	return m
}

// jsonLDDates collects datePublished values from a JSON-LD block, which may
// be one object, an array, or an object with an @graph array.
func jsonLDDates(src string) []string {
	var v any
	if err := json.Unmarshal([]byte(src), &v); err != nil {
		return nil
	}
	var out []string
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if depth > 16 {
			return
		}
		switch t := v.(type) {
		case []any:
			for _, e := range t {
				walk(e, depth+1)
			}
		case map[string]any:
			if s, ok := t["datePublished"].(string); ok {
				out = append(out, s)
			}
			if g, ok := t["@graph"]; ok {
				walk(g, depth+1)
			}
		}
	}
	walk(v, 0)
	return out
}

var timeLayouts = []string{
	time.RFC3339, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02T15:04Z07:00",
	"2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02",
	time.RFC1123Z, time.RFC1123,
}

// ParseTime reads the date formats pages use in metadata. It is exported for
// the feed package, which meets the same formats in feed items.
func ParseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil && t.Year() > 1900 && t.Year() < 2200 {
			return t, true
		}
	}
	return time.Time{}, false
}

func firstTime(lists ...[]string) time.Time {
	for _, l := range lists {
		for _, s := range l {
			if t, ok := ParseTime(s); ok {
				return t
			}
		}
	}
	return time.Time{}
}

// normLang reduces "en-US", "pt_BR" or "EN" to the ISO 639-1 code, and drops
// values that are not two or three letters.
func normLang(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_,; "); i >= 0 {
		s = s[:i]
	}
	if len(s) < 2 || len(s) > 3 {
		return ""
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return ""
		}
	}
	return s
}

func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if !u.IsAbs() {
		return ""
	}
	return u.String()
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}
