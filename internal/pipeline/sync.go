package pipeline

import (
	"context"
	"fmt"

	"storyline/internal/article"
	"storyline/internal/store"
)

// syncState prepares the clustering of a batch whose features are
// extracted. On a store that several processes write (store.Syncer) it
// takes the store-wide clustering lock, drops the articles another writer
// stored since they were looked up, and brings the in-memory state up to
// date with every batch committed since this pipeline last looked. With
// async set (a store of one writer, whose commits run in the background:
// commit.go) the refresh waits for the commit before it, and syncState
// only drops the articles stored, or being stored, since the batch was
// looked up. The caller holds p.mu, clusters and commits, then calls
// unlock.
func (p *Pipeline) syncState(ctx context.Context, pr *prepared, res *Result, reject func(*article.InputError), async bool) (unlock func(), err error) {
	sy, ok := p.st.(store.Syncer)
	if !ok || async {
		if ok {
			// Another process (a server taking an article) may have
			// written since: then wait for the batch in flight and
			// take in what it wrote, before clustering.
			v, err := sy.Version(ctx)
			if err != nil {
				return nil, fmt.Errorf("read store version: %w", err)
			}
			if v > p.version {
				// Maybe only the batch in flight, now stored.
				if err := p.await(); err != nil {
					return nil, err
				}
				if v, err = sy.Version(ctx); err != nil {
					return nil, fmt.Errorf("read store version: %w", err)
				}
				if v > p.version {
					if err := p.refresh(ctx); err != nil {
						return nil, err
					}
				}
			}
		}
		if pr.early || p.inflight != nil {
			return func() {}, p.dropStored(ctx, pr, res, reject)
		}
		return func() {}, nil
	}
	unlock, err = sy.LockClustering(ctx)
	if err != nil {
		return nil, fmt.Errorf("take clustering lock: %w", err)
	}
	defer func() {
		if err != nil {
			unlock()
		}
	}()
	if err := p.dropStored(ctx, pr, res, reject); err != nil {
		return nil, err
	}
	if err := p.refresh(ctx); err != nil {
		return nil, err
	}
	return unlock, nil
}

// refresh brings the clustering state up to date with every batch other
// writers committed since this pipeline last looked.
func (p *Pipeline) refresh(ctx context.Context) error {
	sy, ok := p.st.(store.Syncer)
	if !ok {
		return nil
	}
	ch, err := sy.Changes(ctx, p.version)
	if err != nil {
		return fmt.Errorf("refresh clustering state: %w", err)
	}
	if ch.Version != p.version {
		p.c.Merge(ch.Stories, ch.Events, ch.DF)
		p.version = ch.Version
		// The copy index learns only this pipeline's batches
		// (remember): read it again, with the others' articles.
		if err := p.loadCopies(ctx); err != nil {
			return fmt.Errorf("refresh clustering state: %w", err)
		}
	}
	return nil
}

// asyncCommits reports whether batches may be committed in the background
// (commit.go): not on a store several writers share, where the next batch
// must see this one stored before it takes the clustering lock.
func (p *Pipeline) asyncCommits() bool {
	sh, ok := p.st.(interface{ Shared() bool })
	return !ok || !sh.Shared()
}

// dropStored drops from a prepared batch the articles stored (or being
// committed) since it was prepared.
func (p *Pipeline) dropStored(ctx context.Context, pr *prepared, res *Result, reject func(*article.InputError)) error {
	ids := make([]string, len(pr.fresh))
	for i, a := range pr.fresh {
		ids[i] = a.ID
	}
	stored, err := p.st.Hashes(ctx, ids)
	if err != nil {
		return fmt.Errorf("look up stored articles: %w", err)
	}
	for _, id := range ids {
		if h, ok := p.inflightHash(id); ok {
			stored[id] = h
		}
	}
	if len(stored) == 0 {
		return nil
	}
	keep := 0
	for i, a := range pr.fresh {
		if h, ok := stored[a.ID]; ok {
			if h == pr.hashes[a.ID] {
				res.Unchanged++
			} else {
				res.Rejected++
				reject(&article.InputError{Origin: origin(a), Err: fmt.Errorf("duplicate id %q with different text (the stored article is kept)", a.ID)})
			}
			continue
		}
		pr.fresh[keep], pr.recs[keep], pr.recJSON[keep], pr.docs[keep], pr.sigs[keep] = a, pr.recs[i], pr.recJSON[i], pr.docs[i], pr.sigs[i]
		keep++
	}
	pr.fresh, pr.recs, pr.recJSON, pr.docs, pr.sigs = pr.fresh[:keep], pr.recs[:keep], pr.recJSON[:keep], pr.docs[:keep], pr.sigs[:keep]
	return nil
}
