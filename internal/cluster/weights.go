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
	// Same weighs the components when the article shares words with the
	// event (same language); Cross when it can only share names, dates and
	// numbers.
	Same  map[string]float64 `json:"same"`
	Cross map[string]float64 `json:"cross"`
	// Threshold and CrossThreshold are the least scores for joining an
	// event.
	Threshold      float64 `json:"threshold"`
	CrossThreshold float64 `json:"cross_threshold"`
	// TauDays is the time decay: a day gap beyond the event's span
	// multiplies the score by exp(-gap/TauDays). WindowDays bounds the
	// candidates; UnknownDate is the factor when either date is unknown.
	TauDays     float64 `json:"tau_days"`
	WindowDays  float64 `json:"window_days"`
	UnknownDate float64 `json:"unknown_date"`

	StoryNames      float64 `json:"story_names"`
	StoryTerms      float64 `json:"story_terms"`
	StoryThreshold  float64 `json:"story_threshold"`
	StoryTauDays    float64 `json:"story_tau_days"`
	StoryWindowDays float64 `json:"story_window_days"`

	MaxCandidates int `json:"max_candidates"`

	// Obtained says how these values were found.
	Obtained string `json:"obtained"`
}

//go:embed weights.json
var defaultWeights []byte

// DefaultWeights returns the tuned weights shipped with Storyline.
func DefaultWeights() Weights {
	var w Weights
	if err := json.Unmarshal(defaultWeights, &w); err != nil {
		panic(fmt.Sprintf("cluster: bad embedded weights.json: %v", err))
	}
	return w
}

func (w Weights) threshold(d *Doc, e *Event) float64 {
	if e.Langs[d.Lang] > 0 {
		return w.Threshold
	}
	return w.CrossThreshold
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
