package pipeline

import (
	"context"
	"fmt"
	"math"

	"storyline/internal/article"
	"storyline/internal/cluster"
	"storyline/internal/neardup"
	"storyline/internal/store"
)

// DefaultCopyWindow is how many of the most recently stored articles the
// near-duplicate index holds. Wire copies appear within hours or days of the
// original, so older articles need not be compared; the bound keeps memory
// flat on a store of millions: an indexed article costs about 10 KB (its
// signature and 128 LSH bucket entries), so the default is some 50 MB.
const DefaultCopyWindow = 5000

// copyIndex finds near-duplicates of new articles among recent ones. It
// holds the latest articles in generations of a quarter of the window
// each, and drops the oldest generation once the newer ones hold the
// window: the index stays between the window and a quarter more without
// being rebuilt, and without waiting for the store.
type copyIndex struct {
	gens []*copyGen // oldest first; the last one takes new articles
	// origin maps every indexed copy to its original. The index treats a
	// copy loaded from the store as a text of its own, so a match on it is
	// resolved here to "copy of the first".
	origin map[string]string
	window int
}

// copyGen is one generation of a copyIndex.
type copyGen struct {
	idx *neardup.Index
	ids []string
}

func newCopyIndex(window int) *copyIndex {
	return &copyIndex{origin: map[string]string{}, window: window}
}

// Len returns how many articles the index holds.
func (ci *copyIndex) Len() int {
	n := 0
	for _, g := range ci.gens {
		n += len(g.ids)
	}
	return n
}

// add indexes a stored article, opening a generation when the newest is
// full and dropping the oldest when the rest hold the window.
func (ci *copyIndex) add(id, copyOf string, sig neardup.Signature) {
	size := max(1, ci.window/4)
	if ci.window <= 0 {
		size = math.MaxInt // unbounded: one generation
	}
	if len(ci.gens) == 0 || len(ci.gens[len(ci.gens)-1].ids) >= size {
		ci.gens = append(ci.gens, &copyGen{idx: neardup.NewIndex()})
	}
	g := ci.gens[len(ci.gens)-1]
	g.idx.AddSignature(id, sig)
	g.ids = append(g.ids, id)
	if copyOf != "" {
		ci.origin[id] = copyOf
	}
	if ci.window <= 0 {
		return
	}
	for len(ci.gens) > 1 && ci.Len()-len(ci.gens[0].ids) >= ci.window {
		for _, id := range ci.gens[0].ids {
			delete(ci.origin, id)
		}
		ci.gens[0] = nil
		ci.gens = ci.gens[1:]
	}
}

// find returns the indexed article most similar to sig if it is a copy;
// ties go to the article indexed first, as within one neardup.Index.
func (ci *copyIndex) find(sig neardup.Signature) (id string, sim float64, ok bool) {
	for _, g := range ci.gens {
		if gid, gsim, gok := g.idx.FindSignature(sig); gok && (!ok || gsim > sim) {
			id, sim, ok = gid, gsim, true
		}
	}
	return id, sim, ok
}

// copyMark is what copy detection decided for one new article.
type copyMark struct {
	of  string // original's id, "" for an original
	sim float64
	sig neardup.Signature
}

// loadCopies (re)builds the index from the signatures of the most recent
// articles in the store, when the store keeps them.
func (p *Pipeline) loadCopies(ctx context.Context) error {
	window := DefaultCopyWindow
	if p.copies != nil && p.copies.window > 0 {
		window = p.copies.window
	}
	ci := newCopyIndex(window)
	if cs, ok := p.st.(store.CopyStore); ok {
		sigs, err := cs.Signatures(ctx, window)
		if err != nil {
			return fmt.Errorf("load near-duplicate signatures: %w", err)
		}
		for _, s := range sigs {
			var sig neardup.Signature
			if err := sig.UnmarshalBinary(s.Sig); err != nil {
				return fmt.Errorf("signature of %s: %w", s.ArticleID, err)
			}
			ci.add(s.ArticleID, s.CopyOf, sig)
		}
	}
	p.copies = ci
	return nil
}

// SetCopyWindow changes how many recent articles the near-duplicate index
// holds (DefaultCopyWindow unless set) and rebuilds it from the store.
func (p *Pipeline) SetCopyWindow(ctx context.Context, n int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.await(); err != nil {
		return err
	}
	p.copies.window = n
	return p.loadCopies(ctx)
}

// root resolves an indexed id to the first article of its copy chain.
func (ci *copyIndex) root(id string) string {
	if o, ok := ci.origin[id]; ok {
		return o
	}
	return id
}

// findCopies decides, in input order, which new articles are near-duplicates
// of a recent stored article or of an earlier article of the batch. Nothing
// is added to the index here: remember does that once the batch is stored,
// so a failed commit leaves no trace of articles that are not stored.
func (p *Pipeline) findCopies(fresh []*article.Article, sigs []neardup.Signature) []copyMark {
	marks := make([]copyMark, len(fresh))
	for i := range marks {
		marks[i].sig = sigs[i]
	}
	batch := neardup.NewIndex()
	pos := make(map[string]int, len(fresh))
	for i, a := range fresh {
		pos[a.ID] = i
		m := &marks[i]
		mainID, mainSim, inMain := p.copies.find(m.sig)
		first, batchSim := batch.ObserveSignature(a.ID, m.sig)
		switch {
		case inMain && (first == "" || mainSim >= batchSim):
			m.of, m.sim = p.copies.root(mainID), mainSim
		case first != "":
			// first is the earliest batch article of the chain; it may
			// itself copy a stored article.
			m.of, m.sim = first, batchSim
			if o := marks[pos[first]].of; o != "" {
				m.of = o
			}
		}
	}
	return marks
}

// remember adds a stored batch to the index. It needs nothing from the
// store: the generations keep the index within its window. Articles other
// writers store reach the index when refresh reads it again.
func (p *Pipeline) remember(arts []store.Article, marks map[string]copyMark) {
	for _, a := range arts {
		if m, ok := marks[a.ID]; ok {
			p.copies.add(a.ID, a.CopyOf, m.sig)
		}
	}
}

// originalEvents returns the event of each stored original among ids.
func (p *Pipeline) originalEvents(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	if err := p.await(); err != nil { // the originals may be in the batch being committed
		return nil, err
	}
	for start := 0; start < len(ids); start += 500 {
		arts, err := p.st.Articles(ctx, store.ArticleFilter{IDs: ids[start:min(len(ids), start+500)]})
		if err != nil {
			return nil, fmt.Errorf("look up originals of copies: %w", err)
		}
		for _, a := range arts {
			out[a.ID] = a.EventID
		}
	}
	return out, nil
}

// clusterBatch clusters the originals of a batch and puts each copy into
// its original's event without weighing it again. A copy whose original
// cannot be found loses its mark; a copy a person moved out of its
// original's event is clustered as an ordinary article but keeps its mark.
// Only the articles clustered as ordinary ones count in the document
// frequencies (cluster.TakeDelta).
func (p *Pipeline) clusterBatch(ctx context.Context, docs []*cluster.Doc, marks []copyMark) (assigns []cluster.Assignment, links []cluster.StoryLink, err error) {
	inBatch := make(map[string]bool, len(docs))
	for _, d := range docs {
		inBatch[d.ID] = true
	}
	var originals []*cluster.Doc
	var stored []string
	for i, d := range docs {
		switch of := marks[i].of; {
		case of == "":
			originals = append(originals, d)
		case !inBatch[of]:
			stored = append(stored, of)
		}
	}
	events, err := p.originalEvents(ctx, stored)
	if err != nil {
		return nil, nil, err
	}
	if len(originals) > 0 {
		assigns, links = p.c.Add(originals)
	}
	for _, as := range assigns {
		events[as.DocID] = as.EventID
	}
	// A copy joins its original's event even when that event has left
	// memory (evicted: older than the window); read such events back.
	var away []string
	for i := range docs {
		if ev, ok := events[marks[i].of]; ok && marks[i].of != "" && p.c.Events[ev] == nil {
			away = append(away, ev)
		}
	}
	if err := p.recall(ctx, away); err != nil {
		return nil, nil, err
	}
	var rest []*cluster.Doc
	for i, d := range docs {
		m := &marks[i]
		if m.of == "" {
			continue
		}
		ev, found := events[m.of]
		if found {
			if as, ok := p.c.AddCopy(d.ID, d.Date, ev); ok {
				as.Score = m.sim
				assigns = append(assigns, as)
				continue
			}
		} else {
			m.of, m.sim = "", 0
		}
		rest = append(rest, d)
	}
	if len(rest) > 0 {
		a2, l2 := p.c.Add(rest)
		assigns, links = append(assigns, a2...), append(links, l2...)
	}
	return assigns, links, nil
}
