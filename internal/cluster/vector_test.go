package cluster

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSelectHeaviest compares the quickselect with a full sort on vectors
// with many equal weights (ties are broken by key) and sorted or reversed
// input, for every boundary.
func TestSelectHeaviest(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 10, 97, 600} {
		for _, shape := range []string{"random", "ties", "sorted", "reversed"} {
			v := make([]Entry, n)
			for i := range v {
				w := r.Float32()
				if shape == "ties" {
					w = float32(r.IntN(3))
				}
				v[i] = Entry{Key: fmt.Sprintf("k%04d", r.IntN(1_000_000)*n+i), Weight: w}
			}
			want := slices.Clone(v)
			slices.SortFunc(want, heavierFirst)
			switch shape {
			case "sorted":
				v = slices.Clone(want)
			case "reversed":
				v = slices.Clone(want)
				slices.Reverse(v)
			}
			for k := 0; k <= n; k++ {
				got := slices.Clone(v)
				selectHeaviest(got, k)
				top := got[:k]
				slices.SortFunc(top, heavierFirst)
				if !slices.Equal(top, want[:k]) {
					t.Fatalf("n %d, %s, k %d: kept %v, want %v", n, shape, k, top, want[:k])
				}
			}
		}
	}
}

// TestTrimKeepsHeaviest checks Trim through its result: the heaviest keys
// stay, with their weights, and the norms are those of what stayed.
func TestTrimKeepsHeaviest(t *testing.T) {
	c := NewCentroid()
	var v Vector
	for i := range 50 {
		v = append(v, Entry{Key: fmt.Sprintf("t:en:w%02d", i), Weight: float32(i % 10)})
	}
	c.Add(v.Sort(), 1)
	c.Trim(12)
	if len(c.W) != 12 {
		t.Fatalf("trimmed to %d entries, want 12", len(c.W))
	}
	// Weights 9 (5 keys: w09 … w49) and 8 (5 keys), then the first two
	// keys of weight 7 by key order: w07 and w17.
	for _, k := range []string{"t:en:w09", "t:en:w49", "t:en:w08", "t:en:w48", "t:en:w07", "t:en:w17"} {
		if _, ok := c.W[k]; !ok {
			t.Errorf("%s trimmed away", k)
		}
	}
	if _, ok := c.W["t:en:w27"]; ok {
		t.Errorf("t:en:w27 kept: ties go to the lower key")
	}
	if want := 5*81.0 + 5*64 + 2*49; c.Norm["t:en"] != want {
		t.Errorf("norm %v, want %v", c.Norm["t:en"], want)
	}
}
