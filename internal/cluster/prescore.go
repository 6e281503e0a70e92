package cluster

import (
	"maps"
	"runtime"
	"sync"
	"sync/atomic"
)

// prescore computes, on all cores, the scores of every article of a batch
// against the events the index offers it as the batch begins (and the pair
// probabilities with their members they come from), and puts them in the
// Add caches. These comparisons are most
// of what assign does, one article after another; assign then finds them
// cached. Nothing else changes: a probability depends only on the two
// vectors, their languages and dates, the document frequencies and the
// key languages, none of which change during Add, and the passes decide
// exactly as before (an event that grew or moved during the batch is
// scored again: its rev no longer matches; a member whose date moved with
// its event's is compared again, under a key the prescored pair does not
// match).
//
// It only reads the clusterer's state; each worker has caches of its own,
// merged at the end.
func (c *Clusterer) prescore(docs []*Doc, weighted []Vector) {
	workers := min(runtime.GOMAXPROCS(0), len(docs))
	if workers < 2 || c.probs == nil || c.serial {
		return
	}
	pw := c.pairWeights()
	type result struct {
		probs  map[pairKey]float64
		packs  map[*Entry]packed
		scores map[scoreKey]scoreVal
	}
	results := make([]result, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := result{probs: map[pairKey]float64{}, packs: map[*Entry]packed{}, scores: map[scoreKey]scoreVal{}}
			packOf := func(v Vector) packed {
				p, ok := r.packs[&v[0]]
				if !ok {
					p = c.pack(v)
					r.packs[&v[0]] = p
				}
				return p
			}
			hits := map[*Event]float64{}
			for {
				i := int(next.Add(1)) - 1
				if i >= len(docs) {
					break
				}
				d, v := docs[i], weighted[i]
				if len(v) == 0 {
					continue
				}
				da := PairSide{Lang: d.Lang, Vec: v, Date: d.Date, Mentioned: d.Mentioned}
				fa := packOf(v)
				for _, cand := range c.rankShared(d, c.peekSelective(v), hits) {
					if cand.e.Blocked[d.ID] {
						continue
					}
					sc, best := c.eventScore(d.ID, cand.e, func(m *Member, db PairSide) float64 {
						if len(m.Vec) == 0 {
							return pw.prob(c.pairFeatures(da, db, fa, packed{}))
						}
						k := pairKey{&v[0], &m.Vec[0], dayKey(db.Date)}
						p, ok := r.probs[k]
						if !ok {
							p = pw.prob(c.pairFeatures(da, db, fa, packOf(m.Vec)))
							r.probs[k] = p
						}
						return p
					})
					r.scores[scoreKey{&v[0], cand.e}] = scoreVal{rev: cand.e.rev, score: sc, best: int32(best)}
				}
			}
			results[w] = r
		}()
	}
	wg.Wait()
	for _, r := range results {
		maps.Copy(c.probs, r.probs)
		maps.Copy(c.scores, r.scores)
		if c.flags != nil {
			maps.Copy(c.flags, r.packs)
		}
	}
}

// peekSelective is selectiveOf without its cache and without making
// posting lists for keys that have none: it only reads the state, so that
// prescore's workers can call it at once.
func (c *Clusterer) peekSelective(v Vector) []selKey {
	var s []selKey
	for _, en := range v {
		if c.selective(en.Key) {
			if p := c.postings[en.Key]; p != nil {
				s = append(s, selKey{en, p})
			}
		}
	}
	return s
}
