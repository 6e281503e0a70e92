// Package cluster groups articles into events and events into stories, online,
// one article at a time, and explains every decision it makes.
//
// An article reaches the clusterer as a Doc: a sparse vector of namespaced
// features ("n:drmb" a name key, "t:de:papst" a German word stem,
// "d:2025-10-20" a date, "#:314" a number). Candidate events come from an
// inverted index over the selective keys of recent events, never from a scan
// of all events, so the work per article depends on how many events share
// its keys, not on how many are stored.
package cluster

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
)

// Feature namespaces. Terms are further split by language ("t:de").
const (
	NSName    = "n" // cross-script name keys of people, places, organisations
	NSPlace   = "p" // canonical places ("p:country:HU")
	NSTerm    = "t" // same-language content word stems
	NSDate    = "d" // absolute dates mentioned in the text
	NSDay     = "m" // month-day of dates whose year is unknown
	NSNumber  = "#" // numbers
	NSConcept = "c" // language-independent event-type concepts ("c:funeral")
)

// Entry is one feature of a vector.
type Entry struct {
	Key    string
	Weight float32
}

// Vector is a sparse feature vector sorted by key.
type Vector []Entry

// Sort orders the entries by key and merges duplicates.
func (v Vector) Sort() Vector {
	// slices.SortFunc rather than sort.Slice: no reflection-based swaps,
	// which took an eighth of the clustering time. Entries with one key
	// are merged below, so their relative order does not matter (their
	// weights are counts, whose float32 sum does not depend on order).
	slices.SortFunc(v, func(a, b Entry) int { return strings.Compare(a.Key, b.Key) })
	out := v[:0]
	for _, e := range v {
		if n := len(out); n > 0 && out[n-1].Key == e.Key {
			out[n-1].Weight += e.Weight
			continue
		}
		out = append(out, e)
	}
	return out
}

// Namespace returns the namespace of a key: the part before the first
// colon, and for terms the language too ("t:de"), because words of two
// languages are never compared with each other.
func Namespace(key string) string {
	i := strings.IndexByte(key, ':')
	if i < 0 {
		return ""
	}
	if key[:i] == NSTerm {
		if j := strings.IndexByte(key[i+1:], ':'); j >= 0 {
			return key[:i+1+j]
		}
	}
	return key[:i]
}

// group returns the similarity component a namespace belongs to.
func group(ns string) string {
	switch {
	case ns == NSName || ns == NSPlace:
		return "names"
	case strings.HasPrefix(ns, NSTerm):
		return "terms"
	case ns == NSDate || ns == NSDay:
		return "dates"
	case ns == NSNumber:
		return "numbers"
	case ns == NSConcept:
		return "concepts"
	}
	return ""
}

// Centroid is the sum of the vectors of an event's or story's members,
// with the squared norm of each namespace kept up to date so that a cosine
// against it costs one pass over the smaller vector.
type Centroid struct {
	W    map[string]float32
	Norm map[string]float64 // namespace → sum of squares
}

// NewCentroid returns an empty centroid.
func NewCentroid() *Centroid {
	return &Centroid{W: map[string]float32{}, Norm: map[string]float64{}}
}

// Add adds v scaled by f.
func (c *Centroid) Add(v Vector, f float32) {
	for _, e := range v {
		old := c.W[e.Key]
		nw := old + e.Weight*f
		c.W[e.Key] = nw
		c.Norm[Namespace(e.Key)] += float64(nw)*float64(nw) - float64(old)*float64(old)
	}
}

// AddCentroid adds another centroid (used when events merge).
func (c *Centroid) AddCentroid(o *Centroid) {
	v := make(Vector, 0, len(o.W))
	for k, w := range o.W {
		v = append(v, Entry{k, w})
	}
	c.Add(v, 1)
}

// Trim keeps the max heaviest entries, bounding memory for events that
// grow to thousands of articles; light entries add little to a cosine.
func (c *Centroid) Trim(max int) {
	if len(c.W) <= max {
		return
	}
	v := make(Vector, 0, len(c.W))
	for k, w := range c.W {
		v = append(v, Entry{k, w})
	}
	// Only the kept entries are sorted (into the order that makes the
	// norms' sums come out the same every run): a centroid is trimmed
	// when it reaches twice or four times max, and sorting all of it was
	// most of the cost.
	selectHeaviest(v, max)
	v = v[:max]
	slices.SortFunc(v, heavierFirst)
	c.W = make(map[string]float32, max)
	c.Norm = map[string]float64{}
	c.Add(v, 1)
}

// heavierFirst orders entries by weight, heaviest first, then by key.
func heavierFirst(a, b Entry) int {
	if a.Weight != b.Weight {
		return cmp.Compare(b.Weight, a.Weight)
	}
	return strings.Compare(a.Key, b.Key)
}

// selectHeaviest reorders v so that its first k entries are the first k
// of v sorted by heavierFirst, in no particular order (quickselect).
func selectHeaviest(v []Entry, k int) {
	lo, hi := 0, len(v) // the boundary k lies in v[lo:hi]
	for hi-lo > 1 {
		// Median of three as the pivot, moved to the end.
		mid := lo + (hi-lo)/2
		if heavierFirst(v[mid], v[lo]) < 0 {
			v[mid], v[lo] = v[lo], v[mid]
		}
		if heavierFirst(v[hi-1], v[lo]) < 0 {
			v[hi-1], v[lo] = v[lo], v[hi-1]
		}
		if heavierFirst(v[mid], v[hi-1]) < 0 {
			v[mid], v[hi-1] = v[hi-1], v[mid]
		}
		pivot := v[hi-1]
		p := lo
		for i := lo; i < hi-1; i++ {
			if heavierFirst(v[i], pivot) < 0 {
				v[i], v[p] = v[p], v[i]
				p++
			}
		}
		v[p], v[hi-1] = v[hi-1], v[p]
		switch {
		case p == k || p == k-1:
			return
		case p > k:
			hi = p
		default:
			lo = p + 1
		}
	}
}

// trimmed returns a copy of c trimmed as Trim(max) would trim it, leaving
// c as it is.
func (c *Centroid) trimmed(max int) *Centroid {
	if len(c.W) <= max {
		return &Centroid{W: maps.Clone(c.W), Norm: maps.Clone(c.Norm)}
	}
	t := &Centroid{W: c.W, Norm: c.Norm}
	t.Trim(max)
	return t
}

// Entries returns the centroid as a sorted vector (for storage).
func (c *Centroid) Entries() Vector {
	v := make(Vector, 0, len(c.W))
	for k, w := range c.W {
		v = append(v, Entry{k, w})
	}
	return v.Sort()
}

// norms returns the squared norm of each namespace of v.
func norms(v Vector) map[string]float64 {
	n := map[string]float64{}
	for _, e := range v {
		n[Namespace(e.Key)] += float64(e.Weight) * float64(e.Weight)
	}
	return n
}

// cosines computes, per component group, the cosine between a doc vector
// and a centroid, and collects the shared keys with their contribution.
func cosines(v Vector, vn map[string]float64, c *Centroid) (map[string]float64, []Shared) {
	dots := map[string]float64{}
	var shared []Shared
	for _, e := range v {
		w, ok := c.W[e.Key]
		if !ok || w <= 0 {
			continue
		}
		ns := Namespace(e.Key)
		d := float64(e.Weight) * float64(w)
		dots[ns] += d
		shared = append(shared, Shared{Key: e.Key, Contribution: d})
	}
	out := map[string]float64{}
	// Per group, the cosine over the namespaces the group spans: names and
	// places together, dates and month-days together.
	type acc struct{ dot, na, nc float64 }
	groups := map[string]*acc{}
	for ns, n := range vn {
		g := group(ns)
		if g == "" {
			continue
		}
		a := groups[g]
		if a == nil {
			a = &acc{}
			groups[g] = a
		}
		a.dot += dots[ns]
		a.na += n
		a.nc += c.Norm[ns]
	}
	for g, a := range groups {
		if a.na > 0 && a.nc > 0 {
			out[g] = a.dot / math.Sqrt(a.na*a.nc)
		}
	}
	// Normalise contributions so they read as shares of the cosine.
	sort.Slice(shared, func(i, j int) bool { return shared[i].Contribution > shared[j].Contribution })
	return out, shared
}

// Shared is one feature an article or event shares with the group it
// joined, with how much it added to the similarity.
type Shared struct {
	Key          string  `json:"key"`
	Label        string  `json:"label,omitempty"`
	Contribution float64 `json:"contribution"`
}

// Weigh scales a raw vector by rarity as Add does (for analysis tools).
func (c *Clusterer) Weigh(v Vector) Vector { return c.weigh(v) }

// PairCos returns the per-group cosines of two weighted vectors.
func PairCos(a, b Vector) map[string]float64 {
	cen := NewCentroid()
	cen.Add(b, 1)
	out, _ := cosines(a, norms(a), cen)
	return out
}

// clone returns a copy of c.
func (c *Centroid) clone() *Centroid {
	return &Centroid{W: maps.Clone(c.W), Norm: maps.Clone(c.Norm)}
}
