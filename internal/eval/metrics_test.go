package eval

import (
	"math"
	"testing"
)

func TestScore(t *testing.T) {
	gold := map[string]string{"a": "1", "b": "1", "c": "2", "d": "2", "e": "3"}
	tests := []struct {
		name       string
		pred       map[string]string
		p, r, ari  float64
		wantSubset bool
	}{
		{"perfect", map[string]string{"a": "x", "b": "x", "c": "y", "d": "y", "e": "z"}, 1, 1, 1, false},
		{"all in one", map[string]string{"a": "x", "b": "x", "c": "x", "d": "x", "e": "x"}, (2.0/5*2 + 2.0/5*2 + 1.0/5) / 5, 1, 0, false},
		{"all apart", map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}, 1, (0.5*4 + 1) / 5, 0, false},
	}
	for _, tt := range tests {
		s := Score(tt.pred, gold, nil)
		if math.Abs(s.Precision-tt.p) > 1e-9 || math.Abs(s.Recall-tt.r) > 1e-9 || math.Abs(s.ARI-tt.ari) > 1e-9 {
			t.Errorf("%s: got P=%.4f R=%.4f ARI=%.4f, want P=%.4f R=%.4f ARI=%.4f", tt.name, s.Precision, s.Recall, s.ARI, tt.p, tt.r, tt.ari)
		}
	}
}

func TestScoreSubsetCountsOutsiders(t *testing.T) {
	gold := map[string]string{"a": "1", "b": "1", "c": "2"}
	pred := map[string]string{"a": "x", "b": "x", "c": "x"}
	s := Score(pred, gold, map[string]bool{"a": true, "b": true})
	// a and b share their predicted cluster with c, an outsider.
	if math.Abs(s.Precision-2.0/3) > 1e-9 || s.Recall != 1 || s.Items != 2 {
		t.Errorf("got %+v", s)
	}
}

func TestScoreMissingPrediction(t *testing.T) {
	gold := map[string]string{"a": "1", "b": "1"}
	s := Score(map[string]string{"a": "x"}, gold, nil)
	if s.Recall != 0.5 || s.Precision != 1 {
		t.Errorf("got %+v, want recall 0.5 precision 1", s)
	}
}
