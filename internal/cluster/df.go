package cluster

import (
	"cmp"
	"slices"
)

// Document frequencies are counted over a sliding window of the latest
// articles, not over every article ever stored: what makes a word rare or
// a name selective is how often the recent news uses it, and a count over
// all time would make memory, the store's table and a restart's reading
// grow with the store for good. The window holds the latest batches whose
// articles number at least DFWindow (all of them while there are fewer):
// when a batch comes in, the oldest batches leave as long as the rest
// still hold DFWindow articles, and their counts are taken off. The store
// keeps each batch's counts (DFBatch),
// so that a restarted or second writer rebuilds the same window, in the
// same order of batches.
//
// A key's language is the one group all the window's batches saw it in,
// or LangMany when they saw it in several.

// DFWindow is how many of the latest articles document frequencies count.
const DFWindow = 200_000

// KeyStat is what the clusterer knows of a key: in how many documents of
// the window it occurs, and in which language group.
type KeyStat struct {
	N    int32
	Lang Lang
}

// KeyCount is one key's count (and language) in a batch.
type KeyCount struct {
	Key  Key
	N    int32
	Lang Lang
}

// DFBatch is what one committed batch added to the document frequencies.
type DFBatch struct {
	// Ver is the store version the batch was committed as; 0 while it is
	// not known (not yet committed).
	Ver   int64
	NDocs int
	Keys  []KeyCount // sorted by key once taken (TakeDelta)
}

// TakeDelta returns what the batch clustered since the last call added to
// the document frequencies (nil when it added nothing), and moves the
// window on: the oldest batches leave it as long as the rest hold
// DFWindow articles. The caller stores the delta with the batch and sets
// its Ver once committed (SetVersion).
func (c *Clusterer) TakeDelta() *DFBatch {
	p := c.pending
	c.pending, c.pendingIdx = nil, nil
	if p != nil {
		slices.SortFunc(p.Keys, func(a, b KeyCount) int { return cmp.Compare(a.Key, b.Key) })
	}
	c.expire()
	return p
}

// expire drops the oldest batches from the window while the others hold
// DFWindow articles.
func (c *Clusterer) expire() {
	total := 0
	for _, b := range c.window {
		total += b.NDocs
	}
	n := 0
	var mixed []Key
	for n < len(c.window)-1 && total-c.window[n].NDocs >= c.dfWindow && c.window[n] != c.pending {
		mixed = c.subtract(c.window[n], mixed)
		total -= c.window[n].NDocs
		c.window[n] = nil
		n++
	}
	c.window = c.window[n:]
	// A key seen in several languages may have been seen in one only by
	// the batches left: its language is what they say, as for a writer
	// that reads them afresh.
	for _, k := range mixed {
		st, ok := c.DF[k]
		if !ok {
			continue
		}
		st.Lang = LangNone
		for _, b := range c.window {
			if i, ok := b.find(k, c); ok {
				st.Lang = st.Lang.merge(b.Keys[i].Lang)
			}
		}
		c.DF[k] = st
	}
}

// find returns the index of key in b.Keys.
func (b *DFBatch) find(key Key, c *Clusterer) (int, bool) {
	if b == c.pending {
		i, ok := c.pendingIdx[key]
		return i, ok
	}
	return slices.BinarySearchFunc(b.Keys, key, func(kc KeyCount, k Key) int { return cmp.Compare(kc.Key, k) })
}

// subtract takes a batch's counts off, and appends to mixed the keys seen
// in several languages that are still counted.
func (c *Clusterer) subtract(b *DFBatch, mixed []Key) []Key {
	c.NDocs -= b.NDocs
	for _, kc := range b.Keys {
		st, ok := c.DF[kc.Key]
		if !ok {
			continue
		}
		if st.N -= kc.N; st.N <= 0 {
			delete(c.DF, kc.Key)
			continue
		}
		c.DF[kc.Key] = st
		if st.Lang == LangMany {
			mixed = append(mixed, kc.Key)
		}
	}
	return mixed
}

// apply adds a batch's counts.
func (c *Clusterer) apply(b *DFBatch) {
	c.NDocs += b.NDocs
	for _, kc := range b.Keys {
		st := c.DF[kc.Key]
		st.N += kc.N
		st.Lang = st.Lang.merge(kc.Lang)
		c.DF[kc.Key] = st
	}
}

// SetVersion records the store version a batch of the window (one
// TakeDelta returned) was committed as.
func (c *Clusterer) SetVersion(b *DFBatch, ver int64) { b.Ver = ver }

// HasBatch reports whether the window holds the batch committed as ver.
func (c *Clusterer) HasBatch(ver int64) bool {
	for _, b := range c.window {
		if b.Ver == ver {
			return true
		}
	}
	return false
}

// AddBatches puts batches committed to the store into the window, in
// version order, skipping those it holds (a writer's own), and moves the
// window on. A writer starting on a store gives it the latest batches that
// hold DFWindow articles; a writer sharing a store gives it those the
// others committed since it last looked.
func (c *Clusterer) AddBatches(bs []*DFBatch) {
	for _, b := range bs {
		if b == nil || c.HasBatch(b.Ver) {
			continue
		}
		c.apply(b)
		// In version order; batches not yet committed stay last.
		i := len(c.window)
		for i > 0 && (c.window[i-1].Ver == 0 || c.window[i-1].Ver > b.Ver) {
			i--
		}
		c.window = slices.Insert(c.window, i, b)
	}
	c.expire()
}

// Window returns the batches whose counts the document frequencies hold,
// oldest first (for tests).
func (c *Clusterer) Window() []*DFBatch { return c.window }
