package pipeline

import (
	"context"
	"fmt"

	"storyline/internal/cluster"
	"storyline/internal/store"
)

// inflight is a batch being committed in the background.
type inflight struct {
	done  chan struct{}
	err   error
	batch *store.Batch
	// hashes are the content hashes of the batch's articles: a batch
	// prepared meanwhile must find them stored (dropStored).
	hashes map[string]string
}

// commitAsync waits until the batch before b is committed, starts
// committing b and returns without waiting for it. It copies b's events and stories
// first: the clustering of the next batch changes them while b is
// written. The caller holds p.mu; a failure of b's commit is reported by
// the next call to await.
//
// Only a store of one writer commits this way: on a shared store the next
// batch must see this one committed before it takes the clustering lock.
func (p *Pipeline) commitAsync(ctx context.Context, b *store.Batch) error {
	if err := p.await(); err != nil {
		return err
	}
	// New slices: the caller goes on with the live events of b's.
	events := make([]*cluster.Event, len(b.Events))
	for i, e := range b.Events {
		events[i] = e.Snapshot()
	}
	stories := make([]*cluster.Story, len(b.Stories))
	for i, s := range b.Stories {
		stories[i] = s.Snapshot()
	}
	b.Events, b.Stories = events, stories
	f := &inflight{done: make(chan struct{}), batch: b, hashes: make(map[string]string, len(b.Articles))}
	for _, a := range b.Articles {
		f.hashes[a.ID] = a.Hash
	}
	p.inflight = f
	// Not cancelled with ctx: the batch is clustered, and an interrupt
	// should lose it no more than a batch committed in the foreground.
	ctx = context.WithoutCancel(ctx)
	go func() {
		defer close(f.done)
		if err := p.st.Commit(ctx, b); err != nil {
			f.err = fmt.Errorf("commit batch: %w", err)
		}
	}()
	return nil
}

// await waits for the batch being committed, if any. The caller holds
// p.mu. When the commit failed, the clustering state (which holds that
// batch, and maybe the next) is read from the store again (failed).
func (p *Pipeline) await() error {
	if p.broken != nil {
		return p.broken
	}
	f := p.inflight
	if f == nil {
		return nil
	}
	<-f.done
	p.inflight = nil
	if f.err != nil {
		return p.failed(f.err)
	}
	p.committed(f.batch)
	return nil
}

// committed notes that this pipeline's batch b was stored (as version
// b.Version). p.version is the version up to which the store's commits are
// all in memory: when another writer committed between (the batch's is not
// the next version), it stays, so that the next refresh reads that commit —
// and this one again, which changes nothing as long as no batch has been
// clustered since (and the document frequencies of a batch the window
// holds are not counted twice).
func (p *Pipeline) committed(b *store.Batch) {
	if b.DF != nil {
		p.c.SetVersion(b.DF, b.Version)
	}
	if b.Version == p.version+1 {
		p.version = b.Version
	}
}

// inflightHash returns the content hash of an article of the batch being
// committed.
func (p *Pipeline) inflightHash(id string) (string, bool) {
	if p.inflight == nil {
		return "", false
	}
	h, ok := p.inflight.hashes[id]
	return h, ok
}
