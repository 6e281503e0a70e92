package eval

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"strings"
	"sync"
	"time"

	"storyline/internal/cluster"
	"storyline/internal/features"
	"storyline/internal/lang"
)

// Prepared is a labelled set with features extracted once, so that many
// weight settings can be tried quickly.
type Prepared struct {
	Docs []*cluster.Doc
	Gold map[string]Gold
}

// Prepare reads a labelled file and extracts the features of every article.
func Prepare(path string) (*Prepared, error) {
	arts, gold, err := ReadGold(path)
	if err != nil {
		return nil, err
	}
	p := &Prepared{Gold: gold}
	for i := range arts {
		a := &arts[i]
		if l := lang.Normalize(a.Lang); l != "" {
			a.Lang = l
		} else {
			a.Lang = lang.Detect(a.Title, a.Text)
		}
		_, d := features.Extract(a)
		p.Docs = append(p.Docs, d)
	}
	return p, nil
}

// Cluster runs the clusterer alone (no store) and scores the result.
func (p *Prepared) Cluster(w cluster.Weights, docs []*cluster.Doc) *Report {
	c := cluster.New(w)
	assigns, _ := c.Add(docs)
	predEv, predSt := map[string]string{}, map[string]string{}
	for _, a := range assigns {
		predEv[a.DocID] = a.EventID
		predSt[a.DocID] = c.Events[a.EventID].StoryID
	}
	var stored []storeRow
	for id := range predEv {
		stored = append(stored, storeRow{id, predEv[id], predSt[id]})
	}
	return compareRows(stored, p.Gold)
}

type storeRow struct{ id, event, story string }

func compareRows(rows []storeRow, gold map[string]Gold) *Report {
	pe, ps := map[string]string{}, map[string]string{}
	for _, r := range rows {
		pe[r.id], ps[r.id] = r.event, r.story
	}
	return compareMaps(pe, ps, gold)
}

// Tune searches the clustering weights by coordinate descent on the
// objective event F1 + story F1, starting from base, and returns the best
// weights found with a report of the search.
func Tune(ctx context.Context, path string, base cluster.Weights, log func(string)) (cluster.Weights, string, error) {
	p, err := Prepare(path)
	if err != nil {
		return base, "", err
	}
	type param struct {
		name string
		set  func(w *cluster.Weights, v float64)
		get  func(w *cluster.Weights) float64
		vals []float64
	}
	params := []param{
		{"threshold", func(w *cluster.Weights, v float64) { w.Threshold = v }, func(w *cluster.Weights) float64 { return w.Threshold },
			[]float64{0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95}},
		{"merge_threshold", func(w *cluster.Weights, v float64) { w.MergeThreshold = v }, func(w *cluster.Weights) float64 { return w.MergeThreshold },
			[]float64{0.5, 0.6, 0.7, 0.75, 0.8, 0.9}},
		{"top_k", func(w *cluster.Weights, v float64) { w.TopK = int(v) }, func(w *cluster.Weights) float64 { return float64(w.TopK) },
			[]float64{1, 2, 3, 4}},
		{"story_threshold", func(w *cluster.Weights, v float64) { w.StoryThreshold = v }, func(w *cluster.Weights) float64 { return w.StoryThreshold },
			[]float64{0.05, 0.08, 0.1, 0.12, 0.15, 0.18, 0.22, 0.26, 0.3, 0.35}},
		{"story_names", func(w *cluster.Weights, v float64) { w.StoryNames = v }, func(w *cluster.Weights) float64 { return w.StoryNames },
			[]float64{0.3, 0.5, 0.7, 0.9, 1}},
		{"story_tau_days", func(w *cluster.Weights, v float64) { w.StoryTauDays = v }, func(w *cluster.Weights) float64 { return w.StoryTauDays },
			[]float64{15, 30, 60, 90, 150, 250}},
	}
	clone := func(w cluster.Weights) cluster.Weights {
		w.Pair = maps.Clone(w.Pair)
		return w
	}
	objective := func(r *Report) float64 { return 2*r.Event.F1 + r.Story.F1 }
	best := clone(base)
	var log2 strings.Builder
	pair, loss := p.LearnPairModel(best)
	best.Pair = pair
	fmt.Fprintf(&log2, "pair model learned on all pairs (balanced log-loss %.4f): %v\n", loss, pair)
	if log != nil {
		log(strings.TrimSpace(log2.String()))
	}
	bestR := p.Cluster(best, p.Docs)
	fmt.Fprintf(&log2, "start: event F1 %.3f, story F1 %.3f\n", bestR.Event.F1, bestR.Story.F1)
	for round := 1; round <= 3; round++ {
		improved := false
		for _, pr := range params {
			if err := ctx.Err(); err != nil {
				return best, log2.String(), err
			}
			results := make([]*Report, len(pr.vals))
			ws := make([]cluster.Weights, len(pr.vals))
			var wg sync.WaitGroup
			sem := make(chan struct{}, runtime.GOMAXPROCS(0))
			for i, v := range pr.vals {
				ws[i] = clone(best)
				pr.set(&ws[i], v)
				wg.Add(1)
				sem <- struct{}{}
				go func(i int) {
					defer wg.Done()
					results[i] = p.Cluster(ws[i], p.Docs)
					<-sem
				}(i)
			}
			wg.Wait()
			for i, v := range pr.vals {
				w, r := ws[i], results[i]
				if objective(r) > objective(bestR)+1e-9 {
					best, bestR, improved = w, r, true
					msg := fmt.Sprintf("round %d: %s=%.3g → event F1 %.3f, story F1 %.3f", round, pr.name, v, r.Event.F1, r.Story.F1)
					log2.WriteString(msg + "\n")
					if log != nil {
						log(msg)
					}
				}
			}
		}
		if !improved {
			break
		}
	}
	best.Obtained = fmt.Sprintf("storyline tune %s on %s: pair model by logistic regression on all labelled pairs, then coordinate descent over %d parameters (objective 2·event F1 + story F1), "+
		"reaching event BCubed F1 %.3f, story BCubed F1 %.3f on %d articles",
		shortPath(path), time.Now().UTC().Format(time.DateOnly), len(params), bestR.Event.F1, bestR.Story.F1, len(p.Docs))
	return best, log2.String(), nil
}

func shortPath(p string) string {
	if i := strings.LastIndex(p, "corpus/"); i >= 0 {
		return p[i:]
	}
	return p
}
