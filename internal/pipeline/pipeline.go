// Package pipeline walks articles through every stage — validation,
// deduplication, language, features, clustering, story linking, storage —
// in one place, so that ingest, serve, watch and eval all run the same code.
package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"storyline/internal/article"
	"storyline/internal/cluster"
	"storyline/internal/features"
	"storyline/internal/lang"
	"storyline/internal/neardup"
	"storyline/internal/store"
)

// DefaultBatchSize is how many articles are clustered and committed
// together: large enough to amortise a transaction, small enough that a
// kill loses little work and memory stays flat.
const DefaultBatchSize = 2000

// Pipeline ingests articles into a store.
type Pipeline struct {
	st store.Store
	c  *cluster.Clusterer
	mu sync.Mutex // one batch at a time: the clusterer is not concurrent
	// version is the store version the clustering state reflects (sync.go).
	version int64

	copies *copyIndex // near-duplicates among recent articles (copies.go)

	// inflight is the batch being committed while the next is clustered
	// (commit.go); broken is set once such a commit failed: the
	// clustering state then holds batches the store does not.
	inflight *inflight
	broken   error
}

// Result counts what one call to Ingest did.
type Result struct {
	Added     int // new articles stored
	Unchanged int // already stored with the same content
	Rejected  int // bad records
	NewEvents int
	Copies    int // of the added, how many are near-duplicates of an earlier article
}

// Open loads the clustering state from st.
func Open(ctx context.Context, st store.Store, w cluster.Weights) (*Pipeline, error) {
	p := &Pipeline{st: st}
	if err := p.load(ctx, w); err != nil {
		return nil, err
	}
	return p, nil
}

// load (re)reads the clustering state and the near-duplicate index from
// the store.
func (p *Pipeline) load(ctx context.Context, w cluster.Weights) error {
	// Only the recent past: Evict below would drop the rest from memory
	// anyway, after a store of millions of articles had been read whole.
	var state *store.State
	var err error
	if rl, ok := p.st.(store.RecentLoader); ok {
		keepEv, keepSt := w.Keep()
		state, err = rl.LoadRecentState(ctx, keepEv, keepSt)
	} else {
		state, err = p.st.LoadState(ctx)
	}
	if err != nil {
		return fmt.Errorf("load clustering state: %w", err)
	}
	c := cluster.New(w)
	if state.Recent != nil {
		c.SetRecent(state.Recent)
	}
	c.AddBatches(state.DF)
	c.Restore(state.Stories, state.Events)
	c.Evict()
	p.c, p.version = c, state.Version
	return p.loadCopies(ctx)
}

// failed handles an error that struck after a batch or a correction
// changed the clustering state in memory: the store does not hold the
// change, so the state is read from the store again. Should that fail
// too, the pipeline refuses all further work. The caller holds p.mu and
// has nothing in flight; failed returns err.
func (p *Pipeline) failed(err error) error {
	// A fresh context: the one that failed may be cancelled (Ctrl-C).
	if f := p.inflight; f != nil {
		// The reload must find the commit in flight done, or failed.
		<-f.done
		p.inflight = nil
	}
	if lerr := p.load(context.Background(), p.c.W); lerr != nil {
		p.broken = fmt.Errorf("%w (reading the clustering state again failed too: %v; reopen the store)", err, lerr)
	}
	return err
}

// Clusterer exposes the clustering state (for evaluation and tuning).
func (p *Pipeline) Clusterer() *cluster.Clusterer { return p.c }

// Ingest stores a batch of articles: every good one is stored once,
// clustered and committed in one transaction; every bad one is reported
// through reject and skipped. Articles already stored with the same
// content are skipped silently, so re-running an ingest changes nothing.
func (p *Pipeline) Ingest(ctx context.Context, arts []article.Article, reject func(*article.InputError)) (Result, error) {
	pr, err := p.prepare(ctx, arts, reject)
	if err != nil {
		return pr.res, err
	}
	return p.apply(ctx, pr, reject, false)
}

// prepared is a batch whose new articles are known and whose features are
// extracted: what runs before the clustering lock.
type prepared struct {
	res   Result
	fresh []*article.Article
	recs  []*features.Record
	// recJSON are the records encoded for the store, in parallel with
	// extraction rather than on the serial path; a record whose date
	// clustering infers is encoded again.
	recJSON [][]byte
	docs    []*cluster.Doc
	sigs    []neardup.Signature // near-duplicate sketches (copies.go)
	hashes  map[string]string   // id → content hash
	// early marks a batch prepared while an earlier batch was still
	// being stored: apply looks up its articles again.
	early bool
}

// prepare drops the articles already stored or repeated within arts,
// reporting those whose id is taken by another text, and extracts the
// features of the rest (in parallel, holding no lock).
func (p *Pipeline) prepare(ctx context.Context, arts []article.Article, reject func(*article.InputError)) (*prepared, error) {
	pr := &prepared{}
	res := &pr.res
	ids := make([]string, 0, len(arts))
	for _, a := range arts {
		ids = append(ids, a.ID)
	}
	stored, err := p.st.Hashes(ctx, ids)
	if err != nil {
		return pr, fmt.Errorf("look up stored articles: %w", err)
	}
	seen := map[string]string{} // id → origin within this batch
	var fresh []*article.Article
	hashes := map[string]string{}
	for i := range arts {
		a := &arts[i]
		h := a.ContentHash()
		if old, ok := stored[a.ID]; ok {
			if old == h {
				res.Unchanged++
			} else {
				res.Rejected++
				reject(&article.InputError{Origin: origin(a), Err: fmt.Errorf("duplicate id %q with different text (the stored article is kept)", a.ID)})
			}
			continue
		}
		if prev, ok := seen[a.ID]; ok {
			if hashes[a.ID] == h {
				res.Unchanged++
			} else {
				res.Rejected++
				reject(&article.InputError{Origin: origin(a), Err: fmt.Errorf("duplicate id %q with different text (first seen at %s)", a.ID, prev)})
			}
			continue
		}
		seen[a.ID] = origin(a)
		hashes[a.ID] = h
		fresh = append(fresh, a)
	}
	pr.fresh, pr.hashes = fresh, hashes
	if len(fresh) == 0 {
		return pr, nil
	}

	recs := make([]*features.Record, len(fresh))
	docs := make([]*cluster.Doc, len(fresh))
	sigs := make([]neardup.Signature, len(fresh))
	recJSON := make([][]byte, len(fresh))
	parallel(len(fresh), func(i int) {
		a := fresh[i]
		if l := lang.Normalize(a.Lang); l != "" {
			a.Lang = l
		} else {
			a.Lang = lang.Detect(a.Title, a.Text)
		}
		recs[i], docs[i] = features.Extract(a)
		recJSON[i], _ = json.Marshal(recs[i])
		sigs[i] = neardup.Sketch(a.Text)
	})
	pr.recs, pr.recJSON, pr.docs, pr.sigs = recs, recJSON, docs, sigs
	return pr, nil
}

// apply clusters and commits a prepared batch. Feature extraction (prepare)
// runs unlocked and in parallel; clustering is serial, within this process
// and across the writers of a shared store (sync.go).
//
// With async set, on a store of one writer, apply starts the commit and
// returns once every earlier batch is committed (commit.go): the commit
// then runs while the next batch is clustered.
func (p *Pipeline) apply(ctx context.Context, pr *prepared, reject func(*article.InputError), async bool) (Result, error) {
	res := pr.res
	p.mu.Lock()
	defer p.mu.Unlock()
	async = async && p.asyncCommits()
	if err := p.broken; err != nil {
		return res, err
	}
	if !async || len(pr.fresh) == 0 {
		if err := p.await(); err != nil {
			return res, err
		}
	}
	if len(pr.fresh) == 0 {
		return res, nil
	}
	unlock, err := p.syncState(ctx, pr, &res, reject, async)
	if err != nil {
		return res, err
	}
	defer unlock()
	fresh, recs, docs, hashes := pr.fresh, pr.recs, pr.docs, pr.hashes
	if len(fresh) == 0 {
		return res, p.await()
	}
	marks := p.findCopies(fresh, pr.sigs)
	assigns, links, err := p.clusterBatch(ctx, docs, marks)
	if err != nil {
		return res, p.failed(err)
	}
	byDoc := map[string]cluster.Assignment{}
	for _, as := range assigns {
		byDoc[as.DocID] = as
		if as.NewEvent {
			res.NewEvents++
		}
	}

	b := &store.Batch{
		Mentions: map[string][]store.Mention{},
		Labels:   map[string]string{},
		Links:    map[string]cluster.StoryLink{},
		SLabels:  map[string]string{},
		// What the originals added to the document frequencies (a copy
		// is not counted again).
		DF: p.c.TakeDelta(),

		Signatures: map[string][]byte{},
	}
	copyMarks := map[string]copyMark{}
	for i, a := range fresh {
		as := byDoc[a.ID]
		rec := recs[i]
		fj := pr.recJSON[i]
		if rec.Date == "" && !as.InferredDate.IsZero() {
			rec.Date = store.Day(as.InferredDate)
			rec.DateSource = article.DateInferred
			fj, _ = json.Marshal(rec)
		}
		b.Articles = append(b.Articles, store.Article{
			ID: a.ID, Hash: hashes[a.ID], Title: a.Title, Text: a.Text, Lang: a.Lang,
			Date: rec.Date, DateSource: rec.DateSource, URL: a.URL, Source: a.Source, Origin: a.Origin,
			EventID: as.EventID, Score: as.Score, Evidence: as.Shared, Features: string(fj),
			CopyOf: marks[i].of, CopySim: marks[i].sim,
		})
		b.Signatures[a.ID], _ = marks[i].sig.MarshalBinary()
		copyMarks[a.ID] = marks[i]
		if marks[i].of != "" {
			res.Copies++
		}
		for _, n := range rec.Names {
			b.Mentions[a.ID] = append(b.Mentions[a.ID], store.Mention{Key: n.Key, Surface: n.Surface, Kind: n.Kind, Count: n.Count})
		}
	}
	for _, l := range links {
		b.Links[l.EventID] = l
	}
	for _, e := range p.c.Events {
		if e.Dirty {
			b.Events = append(b.Events, e)
			b.Labels[e.ID] = Label(p.c, e.C, e.Labels, 4)
		}
	}
	for _, s := range p.c.Stories {
		if s.Dirty {
			b.Stories = append(b.Stories, s)
			b.SLabels[s.ID] = storyLabel(p.c, s)
		}
	}
	events, stories := b.Events, b.Stories
	if async {
		if err := p.commitAsync(ctx, b); err != nil {
			return res, err
		}
	} else {
		if err := p.st.Commit(ctx, b); err != nil {
			return res, p.failed(fmt.Errorf("commit batch: %w", err))
		}
		p.committed(b)
	}
	for _, e := range events {
		e.Dirty, e.MembersStored = false, true
	}
	for _, s := range stories {
		s.Dirty = false
	}
	// Events and stories that fell behind the window stay in the store
	// only: memory and the cost of an article stay flat as it grows.
	p.c.Evict()
	res.Added = len(fresh)
	p.remember(b.Articles, copyMarks)
	return res, nil
}

func origin(a *article.Article) string {
	if a.Origin != "" {
		return a.Origin
	}
	return a.ID
}

// parallel runs fn for 0..n-1 on all cores.
func parallel(n int, fn func(int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// Label names a group by its heaviest names: "Trump, Putin, Budapest".
// A word of an uncased script (Devanagari, Arabic, Han…) counts as a name
// only when it was seen in other languages too: in those scripts every
// word is a name candidate, and most are common words.
func Label(cl *cluster.Clusterer, c *cluster.Centroid, labels map[cluster.Key]string, n int) string {
	type kv struct {
		k cluster.Key
		w float32
	}
	var top []kv
	for k, w := range c.W {
		if !k.IsName() {
			continue
		}
		l := labels[k]
		if l == "" || k.Multiword() && !strings.Contains(l, " ") {
			continue
		}
		if !isCased(l) && !cl.MultiLingual(k) {
			continue
		}
		top = append(top, kv{k, w})
	}
	sort.Slice(top, func(i, j int) bool {
		if top[i].w != top[j].w {
			return top[i].w > top[j].w
		}
		// Of equal weight, the fuller name first ("Abu Dhabi" before
		// "Dhabi"), so that the shorter one is the one left out as a part.
		if li, lj := len(labels[top[i].k]), len(labels[top[j].k]); li != lj {
			return li > lj
		}
		return top[i].k < top[j].k
	})
	var out []string
	seen := map[string]bool{}
	for _, t := range top {
		l := labels[t.k]
		low := strings.ToLower(l)
		dup := false
		for s := range seen {
			if strings.Contains(s, low) || strings.Contains(low, s) {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		seen[low] = true
		out = append(out, l)
		if len(out) == n {
			break
		}
	}
	return strings.Join(out, ", ")
}

func storyLabel(c *cluster.Clusterer, s *cluster.Story) string {
	labels := map[cluster.Key]string{}
	for _, e := range s.Events {
		for k, l := range e.Labels {
			if old, ok := labels[k]; !ok || !isCased(old) && isCased(l) {
				labels[k] = l
			}
		}
	}
	return Label(c, s.C, labels, 4)
}

// isCased reports whether s starts with a letter of a script with case.
func isCased(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r) || unicode.IsLower(r)
}
