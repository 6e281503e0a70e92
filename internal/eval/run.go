package eval

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"storyline/internal/article"
	"storyline/internal/cluster"
	"storyline/internal/pipeline"
	"storyline/internal/store"
)

// Report is the result of an evaluation run.
type Report struct {
	File     string  `json:"file"`
	Articles int     `json:"articles"`
	Seconds  float64 `json:"seconds"`
	Event    Scores  `json:"event"`
	Story    Scores  `json:"story"`
	// EventCross and StoryCross are restricted to the articles of gold
	// events that span several languages.
	EventCross Scores `json:"event_cross_lingual"`
	StoryCross Scores `json:"story_cross_lingual"`
	Events     int    `json:"predicted_events"`
	Stories    int    `json:"predicted_stories"`
	GoldEvents int    `json:"gold_events"`
}

// Gold is an article's gold labels.
type Gold struct {
	Lang  string
	Event string
	Story string
}

// ReadGold reads a labelled JSON Lines file: the articles as the pipeline
// may see them (id, text, title, lang, date and source only — never the
// labels or the URL) and the labels kept apart.
func ReadGold(path string) ([]article.Article, map[string]Gold, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	gold := map[string]Gold{}
	var arts []article.Article
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), article.MaxArticleBytes)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var r struct {
			ID, Text, Title, Lang, Date, Source string
			Event, Story                        string
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		if r.ID == "" || r.Event == "" {
			return nil, nil, fmt.Errorf("%s:%d: gold record needs id and event", path, line)
		}
		a := article.Article{ID: r.ID, Text: r.Text, Title: r.Title, Lang: r.Lang, Source: r.Source,
			Origin: fmt.Sprintf("%s:%d", path, line)}
		if r.Date != "" {
			d, err := article.ParseDate(r.Date)
			if err != nil {
				return nil, nil, fmt.Errorf("%s:%d: malformed date %q", path, line, r.Date)
			}
			a.Date, a.DateSource = d, article.DateHeader
		}
		story := r.Story
		if story == "" {
			story = r.Event
		}
		arts = append(arts, a)
		gold[r.ID] = Gold{Lang: r.Lang, Event: r.Event, Story: story}
	}
	return arts, gold, sc.Err()
}

// Run ingests a labelled file into a fresh temporary store and scores the
// events and stories Storyline forms against the labels.
func Run(ctx context.Context, path string, w cluster.Weights) (*Report, error) {
	arts, gold, err := ReadGold(path)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "storyline-eval-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	st, err := store.OpenSQLite(ctx, filepath.Join(dir, "eval.db"))
	if err != nil {
		return nil, err
	}
	defer st.Close()
	start := time.Now()
	p, err := pipeline.Open(ctx, st, w)
	if err != nil {
		return nil, err
	}
	var rejected []string
	if _, err := p.Ingest(ctx, arts, func(e *article.InputError) { rejected = append(rejected, e.Error()) }); err != nil {
		return nil, err
	}
	if len(rejected) > 0 {
		return nil, fmt.Errorf("%d gold records rejected, first: %s", len(rejected), rejected[0])
	}
	stored, err := st.Articles(ctx, store.ArticleFilter{})
	if err != nil {
		return nil, err
	}
	r := Compare(stored, gold)
	r.File = path
	r.Seconds = time.Since(start).Seconds()
	return r, nil
}

// Compare scores stored articles against gold labels.
func Compare(stored []store.Article, gold map[string]Gold) *Report {
	predEv, predSt := map[string]string{}, map[string]string{}
	for _, a := range stored {
		predEv[a.ID], predSt[a.ID] = a.EventID, a.StoryID
	}
	return compareMaps(predEv, predSt, gold)
}

func compareMaps(predEv, predSt map[string]string, gold map[string]Gold) *Report {
	evs, sts := map[string]bool{}, map[string]bool{}
	for id := range predEv {
		evs[predEv[id]], sts[predSt[id]] = true, true
	}
	goldEv, goldSt := map[string]string{}, map[string]string{}
	langs := map[string]map[string]bool{}
	for id, g := range gold {
		goldEv[id], goldSt[id] = g.Event, g.Story
		if langs[g.Event] == nil {
			langs[g.Event] = map[string]bool{}
		}
		langs[g.Event][g.Lang] = true
	}
	cross := map[string]bool{}
	for id, g := range gold {
		if len(langs[g.Event]) > 1 {
			cross[id] = true
		}
	}
	return &Report{
		Articles:   len(gold),
		Event:      Score(predEv, goldEv, nil),
		Story:      Score(predSt, goldSt, nil),
		EventCross: Score(predEv, goldEv, cross),
		StoryCross: Score(predSt, goldSt, cross),
		Events:     len(evs),
		Stories:    len(sts),
		GoldEvents: len(langs),
	}
}
