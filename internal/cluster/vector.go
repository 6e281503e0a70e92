// Package cluster groups articles into events and events into stories, online,
// one article at a time, and explains every decision it makes.
//
// An article reaches the clusterer as a Doc: a sparse vector of namespaced
// features (the name key "n:drmb", the German word stem "t:de:papst", the
// date "d:2025-10-20", the number "#:314"), each hashed into a Key. Candidate events come from an
// inverted index over the selective keys of recent events, never from a scan
// of all events, so the work per article depends on how many events share
// its keys, not on how many are stored.
package cluster

import (
	"cmp"
	"maps"
	"math"
	"slices"
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
	Key    Key
	Weight float32
}

// Vector is a sparse feature vector sorted by key.
type Vector []Entry

// Sort orders the entries by key and merges duplicates.
func (v Vector) Sort() Vector {
	// Entries with one key are merged below, so their relative order does
	// not matter (their weights are counts, whose float32 sum does not
	// depend on order).
	slices.SortFunc(v, func(a, b Entry) int { return cmp.Compare(a.Key, b.Key) })
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

// find returns the index of key in the sorted vector v, or -1.
func (v Vector) find(key Key) int {
	i, ok := slices.BinarySearchFunc(v, key, func(e Entry, k Key) int { return cmp.Compare(e.Key, k) })
	if !ok {
		return -1
	}
	return i
}

// groupName names the similarity groups in components and evidence.
func groupName(g int) string { return groupNames[g] }

// Centroid is the sum of the vectors of an event's or story's members,
// with the squared norm of each namespace (and words' language) kept up to
// date so that a cosine against it costs one pass over the smaller vector.
type Centroid struct {
	W    map[Key]float32
	Norm Norms
}

// Norms are the squared norms of a vector's namespaces (a word's language
// apart): a handful, so a list beats a map.
type Norms []spaceNorm

type spaceNorm struct {
	space uint16
	sum   float64
}

// add adds d to the norm of a space.
func (n *Norms) add(space uint16, d float64) {
	for i := range *n {
		if (*n)[i].space == space {
			(*n)[i].sum += d
			return
		}
	}
	*n = append(*n, spaceNorm{space, d})
}

// get returns the norm of a space.
func (n Norms) get(space uint16) float64 {
	for _, x := range n {
		if x.space == space {
			return x.sum
		}
	}
	return 0
}

// Of returns the squared norm of the namespace of key (words: of its
// language), for tests and tools.
func (n Norms) Of(key Key) float64 { return n.get(key.space()) }

// NewCentroid returns an empty centroid.
func NewCentroid() *Centroid {
	return &Centroid{W: map[Key]float32{}}
}

// Add adds v scaled by f.
func (c *Centroid) Add(v Vector, f float32) {
	for _, e := range v {
		old := c.W[e.Key]
		nw := old + e.Weight*f
		c.W[e.Key] = nw
		c.Norm.add(e.Key.space(), float64(nw)*float64(nw)-float64(old)*float64(old))
	}
}

// AddCentroid adds another centroid (used when events merge), in key
// order so that the norms' sums come out the same every run.
func (c *Centroid) AddCentroid(o *Centroid) {
	c.Add(o.Entries(), 1)
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
	c.W = make(map[Key]float32, max)
	c.Norm = nil
	c.Add(v, 1)
}

// heavierFirst orders entries by weight, heaviest first, then by key.
func heavierFirst(a, b Entry) int {
	if a.Weight != b.Weight {
		return cmp.Compare(b.Weight, a.Weight)
	}
	return cmp.Compare(a.Key, b.Key)
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
		return c.clone()
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
func norms(v Vector) Norms {
	var n Norms
	for _, e := range v {
		n.add(e.Key.space(), float64(e.Weight)*float64(e.Weight))
	}
	return n
}

// groupCos are the cosines of a vector and a centroid, per similarity
// group, for the groups both have.
type groupCos struct {
	cos [numGroups]float64
	has [numGroups]bool
}

// get returns the cosine of group g (0 when the vector has none).
func (gc *groupCos) get(g int) float64 { return gc.cos[g] }

// components names the cosines, for evidence.
func (gc *groupCos) components() map[string]float64 {
	out := map[string]float64{}
	for g := range gc.cos {
		if gc.has[g] {
			out[groupName(g)] = gc.cos[g]
		}
	}
	return out
}

// cosines computes, per component group, the cosine between a doc vector
// and a centroid, and collects the shared keys with their contribution.
func cosines(v Vector, vn Norms, c *Centroid) (groupCos, []Shared) {
	var gc groupCos
	var dot, na, nc [numGroups]float64
	var shared []Shared
	for _, e := range v {
		w, ok := c.W[e.Key]
		if !ok || w <= 0 {
			continue
		}
		g := e.Key.group()
		if g < 0 {
			continue
		}
		d := float64(e.Weight) * float64(w)
		dot[g] += d
		shared = append(shared, Shared{key: e.Key, Contribution: d})
	}
	// Per group, the cosine over the namespaces the group spans (names
	// and places together, dates and month-days together), counting of
	// the centroid only the namespaces the vector has: words of other
	// languages never meet the vector's.
	for _, n := range vn {
		g := nsGroup[n.space>>langBits]
		if g < 0 {
			continue
		}
		na[g] += n.sum
		nc[g] += c.Norm.get(n.space)
	}
	for g := range gc.cos {
		if na[g] > 0 && nc[g] > 0 {
			gc.cos[g] = dot[g] / math.Sqrt(na[g]*nc[g])
			gc.has[g] = true
		}
	}
	// Normalise contributions so they read as shares of the cosine.
	slices.SortStableFunc(shared, func(a, b Shared) int {
		if a.Contribution != b.Contribution {
			return cmp.Compare(b.Contribution, a.Contribution)
		}
		return cmp.Compare(a.key, b.key)
	})
	return gc, shared
}

// Shared is one feature an article or event shares with the group it
// joined, with how much it added to the similarity. Key is the feature's
// namespace letter and its label ("n:Trump", "t:summit", "d:2025-10-17"):
// what a reader needs to tell a name from a word of the same spelling.
type Shared struct {
	Key          string  `json:"key"`
	Label        string  `json:"label,omitempty"`
	Contribution float64 `json:"contribution"`

	key Key
}

// Weigh scales a raw vector by rarity as Add does (for analysis tools).
func (c *Clusterer) Weigh(v Vector) Vector { return c.weigh(v) }

// PairCos returns the per-group cosines of two weighted vectors.
func PairCos(a, b Vector) map[string]float64 {
	cen := NewCentroid()
	cen.Add(b, 1)
	gc, _ := cosines(a, norms(a), cen)
	return gc.components()
}

// clone returns a copy of c.
func (c *Centroid) clone() *Centroid {
	return &Centroid{W: maps.Clone(c.W), Norm: slices.Clone(c.Norm)}
}
