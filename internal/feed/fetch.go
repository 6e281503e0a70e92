package feed

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/html/charset"

	"storyline/internal/article"
)

// Defaults for a Fetcher.
const (
	DefaultMaxBytes = 10 << 20
	DefaultTimeout  = 30 * time.Second
	UserAgent       = "storyline/1 (+news event grouping; polite feed reader)"
)

// Error is a failure of one feed; it always names the feed URL.
type Error struct {
	URL string
	Err error
}

func (e *Error) Error() string { return "feed " + e.URL + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// ErrTooLarge is returned for feed bodies over the Fetcher's limit.
var ErrTooLarge = errors.New("body larger than limit")

// Validators are the HTTP cache validators of one feed. A store persists them
// between runs (Fetcher.Validators / SetValidators) so a restarted watcher
// still sends conditional requests.
type Validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// Result is one fetch of one feed.
type Result struct {
	URL         string
	Articles    []article.Article
	NotModified bool // the server answered 304; Articles is empty
	Validators  Validators
}

// Fetcher downloads and parses feeds. It is safe for concurrent use. The zero
// value is not usable; call NewFetcher.
type Fetcher struct {
	Client   *http.Client
	MaxBytes int64 // body limit; larger bodies are an error

	mu    sync.Mutex
	state map[string]Validators
}

// NewFetcher returns a Fetcher using client, or a client with
// DefaultTimeout when client is nil.
func NewFetcher(client *http.Client) *Fetcher {
	if client == nil {
		client = &http.Client{Timeout: DefaultTimeout}
	}
	return &Fetcher{Client: client, MaxBytes: DefaultMaxBytes, state: map[string]Validators{}}
}

// Validators returns the cache validators last seen for feedURL.
func (f *Fetcher) Validators(feedURL string) Validators {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state[feedURL]
}

// SetValidators sets the validators sent with the next request for feedURL,
// e.g. ones loaded from a store.
func (f *Fetcher) SetValidators(feedURL string, v Validators) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.state[feedURL] = v
}

// Fetch downloads feedURL with a conditional GET and parses it. Validators
// are only updated after a successful parse, so a broken response is fetched
// in full again next time. Errors are *Error.
func (f *Fetcher) Fetch(ctx context.Context, feedURL string) (*Result, error) {
	res, err := f.fetch(ctx, feedURL)
	if err != nil {
		var fe *Error
		if !errors.As(err, &fe) {
			err = &Error{URL: feedURL, Err: err}
		}
		return nil, err
	}
	return res, nil
}

func (f *Fetcher) fetch(ctx context.Context, feedURL string) (*Result, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, feedURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.5")
	v := f.Validators(feedURL)
	if v.ETag != "" {
		req.Header.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		req.Header.Set("If-Modified-Since", v.LastModified)
	}
	resp, err := f.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return &Result{URL: feedURL, NotModified: true, Validators: v}, nil
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	limit := f.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, limit)
	}
	body, err = toUTF8(body, resp.Header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	arts, err := Parse(bytes.NewReader(body), feedURL)
	if err != nil {
		var fe *Error
		if errors.As(err, &fe) {
			return nil, err
		}
		return nil, &Error{URL: feedURL, Err: err}
	}
	nv := Validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	f.SetValidators(feedURL, nv)
	return &Result{URL: feedURL, Articles: arts, Validators: nv}, nil
}

var xmlEncodingDecl = regexp.MustCompile(`^\s*(?:\xef\xbb\xbf)?<\?xml[^>]*encoding\s*=`)

// toUTF8 transcodes a body whose charset is given only by the Content-Type
// header. When the document declares its own encoding (<?xml encoding=...?>)
// the parser honours that, and transcoding here would make it decode twice.
func toUTF8(body []byte, contentType string) ([]byte, error) {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return body, nil
	}
	cs := strings.ToLower(strings.TrimSpace(params["charset"]))
	if cs == "" || cs == "utf-8" || cs == "utf8" || xmlEncodingDecl.Match(body[:min(len(body), 256)]) {
		return body, nil
	}
	r, err := charset.NewReaderLabel(cs, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("charset %q: %w", cs, err)
	}
	return io.ReadAll(r)
}

// ReadFeedList reads a list of feed URLs: either an OPML file (every outline
// with an xmlUrl, at any depth) or a plain file with one URL a line, where
// blank lines and text after # are ignored. Duplicates are dropped, order is
// kept.
func ReadFeedList(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var urls []string
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if bytes.HasPrefix(trimmed, []byte("<")) {
		urls, err = parseOPML(trimmed)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	} else {
		sc := bufio.NewScanner(bytes.NewReader(data))
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			line = stripComment(line)
			if line = strings.TrimSpace(line); line == "" {
				continue
			}
			if !strings.HasPrefix(line, "http://") && !strings.HasPrefix(line, "https://") {
				return nil, fmt.Errorf("%s:%d: not an http(s) URL: %q", path, n, line)
			}
			urls = append(urls, line)
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	seen := map[string]bool{}
	out := urls[:0]
	for _, u := range urls {
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out, nil
}

// stripComment cuts a # comment that starts a line or follows white space;
// a # inside a URL (a fragment) is not a comment.
func stripComment(line string) string {
	for i := 0; i < len(line); i++ {
		if line[i] == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			return line[:i]
		}
	}
	return line
}

type outline struct {
	XMLURL   string    `xml:"xmlUrl,attr"`
	Outlines []outline `xml:"outline"`
}

func parseOPML(data []byte) ([]string, error) {
	var doc struct {
		XMLName xml.Name
		Body    struct {
			Outlines []outline `xml:"outline"`
		} `xml:"body"`
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = charset.NewReaderLabel
	if err := d.Decode(&doc); err != nil {
		return nil, fmt.Errorf("OPML: %w", err)
	}
	if !strings.EqualFold(doc.XMLName.Local, "opml") {
		return nil, fmt.Errorf("not an OPML file (root <%s>)", doc.XMLName.Local)
	}
	var urls []string
	var walk func([]outline)
	walk = func(os []outline) {
		for _, o := range os {
			if u := strings.TrimSpace(o.XMLURL); u != "" {
				urls = append(urls, u)
			}
			walk(o.Outlines)
		}
	}
	walk(doc.Body.Outlines)
	return urls, nil
}
