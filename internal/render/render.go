// Package render writes what the store holds for people and programs:
// JSON Lines and CSV exports, event and story lists, an event's details and
// a story's timeline as text.
package render

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"storyline/internal/article"
	"storyline/internal/cluster"
	"storyline/internal/store"
)

// ExportRow is one line of `storyline export`.
type ExportRow struct {
	ID         string `json:"id"`
	Lang       string `json:"lang"`
	Date       string `json:"date"`
	DateSource string `json:"date_source"`
	Event      string `json:"event"`
	Story      string `json:"story"`
	Title      string `json:"title"`
}

// FullRow is one line of `storyline export --format full`: an article with
// everything needed to ingest it again (the JSON Lines input format) and
// where it was grouped. Date is set only when it was given with the
// article; dates read from the text or inferred are derived again.
type FullRow struct {
	ID     string `json:"id"`
	Title  string `json:"title,omitempty"`
	Text   string `json:"text"`
	Lang   string `json:"lang,omitempty"`
	Date   string `json:"date,omitempty"`
	URL    string `json:"url,omitempty"`
	Source string `json:"source,omitempty"`
	Event  string `json:"event"`
	Story  string `json:"story"`
}

// Title returns an article's title, or its opening words when it has none.
func Title(a *store.Article) string {
	if a.Title != "" {
		return a.Title
	}
	line, _, _ := strings.Cut(a.Text, "\n")
	return Clip(strings.TrimSpace(line), 90)
}

// Clip shortens s to at most n runes, ending with an ellipsis when cut.
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// Export writes every article, in arrival order, as JSON Lines or CSV
// (the metadata of ExportRow), or as "full" JSON Lines (FullRow) that
// `storyline ingest` reads back.
func Export(ctx context.Context, st store.Store, w io.Writer, format string) error {
	const page = 5000
	var cw *csv.Writer
	switch format {
	case "jsonl", "", "full":
	case "csv":
		cw = csv.NewWriter(w)
		cw.Write([]string{"id", "lang", "date", "date_source", "event", "story", "title"})
	default:
		return fmt.Errorf("unknown format %q (want jsonl, csv or full)", format)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for off := 0; ; off += page {
		arts, err := st.Articles(ctx, store.ArticleFilter{Limit: page, Offset: off})
		if err != nil {
			return err
		}
		for i := range arts {
			a := &arts[i]
			if format == "full" {
				if err := enc.Encode(fullRow(a)); err != nil {
					return err
				}
				continue
			}
			r := ExportRow{a.ID, a.Lang, a.Date, a.DateSource, a.EventID, a.StoryID, Title(a)}
			if cw != nil {
				cw.Write([]string{r.ID, r.Lang, r.Date, r.DateSource, r.Event, r.Story, r.Title})
			} else if err := enc.Encode(r); err != nil {
				return err
			}
		}
		if len(arts) < page {
			break
		}
	}
	if cw != nil {
		cw.Flush()
		return cw.Error()
	}
	return nil
}

func fullRow(a *store.Article) FullRow {
	r := FullRow{ID: a.ID, Title: a.Title, Text: a.Text, Lang: a.Lang, URL: a.URL, Source: a.Source, Event: a.EventID, Story: a.StoryID}
	if a.DateSource == article.DateHeader {
		r.Date = a.Date
	}
	return r
}

// Langs formats a language count map: "hi 1, sq 1, vi 1".
func Langs(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// Events writes a table of events.
func Events(w io.Writer, evs []store.Event) {
	fmt.Fprintf(w, "%-26s %-10s %4s  %-22s %s\n", "EVENT", "DATE", "ARTS", "LANGUAGES", "LABEL")
	for _, e := range evs {
		fmt.Fprintf(w, "%-26s %-10s %4d  %-22s %s\n", e.ID, orDash(e.Date), e.Articles, Clip(Langs(e.Langs), 22), e.Label)
	}
}

// Stories writes a table of stories.
func Stories(w io.Writer, sts []store.Story) {
	fmt.Fprintf(w, "%-26s %-23s %6s %5s  %-22s %s\n", "STORY", "SPAN", "EVENTS", "ARTS", "LANGUAGES", "LABEL")
	for _, s := range sts {
		span := orDash(s.MinDate)
		if s.MaxDate != "" && s.MaxDate != s.MinDate {
			span += ".." + s.MaxDate
		}
		fmt.Fprintf(w, "%-26s %-23s %6d %5d  %-22s %s\n", s.ID, span, s.Events, s.Articles, Clip(Langs(s.Langs), 22), s.Label)
	}
}

// Evidence formats shared features: "Trump 31%, 2025-10-20 12%".
func Evidence(sh []cluster.Shared) string {
	parts := make([]string, 0, len(sh))
	for _, s := range sh {
		parts = append(parts, fmt.Sprintf("%s %.0f%%", s.Label, s.Contribution*100))
	}
	return strings.Join(parts, ", ")
}

// Entity is one entity of an event with its spellings across languages.
type Entity struct {
	Key       string              `json:"key"`
	Kind      string              `json:"kind"`
	Articles  int                 `json:"articles"`
	Spellings map[string][]string `json:"spellings"` // lang → surfaces
}

// Entities gathers the entities of an event's articles, most widespread
// first; only entities named by more than one article or in the event's
// label-bearing kinds are kept when there are many.
func Entities(arts []store.Article, mentions map[string][]store.Mention) []Entity {
	byKey := map[string]*Entity{}
	for _, a := range arts {
		for _, m := range mentions[a.ID] {
			e := byKey[m.Key]
			if e == nil {
				e = &Entity{Key: m.Key, Kind: m.Kind, Spellings: map[string][]string{}}
				byKey[m.Key] = e
			}
			e.Articles++
			found := false
			for _, s := range e.Spellings[a.Lang] {
				if s == m.Surface {
					found = true
				}
			}
			if !found {
				e.Spellings[a.Lang] = append(e.Spellings[a.Lang], m.Surface)
			}
		}
	}
	out := make([]Entity, 0, len(byKey))
	for _, e := range byKey {
		if len(arts) > 1 && e.Articles < 2 {
			continue
		}
		out = append(out, *e)
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i].Spellings) != len(out[j].Spellings) {
			return len(out[i].Spellings) > len(out[j].Spellings)
		}
		if out[i].Articles != out[j].Articles {
			return out[i].Articles > out[j].Articles
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// EventDetail is everything `show` prints about an event.
type EventDetail struct {
	Event    store.Event     `json:"event"`
	Articles []store.Article `json:"articles"`
	Entities []Entity        `json:"entities"`
	Dates    map[string]int  `json:"dates"` // date mentioned → articles
}

// LoadEvent gathers an event's details.
func LoadEvent(ctx context.Context, st store.Store, id string) (*EventDetail, error) {
	ev, err := st.Event(ctx, id)
	if err != nil {
		return nil, err
	}
	arts, err := st.Articles(ctx, store.ArticleFilter{EventID: id})
	if err != nil {
		return nil, err
	}
	men, err := st.MentionsOf(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &EventDetail{Event: *ev, Articles: arts, Entities: Entities(arts, men), Dates: map[string]int{}}
	for _, a := range arts {
		var rec struct {
			Dates []string `json:"dates"`
		}
		json.Unmarshal([]byte(a.Features), &rec)
		for _, dt := range rec.Dates {
			d.Dates[dt]++
		}
	}
	for i := range d.Articles {
		d.Articles[i].Mentions = men[d.Articles[i].ID]
	}
	return d, nil
}

// Show writes an event's details as text.
func Show(w io.Writer, d *EventDetail) {
	e := d.Event
	fmt.Fprintf(w, "Event %s  %s\n", e.ID, e.Label)
	fmt.Fprintf(w, "  date %s (articles %s..%s), %d articles in %s\n", orDash(e.Date), orDash(e.MinDate), orDash(e.MaxDate), e.Articles, Langs(e.Langs))
	fmt.Fprintf(w, "  story %s", e.StoryID)
	if len(e.StoryEvidence) > 0 {
		fmt.Fprintf(w, " (score %.2f: %s)", e.StoryScore, Evidence(e.StoryEvidence))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "\nArticles:")
	for i := range d.Articles {
		a := &d.Articles[i]
		date := orDash(a.Date)
		if a.DateSource != "header" && a.Date != "" {
			date += " (" + a.DateSource + ")"
		}
		fmt.Fprintf(w, "  %s  [%s] %s\n    %s\n", a.ID, a.Lang, date, Title(a))
		if len(a.Evidence) > 0 {
			fmt.Fprintf(w, "    joined with score %.2f: %s\n", a.Score, Evidence(a.Evidence))
		} else {
			fmt.Fprintln(w, "    opened the event")
		}
	}
	if len(d.Entities) > 0 {
		fmt.Fprintln(w, "\nEntities (spellings by language):")
		for i, en := range d.Entities {
			if i == 20 {
				fmt.Fprintf(w, "  … %d more\n", len(d.Entities)-20)
				break
			}
			langs := make([]string, 0, len(en.Spellings))
			for l := range en.Spellings {
				langs = append(langs, l)
			}
			sort.Strings(langs)
			var parts []string
			for _, l := range langs {
				parts = append(parts, l+": "+strings.Join(en.Spellings[l], "/"))
			}
			fmt.Fprintf(w, "  %-8s %-24s %s\n", en.Kind, Clip(en.Key, 24), strings.Join(parts, "; "))
		}
	}
	if len(d.Dates) > 0 {
		type kv struct {
			d string
			n int
		}
		var ds []kv
		for k, v := range d.Dates {
			ds = append(ds, kv{k, v})
		}
		sort.Slice(ds, func(i, j int) bool {
			if ds[i].n != ds[j].n {
				return ds[i].n > ds[j].n
			}
			return ds[i].d < ds[j].d
		})
		fmt.Fprintln(w, "\nDates mentioned (articles):")
		var parts []string
		for i, x := range ds {
			if i == 12 {
				break
			}
			parts = append(parts, fmt.Sprintf("%s (%d)", x.d, x.n))
		}
		fmt.Fprintln(w, "  "+strings.Join(parts, ", "))
	}
}

// TimelineEntry is one event on a story's timeline.
type TimelineEntry struct {
	store.Event
	Titles []string `json:"titles"`
}

// Timeline is a story with its events in date order.
type Timeline struct {
	Story  store.Story     `json:"story"`
	Events []TimelineEntry `json:"events"`
}

// LoadTimeline gathers a story's timeline.
func LoadTimeline(ctx context.Context, st store.Store, id string) (*Timeline, error) {
	s, err := st.Story(ctx, id)
	if err != nil {
		return nil, err
	}
	evs, err := st.Events(ctx, store.EventFilter{StoryID: id})
	if err != nil {
		return nil, err
	}
	t := &Timeline{Story: *s}
	for _, e := range evs {
		arts, err := st.Articles(ctx, store.ArticleFilter{EventID: e.ID, Limit: 3})
		if err != nil {
			return nil, err
		}
		te := TimelineEntry{Event: e}
		for i := range arts {
			te.Titles = append(te.Titles, "["+arts[i].Lang+"] "+Clip(Title(&arts[i]), 100))
		}
		t.Events = append(t.Events, te)
	}
	return t, nil
}

// TimelineText writes a timeline as text, one dated event per block, with
// a bar showing how many articles each event drew.
func TimelineText(w io.Writer, t *Timeline) {
	s := t.Story
	fmt.Fprintf(w, "Story %s  %s\n  %s..%s, %d events, %d articles in %s\n\n", s.ID, s.Label, orDash(s.MinDate), orDash(s.MaxDate), s.Events, s.Articles, Langs(s.Langs))
	most := 1
	for _, e := range t.Events {
		most = max(most, e.Articles)
	}
	for _, e := range t.Events {
		bar := strings.Repeat("●", max(1, e.Articles*20/most))
		fmt.Fprintf(w, "%-10s  %s %d  %s\n", orDash(e.Date), bar, e.Articles, e.ID)
		fmt.Fprintf(w, "%-10s  │ %s  [%s]\n", "", e.Label, Langs(e.Langs))
		for _, title := range e.Titles {
			fmt.Fprintf(w, "%-10s  │   %s\n", "", title)
		}
	}
}
