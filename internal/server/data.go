package server

import (
	"context"
	"sort"
	"strings"
	"unicode/utf8"

	"storyline/internal/article"
	"storyline/internal/cluster"
	"storyline/internal/entity"
	"storyline/internal/render"
	"storyline/internal/store"
	"storyline/internal/textproc"
)

// StoryFilter selects stories for the list.
type StoryFilter struct {
	Lang   string // stories with articles in this language
	Since  string // stories that reach this date or later
	Until  string // stories that start on this date or earlier
	Entity string // stories with an article naming this mention key
	Limit  int
	Offset int
}

// StoryList is one page of stories.
type StoryList struct {
	Stories []store.Story `json:"stories"`
	Total   int           `json:"total"`
	Limit   int           `json:"limit"`
	Offset  int           `json:"offset"`
}

func (s *Server) stories(ctx context.Context, f StoryFilter) (*StoryList, error) {
	all, err := s.st.Stories(ctx)
	if err != nil {
		return nil, err
	}
	var inStory map[string]bool
	if f.Entity != "" {
		arts, err := s.st.SearchArticles(ctx, store.SearchFilter{Keys: []string{f.Entity}, Limit: 5000})
		if err != nil {
			return nil, err
		}
		inStory = map[string]bool{}
		for _, a := range arts {
			inStory[a.StoryID] = true
		}
	}
	out := &StoryList{Stories: []store.Story{}, Limit: f.Limit, Offset: f.Offset}
	for _, st := range all {
		if f.Lang != "" && st.Langs[f.Lang] == 0 {
			continue
		}
		if f.Since != "" && (st.MaxDate == "" || st.MaxDate < f.Since) {
			continue
		}
		if f.Until != "" && (st.MinDate == "" || st.MinDate > f.Until) {
			continue
		}
		if inStory != nil && !inStory[st.ID] {
			continue
		}
		if out.Total >= f.Offset && len(out.Stories) < f.Limit {
			out.Stories = append(out.Stories, st)
		}
		out.Total++
	}
	return out, nil
}

// ArticleView is an article as an event lists it.
type ArticleView struct {
	ID         string           `json:"id"`
	Lang       string           `json:"lang"`
	Date       string           `json:"date"`
	DateSource string           `json:"date_source"`
	Title      string           `json:"title"`
	Snippet    string           `json:"snippet"`
	URL        string           `json:"url,omitempty"`
	Source     string           `json:"source,omitempty"`
	Score      float64          `json:"score"`
	Evidence   []cluster.Shared `json:"evidence"`
	Event      string           `json:"event,omitempty"`
	Story      string           `json:"story,omitempty"`
	Matched    []store.Mention  `json:"matched,omitempty"`
}

// Inferred reports whether the article's date was not given with it.
func (a ArticleView) Inferred() bool {
	return a.Date != "" && a.DateSource != article.DateHeader
}

func view(a *store.Article) ArticleView {
	return ArticleView{
		ID: a.ID, Lang: a.Lang, Date: a.Date, DateSource: a.DateSource, Title: render.Title(a),
		Snippet: snippet(a.Title, a.Text, 320), URL: a.URL, Source: a.Source, Score: a.Score,
		Evidence: nonNil(a.Evidence), Event: a.EventID, Story: a.StoryID, Matched: a.Mentions,
	}
}

// snippet returns the opening of an article's text, without a repeated
// title, cut at a word boundary.
func snippet(title, text string, n int) string {
	t := strings.TrimSpace(text)
	if title != "" {
		t = strings.TrimSpace(strings.TrimPrefix(t, title))
	}
	t = strings.Join(strings.Fields(t), " ")
	if utf8.RuneCountInString(t) <= n {
		return t
	}
	r := []rune(t)[:n]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return cut + " …"
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// LangGroup is the articles of one language within an event.
type LangGroup struct {
	Lang     string        `json:"lang"`
	Articles []ArticleView `json:"articles"`
}

// EventView is an event with everything its page shows.
type EventView struct {
	Event       store.Event        `json:"event"`
	Story       *store.Story       `json:"story,omitempty"`
	Articles    []ArticleView      `json:"articles"`
	Entities    []render.Entity    `json:"entities"`
	Dates       map[string]int     `json:"dates"`
	Corrections []store.Correction `json:"corrections"`
}

// ByLang groups the articles by language, the largest group first.
func (v *EventView) ByLang() []LangGroup {
	idx := map[string]int{}
	var out []LangGroup
	for _, a := range v.Articles {
		i, ok := idx[a.Lang]
		if !ok {
			i = len(out)
			idx[a.Lang] = i
			out = append(out, LangGroup{Lang: a.Lang})
		}
		out[i].Articles = append(out[i].Articles, a)
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].Articles) > len(out[j].Articles) })
	return out
}

func (s *Server) event(ctx context.Context, id string) (*EventView, error) {
	d, err := render.LoadEvent(ctx, s.st, id)
	if err != nil {
		return nil, err
	}
	v := &EventView{Event: d.Event, Entities: nonNil(d.Entities), Dates: d.Dates, Articles: []ArticleView{}}
	for i := range d.Articles {
		a := view(&d.Articles[i])
		a.Matched = nil
		v.Articles = append(v.Articles, a)
	}
	if d.Event.StoryID != "" {
		if st, err := s.st.Story(ctx, d.Event.StoryID); err == nil {
			v.Story = st
		}
	}
	cs, err := s.st.Corrections(ctx, id)
	if err != nil {
		return nil, err
	}
	v.Corrections = nonNil(cs)
	return v, nil
}

// queryKeys turns a search query into mention keys: the entity keys the
// query's names have in any script (a gazetteer id such as "country:RU",
// or a phonetic NameKey), for the whole query and for each of its words.
func queryKeys(q string) []string {
	var keys []string
	add := func(k string) {
		if k == "" {
			return
		}
		for _, x := range keys {
			if x == k {
				return
			}
		}
		keys = append(keys, k)
	}
	// Mid-sentence, so the extractor reads the query as a name.
	for _, m := range entity.Extract("", "", "The report. "+q+" said. Then "+q+" went.") {
		add(m.Key)
		add(m.Canonical)
	}
	add(textproc.NameKey(q))
	for _, w := range strings.Fields(q) {
		if utf8.RuneCountInString(w) < 3 {
			continue
		}
		for _, k := range textproc.NameKeys("", w) {
			if len(k) >= 2 {
				add(k)
			}
		}
	}
	return keys
}

// EntityHit is an entity a search found, with its spellings.
type EntityHit struct {
	Key       string              `json:"key"`
	Kind      string              `json:"kind"`
	Articles  int                 `json:"articles"`
	Spellings map[string][]string `json:"spellings"`
}

// EventHit is an event a search found, with the matching articles.
type EventHit struct {
	Event    store.Event   `json:"event"`
	Articles []ArticleView `json:"articles"`
}

// SearchResult is the answer to a search.
type SearchResult struct {
	Query    string      `json:"query"`
	Keys     []string    `json:"keys"`
	Entities []EntityHit `json:"entities"`
	Events   []EventHit  `json:"events"`
	Total    int         `json:"articles_found"`
}

func (s *Server) search(ctx context.Context, q, lang string, limit int) (*SearchResult, error) {
	res := &SearchResult{Query: q, Keys: []string{}, Entities: []EntityHit{}, Events: []EventHit{}}
	q = strings.TrimSpace(q)
	if q == "" {
		return res, nil
	}
	res.Keys = queryKeys(q)
	var words []string
	for _, w := range strings.Fields(q) {
		if utf8.RuneCountInString(w) >= 2 {
			words = append(words, w)
		}
	}
	arts, err := s.st.SearchArticles(ctx, store.SearchFilter{Keys: res.Keys, Words: words, Lang: lang, Limit: limit * 4})
	if err != nil {
		return nil, err
	}
	res.Total = len(arts)
	ents := map[string]*EntityHit{}
	byEvent := map[string]int{}
	var evOrder []string
	for i := range arts {
		a := &arts[i]
		for _, m := range a.Mentions {
			e := ents[m.Key]
			if e == nil {
				e = &EntityHit{Key: m.Key, Kind: m.Kind, Spellings: map[string][]string{}}
				ents[m.Key] = e
			}
			e.Articles++
			if !contains(e.Spellings[a.Lang], m.Surface) {
				e.Spellings[a.Lang] = append(e.Spellings[a.Lang], m.Surface)
			}
		}
		if _, ok := byEvent[a.EventID]; !ok {
			byEvent[a.EventID] = len(evOrder)
			evOrder = append(evOrder, a.EventID)
		}
	}
	for _, k := range res.Keys {
		if e := ents[k]; e != nil {
			res.Entities = append(res.Entities, *e)
		}
	}
	for _, id := range evOrder {
		if len(res.Events) == limit {
			break
		}
		ev, err := s.st.Event(ctx, id)
		if err != nil {
			continue
		}
		h := EventHit{Event: *ev}
		for i := range arts {
			if arts[i].EventID == id {
				h.Articles = append(h.Articles, view(&arts[i]))
			}
		}
		res.Events = append(res.Events, h)
	}
	return res, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// EntityView is one person, place or organisation with its events and
// stories.
type EntityView struct {
	Key       string              `json:"key"`
	Kind      string              `json:"kind"`
	Spellings map[string][]string `json:"spellings"`
	Articles  int                 `json:"articles"`
	Events    []store.Event       `json:"events"`
	Stories   []store.Story       `json:"stories"`
}

func (s *Server) entity(ctx context.Context, key string) (*EntityView, error) {
	arts, err := s.st.SearchArticles(ctx, store.SearchFilter{Keys: []string{key}, Limit: 5000})
	if err != nil {
		return nil, err
	}
	if len(arts) == 0 {
		return nil, store.ErrNotFound
	}
	v := &EntityView{Key: key, Spellings: map[string][]string{}, Articles: len(arts), Events: []store.Event{}, Stories: []store.Story{}}
	evSeen, stSeen := map[string]bool{}, map[string]bool{}
	for i := range arts {
		a := &arts[i]
		for _, m := range a.Mentions {
			if v.Kind == "" || v.Kind == string(entity.KindUnknown) {
				v.Kind = m.Kind
			}
			if !contains(v.Spellings[a.Lang], m.Surface) {
				v.Spellings[a.Lang] = append(v.Spellings[a.Lang], m.Surface)
			}
		}
		if !evSeen[a.EventID] {
			evSeen[a.EventID] = true
			if ev, err := s.st.Event(ctx, a.EventID); err == nil {
				v.Events = append(v.Events, *ev)
			}
		}
		if a.StoryID != "" && !stSeen[a.StoryID] {
			stSeen[a.StoryID] = true
			if st, err := s.st.Story(ctx, a.StoryID); err == nil {
				v.Stories = append(v.Stories, *st)
			}
		}
	}
	sort.SliceStable(v.Events, func(i, j int) bool { return v.Events[i].Date > v.Events[j].Date })
	return v, nil
}
