// Package feed reads news feeds (RSS, Atom, JSON Feed) into articles: Parse
// maps one feed document, Fetcher downloads one feed politely (conditional
// GET, size limit, charset), and Watcher polls many feeds on an interval.
package feed

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"

	"storyline/internal/article"
	"storyline/internal/extract"
)

// ID returns the article id for an item: the first 16 hex digits of the
// SHA-1 of its link — the same rule the dev corpus uses, so an article read
// from a feed and from a file agree — or of its guid when it has no link.
func ID(key string) string {
	sum := sha1.Sum([]byte(key))
	return hex.EncodeToString(sum[:])[:16]
}

// Parse reads one RSS, Atom or JSON Feed document and returns its items as
// articles. feedURL resolves relative item links and names the feed in
// errors and in each article's Origin. Items with neither text nor title are
// skipped; items repeated within the document are returned once.
func Parse(r io.Reader, feedURL string) (arts []article.Article, err error) {
	// gofeed is not hardened against every malformed input; a bad feed must
	// be an error for that feed, not a crash of the watcher.
	defer func() {
		if p := recover(); p != nil {
			arts, err = nil, fmt.Errorf("feed %s: parser failed: %v", feedURL, p)
		}
	}()
	f, err := gofeed.NewParser().Parse(r)
	if err != nil {
		return nil, fmt.Errorf("feed %s: %w", feedURL, err)
	}
	base, _ := url.Parse(feedURL)
	source := strings.TrimSpace(f.Title)
	if source == "" && base != nil {
		source = base.Hostname()
	}
	lang := normLang(f.Language)
	seen := map[string]bool{}
	for _, it := range f.Items {
		if it == nil {
			continue
		}
		a, ok := itemArticle(it, base, feedURL)
		if !ok || seen[a.ID] {
			continue
		}
		seen[a.ID] = true
		a.Source, a.Lang = source, lang
		arts = append(arts, a)
	}
	return arts, nil
}

func itemArticle(it *gofeed.Item, base *url.URL, feedURL string) (article.Article, bool) {
	link := resolve(base, it.Link)
	if link == "" && len(it.Links) > 0 {
		link = resolve(base, it.Links[0])
	}
	key := link
	if key == "" {
		key = strings.TrimSpace(it.GUID)
	}
	title := StripHTML(it.Title)
	// Content is usually the full text and Description the teaser, but some
	// feeds swap them; the longer one is the better text.
	text := StripHTML(it.Content)
	if d := StripHTML(it.Description); len(d) > len(text) {
		text = d
	}
	if key == "" { // no link, no guid: the content is all there is to identify it
		key = title + "\x00" + text
	}
	if strings.TrimSpace(key) == "" || title == "" && text == "" {
		return article.Article{}, false
	}
	a := article.Article{
		ID:     ID(key),
		Title:  title,
		Text:   text,
		URL:    link,
		Origin: feedURL + "#" + firstNonEmpty(it.GUID, link, title),
	}
	if a.Text == "" {
		a.Text = a.Title // Article requires text; a headline-only item still carries news
	}
	if t := itemTime(it); !t.IsZero() {
		a.Date, a.DateSource = CivilDate(t), article.DateHeader
	} else {
		a.DateSource = article.DateUnknown
	}
	return a, true
}

// CivilDate keeps the calendar date a timestamp has in its own zone — the
// date the outlet printed — as UTC midnight, the form Article.Date uses.
func CivilDate(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// itemTime is the item's publication (else update) time in the zone the
// feed wrote it in. The raw string is read first because the parsed value
// may have been moved to UTC, which can shift the calendar date.
func itemTime(it *gofeed.Item) time.Time {
	for _, c := range []struct {
		raw    string
		parsed *time.Time
	}{{it.Published, it.PublishedParsed}, {it.Updated, it.UpdatedParsed}} {
		if t, ok := extract.ParseTime(c.raw); ok {
			return t
		}
		if c.parsed != nil && c.parsed.Year() > 1900 {
			return *c.parsed
		}
	}
	return time.Time{}
}

// blockTags end a line when text is stripped from HTML, so paragraphs stay
// paragraphs.
var blockTags = map[string]bool{
	"p": true, "div": true, "br": true, "li": true, "h1": true, "h2": true, "h3": true,
	"h4": true, "h5": true, "h6": true, "blockquote": true, "tr": true, "section": true, "article": true,
}

// StripHTML returns the text of an HTML fragment (feed fields often carry
// markup, sometimes escaped twice), one paragraph per line, with white space
// collapsed. Script and style contents are dropped.
func StripHTML(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return collapse(s)
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b bytes.Buffer
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return collapse(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch n := string(name); {
			case n == "script" || n == "style":
				skip++
			case blockTags[n]:
				b.WriteByte('\n')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch n := string(name); {
			case n == "script" || n == "style":
				skip = max(0, skip-1)
			case blockTags[n]:
				b.WriteByte('\n')
			}
		}
	}
}

// collapse trims each line, squeezes runs of spaces and drops empty lines.
func collapse(s string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.Join(strings.Fields(line), " "); line != "" {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

func normLang(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	if len(s) != 2 && len(s) != 3 {
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
	return u.String()
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}
