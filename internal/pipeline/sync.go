package pipeline

import (
	"context"
	"fmt"

	"storyline/internal/article"
	"storyline/internal/cluster"
	"storyline/internal/features"
	"storyline/internal/store"
)

// syncState prepares the clustering of a batch whose features are
// extracted. On a store that several processes write (store.Syncer) it
// takes the store-wide clustering lock, drops the articles another writer
// stored since they were looked up, and brings the in-memory state up to
// date with every batch committed since this pipeline last looked. The
// caller holds p.mu, clusters and commits, then calls unlock.
func (p *Pipeline) syncState(ctx context.Context, fresh *[]*article.Article, recs *[]*features.Record, docs *[]*cluster.Doc,
	hashes map[string]string, res *Result, reject func(*article.InputError)) (unlock func(), err error) {
	sy, ok := p.st.(store.Syncer)
	if !ok {
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
	ids := make([]string, len(*fresh))
	for i, a := range *fresh {
		ids[i] = a.ID
	}
	stored, err := p.st.Hashes(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("look up stored articles: %w", err)
	}
	if len(stored) > 0 {
		keep := 0
		for i, a := range *fresh {
			if h, ok := stored[a.ID]; ok {
				if h == hashes[a.ID] {
					res.Unchanged++
				} else {
					res.Rejected++
					reject(&article.InputError{Origin: origin(a), Err: fmt.Errorf("duplicate id %q with different text (the stored article is kept)", a.ID)})
				}
				continue
			}
			(*fresh)[keep], (*recs)[keep], (*docs)[keep] = a, (*recs)[i], (*docs)[i]
			keep++
		}
		*fresh, *recs, *docs = (*fresh)[:keep], (*recs)[:keep], (*docs)[:keep]
	}
	ch, err := sy.Changes(ctx, p.version)
	if err != nil {
		return nil, fmt.Errorf("refresh clustering state: %w", err)
	}
	if ch.Version != p.version {
		p.c.Merge(ch.Stories, ch.Events, ch.DF, ch.NDocs)
		for k, l := range ch.KeyLang {
			if old, ok := p.c.KeyLang[k]; !ok || old != l && old != "*" {
				if ok {
					l = "*"
				}
				p.c.KeyLang[k] = l
			}
		}
		p.version = ch.Version
	}
	return unlock, nil
}
