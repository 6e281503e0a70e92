package server

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"storyline/internal/render"
	"storyline/internal/store"
)

var funcs = template.FuncMap{
	"langs":     render.SortedLangs,
	"langColor": func(l string) template.CSS { return template.CSS(render.LangColor(l)) },
	"pct":       func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"score":     func(f float64) string { return fmt.Sprintf("%.2f", f) },
	"span": func(a, b string) string {
		switch {
		case a == "" && b == "":
			return "undated"
		case a == b || b == "":
			return a
		}
		return a + " – " + b
	},
	"pathEscape": url.PathEscape,
	"add":        func(a, b int) int { return a + b },
	"sub":        func(a, b int) int { return a - b },
	"clip":       render.Clip,
}

func (s *Server) parseTemplates() error {
	s.pages = map[string]*template.Template{}
	for _, name := range []string{"stories", "story", "event", "article", "search", "entity", "error"} {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(content, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return fmt.Errorf("parse template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	return nil
}

// page is what every page template gets.
type page struct {
	Title  string
	Query  string
	Writes bool
	Data   any
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	var b bytes.Buffer
	if err := s.pages[name].Execute(&b, page{Title: title, Query: r.URL.Query().Get("q"), Writes: s.WritesEnabled(), Data: data}); err != nil {
		s.log.Printf("render %s: %v", name, err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error, what string) {
	status, msg := http.StatusInternalServerError, "Something went wrong."
	switch {
	case err == nil:
		status, msg = http.StatusBadRequest, what
	case err == store.ErrNotFound || strings.Contains(err.Error(), store.ErrNotFound.Error()):
		status, msg = http.StatusNotFound, "There is no "+what+"."
	default:
		s.log.Printf("%s %s: %v", r.Method, r.URL.Path, err)
	}
	s.render(w, r, status, "error", http.StatusText(status), msg)
}

// storiesPage is the data of the stories list.
type storiesPage struct {
	List   *StoryList
	Filter StoryFilter
	Prev   string
	Next   string
}

func (s *Server) pageStories(w http.ResponseWriter, r *http.Request) {
	f, err := s.storyFilter(r)
	if err != nil {
		s.pageError(w, r, nil, err.Error())
		return
	}
	l, err := s.stories(r.Context(), f)
	if err != nil {
		s.pageError(w, r, err, "stories")
		return
	}
	d := storiesPage{List: l, Filter: f}
	link := func(off int) string {
		q := r.URL.Query()
		q.Set("offset", fmt.Sprint(off))
		return "/?" + q.Encode()
	}
	if f.Offset > 0 {
		d.Prev = link(max(0, f.Offset-f.Limit))
	}
	if f.Offset+f.Limit < l.Total {
		d.Next = link(f.Offset + f.Limit)
	}
	s.render(w, r, http.StatusOK, "stories", "Stories", d)
}

// storyPage is the data of a story page.
type storyPage struct {
	T   *render.Timeline
	SVG template.HTML
}

func (s *Server) pageStory(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if base, ok := strings.CutSuffix(id, ".atom"); ok {
		s.atom(w, r, base)
		return
	}
	t, err := render.LoadTimeline(r.Context(), s.st, id)
	if err != nil {
		s.pageError(w, r, err, "story "+id)
		return
	}
	var b strings.Builder
	render.TimelineSVG(&b, t, render.SVGOptions{EventURL: func(id string) string { return "/events/" + url.PathEscape(id) }})
	// TimelineSVG escapes every text it writes.
	s.render(w, r, http.StatusOK, "story", t.Story.Label, storyPage{T: t, SVG: template.HTML(b.String())})
}

func (s *Server) pageEvent(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	v, err := s.event(r.Context(), id)
	if err != nil {
		s.pageError(w, r, err, "event "+id)
		return
	}
	s.render(w, r, http.StatusOK, "event", v.Event.Label, v)
}

func (s *Server) pageArticle(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	a, err := s.st.Article(r.Context(), id)
	if err != nil {
		s.pageError(w, r, err, "article "+id)
		return
	}
	s.render(w, r, http.StatusOK, "article", render.Title(a), a)
}

func (s *Server) pageSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	var res *SearchResult
	if strings.TrimSpace(q) != "" && len(q) <= 200 {
		var err error
		if res, err = s.search(r.Context(), q, r.URL.Query().Get("lang"), 30); err != nil {
			s.pageError(w, r, err, "search")
			return
		}
	}
	s.render(w, r, http.StatusOK, "search", "Search", res)
}

func (s *Server) pageEntity(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	v, err := s.entity(r.Context(), key)
	if err != nil {
		s.pageError(w, r, err, "entity "+key)
		return
	}
	s.render(w, r, http.StatusOK, "entity", key, v)
}

// Atom feed types (RFC 4287).
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Link    []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Href string `xml:"href,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Link    atomLink `xml:"link"`
	Summary string   `xml:"summary"`
}

func atomTime(d string) string {
	t := store.ParseDay(d)
	if t.IsZero() {
		t = time.Unix(0, 0).UTC()
	}
	return t.Format(time.RFC3339)
}

// atom writes a story's Atom feed, one entry per event, newest first.
func (s *Server) atom(w http.ResponseWriter, r *http.Request, id string) {
	t, err := render.LoadTimeline(r.Context(), s.st, id)
	if err != nil {
		s.fail(w, r, "story "+id, err)
		return
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + r.Host
	f := atomFeed{
		ID:      "urn:storyline:story:" + id,
		Title:   "Storyline: " + t.Story.Label,
		Updated: atomTime(t.Story.MaxDate),
		Link: []atomLink{
			{Rel: "self", Href: base + "/stories/" + url.PathEscape(id) + ".atom", Type: "application/atom+xml"},
			{Rel: "alternate", Href: base + "/stories/" + url.PathEscape(id), Type: "text/html"},
		},
		Author: atomPerson{Name: "Storyline"},
	}
	for i := len(t.Events) - 1; i >= 0; i-- {
		e := t.Events[i]
		title := e.Label
		if e.Date != "" {
			title = e.Date + ": " + title
		}
		f.Entries = append(f.Entries, atomEntry{
			ID:      "urn:storyline:event:" + e.ID,
			Title:   title,
			Updated: atomTime(e.Date),
			Link:    atomLink{Rel: "alternate", Href: base + "/events/" + url.PathEscape(e.ID), Type: "text/html"},
			Summary: fmt.Sprintf("%d articles in %s. %s", e.Articles, render.Langs(e.Langs), strings.Join(e.Titles, " · ")),
		})
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		s.log.Printf("atom %s: %v", id, err)
	}
}
