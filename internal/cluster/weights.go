package cluster

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// Weights are the tunable parameters of clustering. The defaults live in
// weights.json beside this file, with a note on how they were obtained;
// `storyline tune` searches them again on a labelled file.
type Weights struct {
	// Pair holds the pair model's coefficients by feature name (see
	// PairFeatureNames).
	Pair map[string]float64 `json:"pair"`
	// Threshold is the least mean pair probability for joining an event.
	Threshold float64 `json:"threshold"`
	// MergeThreshold is the least mean score of a small event's articles
	// against another event for the fragment to be folded into it.
	MergeThreshold float64 `json:"merge_threshold"`
	// WindowDays bounds the candidates in time; UnknownDate is the story
	// decay factor when a date is unknown.
	WindowDays  float64 `json:"window_days"`
	UnknownDate float64 `json:"unknown_date"`

	StoryNames      float64 `json:"story_names"`
	StoryTerms      float64 `json:"story_terms"`
	StoryThreshold  float64 `json:"story_threshold"`
	StoryTauDays    float64 `json:"story_tau_days"`
	StoryWindowDays float64 `json:"story_window_days"`

	MaxCandidates int `json:"max_candidates"`
	// TopK is how many of an event's most similar members an article's
	// score is averaged over.
	TopK int `json:"top_k"`

	// Obtained says how these values were found.
	Obtained string `json:"obtained"`
}

//go:embed weights.json
var defaultWeights []byte

// DefaultWeights returns the tuned weights shipped with Storyline.
func DefaultWeights() Weights {
	w, err := ParseWeights(defaultWeights)
	if err != nil {
		panic(fmt.Sprintf("cluster: bad embedded weights.json: %v", err))
	}
	return w
}

// ParseWeights reads weights from JSON; every pair feature must have a
// coefficient and the threshold must be a probability.
func ParseWeights(data []byte) (Weights, error) {
	var w Weights
	if err := json.Unmarshal(data, &w); err != nil {
		return w, err
	}
	for _, name := range PairFeatureNames {
		if _, ok := w.Pair[name]; !ok {
			return w, fmt.Errorf("pair model has no coefficient for %q", name)
		}
	}
	if w.Threshold <= 0 || w.Threshold >= 1 {
		return w, fmt.Errorf("threshold %v is not a probability", w.Threshold)
	}
	return w, nil
}

// gapDays is how many days t lies outside [min, max]; -1 when unknown.
func gapDays(t, min, max time.Time) float64 {
	if t.IsZero() || min.IsZero() {
		return -1
	}
	switch {
	case t.Before(min):
		return min.Sub(t).Hours() / 24
	case t.After(max):
		return t.Sub(max).Hours() / 24
	}
	return 0
}

func (w Weights) inWindow(t, min, max time.Time, window float64) bool {
	g := gapDays(t, min, max)
	return g < 0 || g <= window
}

func (w Weights) decay(t, min, max time.Time, tau float64) float64 {
	g := gapDays(t, min, max)
	if g < 0 {
		return w.UnknownDate
	}
	// One day of slack: time zones and overnight reporting.
	g = math.Max(0, g-1)
	return math.Exp(-g / tau)
}
