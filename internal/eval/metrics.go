// Package eval scores a clustering against gold labels: BCubed precision,
// recall and F1, and the adjusted Rand index.
package eval

import "math"

// Scores are the agreement of a predicted clustering with gold labels.
type Scores struct {
	Items     int     `json:"items"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	ARI       float64 `json:"ari"`
}

// Score compares predicted and gold cluster labels of the same items.
// Only items in subset (all when subset is nil) are averaged over, but
// cluster sizes count every item, so a restricted score still punishes an
// article that was grouped with outsiders.
func Score(pred, gold map[string]string, subset map[string]bool) Scores {
	predSize := map[string]int{}
	goldSize := map[string]int{}
	both := map[[2]string]int{}
	for id, g := range gold {
		p, ok := pred[id]
		if !ok {
			p = "\x00missing:" + id
		}
		predSize[p]++
		goldSize[g]++
		both[[2]string{p, g}]++
	}
	var s Scores
	for id, g := range gold {
		if subset != nil && !subset[id] {
			continue
		}
		p, ok := pred[id]
		if !ok {
			p = "\x00missing:" + id
		}
		n := float64(both[[2]string{p, g}])
		s.Precision += n / float64(predSize[p])
		s.Recall += n / float64(goldSize[g])
		s.Items++
	}
	if s.Items == 0 {
		return s
	}
	s.Precision /= float64(s.Items)
	s.Recall /= float64(s.Items)
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
	s.ARI = ari(pred, gold, subset)
	return s
}

// ari is the adjusted Rand index over the items of subset.
func ari(pred, gold map[string]string, subset map[string]bool) float64 {
	predSize := map[string]int{}
	goldSize := map[string]int{}
	both := map[[2]string]int{}
	n := 0
	for id, g := range gold {
		if subset != nil && !subset[id] {
			continue
		}
		p, ok := pred[id]
		if !ok {
			p = "\x00missing:" + id
		}
		predSize[p]++
		goldSize[g]++
		both[[2]string{p, g}]++
		n++
	}
	c2 := func(k int) float64 { return float64(k) * float64(k-1) / 2 }
	var index, a, b float64
	for _, k := range both {
		index += c2(k)
	}
	for _, k := range predSize {
		a += c2(k)
	}
	for _, k := range goldSize {
		b += c2(k)
	}
	total := c2(n)
	if total == 0 {
		return 1
	}
	expected := a * b / total
	maxIndex := (a + b) / 2
	if maxIndex == expected {
		return 1
	}
	r := (index - expected) / (maxIndex - expected)
	if math.IsNaN(r) {
		return 0
	}
	return r
}
