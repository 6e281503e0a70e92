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
				v[i] = Entry{Key: Key(r.IntN(1_000_000)*n + i), Weight: w}
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
		v = append(v, Entry{Key: KeyOf(fmt.Sprintf("t:en:w%02d", i)), Weight: float32(i % 10)})
	}
	c.Add(v.Sort(), 1)
	c.Trim(12)
	if len(c.W) != 12 {
		t.Fatalf("trimmed to %d entries, want 12", len(c.W))
	}
	// Weights 9 (5 keys: w09 … w49) and 8 (5 keys), then the two keys of
	// weight 7 that come first in key order.
	sevens := []Key{KeyOf("t:en:w07"), KeyOf("t:en:w17"), KeyOf("t:en:w27"), KeyOf("t:en:w37"), KeyOf("t:en:w47")}
	slices.Sort(sevens)
	for _, k := range append([]Key{KeyOf("t:en:w09"), KeyOf("t:en:w49"), KeyOf("t:en:w08"), KeyOf("t:en:w48")}, sevens[:2]...) {
		if _, ok := c.W[k]; !ok {
			t.Errorf("%v trimmed away", k)
		}
	}
	for _, k := range sevens[2:] {
		if _, ok := c.W[k]; ok {
			t.Errorf("%v kept: ties go to the lower key", k)
		}
	}
	if want := 5*81.0 + 5*64 + 2*49; c.Norm.Of(KeyOf("t:en:any")) != want {
		t.Errorf("norm %v, want %v", c.Norm.Of(KeyOf("t:en:any")), want)
	}
}
