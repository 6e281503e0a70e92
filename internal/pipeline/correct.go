package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"storyline/internal/article"
	"storyline/internal/cluster"
	"storyline/internal/features"
	"storyline/internal/store"
)

// ErrCorrection is wrapped by errors that a correction request caused
// (unknown ids, articles not in the event, nothing to do).
var ErrCorrection = errors.New("bad correction")

func badCorrection(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrection, fmt.Sprintf(format, args...))
}

// Split moves the named articles of an event into a new event. The moved
// articles are blocked from the old event, so no later ingest puts them
// back; the correction is stored with the change in one transaction.
func (p *Pipeline) Split(ctx context.Context, eventID string, articleIDs []string, note string) (*store.Correction, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.await(); err != nil {
		return nil, err
	}
	if err := p.recall(ctx, []string{eventID}); err != nil {
		return nil, err
	}
	old := p.c.Events[eventID]
	if old == nil || old.N == 0 {
		return nil, fmt.Errorf("event %q: %w", eventID, store.ErrNotFound)
	}
	if len(articleIDs) == 0 {
		return nil, badCorrection("name at least one article to move")
	}
	members, err := p.st.Articles(ctx, store.ArticleFilter{EventID: eventID})
	if err != nil {
		return nil, err
	}
	moving := map[string]bool{}
	for _, id := range articleIDs {
		moving[id] = true
	}
	var keep, move []store.Article
	for _, a := range members {
		if moving[a.ID] {
			move = append(move, a)
			delete(moving, a.ID)
		} else {
			keep = append(keep, a)
		}
	}
	if len(moving) > 0 {
		var ids []string
		for id := range moving {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		return nil, badCorrection("article(s) %s are not in event %s", strings.Join(ids, ", "), eventID)
	}
	if len(keep) == 0 {
		return nil, badCorrection("cannot move every article out of event %s", eventID)
	}

	newID := "e_" + move[0].ID + "_split"
	for n := 2; p.c.Events[newID] != nil; n++ {
		newID = fmt.Sprintf("e_%s_split%d", move[0].ID, n)
	}
	rebuild(p.c, old, keep)
	ne := &cluster.Event{ID: newID, StoryID: old.StoryID, Blocked: map[string]bool{}}
	rebuild(p.c, ne, move)
	if old.Blocked == nil {
		old.Blocked = map[string]bool{}
	}
	for _, a := range move {
		old.Blocked[a.ID] = true
	}
	// The new event stays in the old one's story: it was reported with it.
	p.c.Adopt(ne)

	c := &store.Correction{Kind: store.CorrectionSplit, EventID: eventID, NewEvent: newID, Note: note}
	b := p.correctionBatch(c, []*cluster.Event{old, ne})
	b.Links[newID] = cluster.StoryLink{EventID: newID, StoryID: ne.StoryID, Score: 1,
		Shared: []cluster.Shared{{Key: "correction", Label: "split from " + eventID, Contribution: 1}}}
	for _, a := range move {
		c.Articles = append(c.Articles, a.ID)
		b.Moves[a.ID] = newID
	}
	if err := p.st.Commit(ctx, b); err != nil {
		return nil, p.failed(fmt.Errorf("store split: %w", err))
	}
	clean(b)
	return c, nil
}

// Merge folds the other events into the first one named. Articles of the
// folded events move to the kept event; the folded events are left empty
// (and so disappear from every listing).
func (p *Pipeline) Merge(ctx context.Context, eventIDs []string, note string) (*store.Correction, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.await(); err != nil {
		return nil, err
	}
	if len(eventIDs) < 2 {
		return nil, badCorrection("name at least two events to merge")
	}
	if err := p.recall(ctx, eventIDs); err != nil {
		return nil, err
	}
	var evs []*cluster.Event
	seen := map[string]bool{}
	for _, id := range eventIDs {
		e := p.c.Events[id]
		if e == nil || e.N == 0 {
			return nil, fmt.Errorf("event %q: %w", id, store.ErrNotFound)
		}
		if seen[id] {
			return nil, badCorrection("event %s named twice", id)
		}
		seen[id] = true
		evs = append(evs, e)
	}
	into := evs[0]
	c := &store.Correction{Kind: store.CorrectionMerge, EventID: into.ID, Note: note}
	b := p.correctionBatch(c, nil)
	for _, e := range evs[1:] {
		arts, err := p.st.Articles(ctx, store.ArticleFilter{EventID: e.ID})
		if err != nil {
			return nil, p.failed(err) // events before e are folded already
		}
		for _, a := range arts {
			b.Moves[a.ID] = into.ID
		}
		into.C.AddCentroid(e.C)
		into.N += e.N
		for l, n := range e.Langs {
			into.Langs[l] += n
		}
		into.DateSum += e.DateSum
		into.DateN += e.DateN
		if !e.Min.IsZero() && (into.Min.IsZero() || e.Min.Before(into.Min)) {
			into.Min = e.Min
		}
		if e.Max.After(into.Max) {
			into.Max = e.Max
		}
		for k, l := range e.Labels {
			if _, ok := into.Labels[k]; !ok {
				into.Labels[k] = l
			}
		}
		for id := range e.Blocked {
			if into.Blocked == nil {
				into.Blocked = map[string]bool{}
			}
			into.Blocked[id] = true
		}
		// The folded event keeps its row, empty, so its id stays known.
		e.C = cluster.NewCentroid()
		e.N, e.DateSum, e.DateN = 0, 0, 0
		e.Langs = map[string]int{}
		if s := p.c.Stories[e.StoryID]; s != nil {
			s.Events = slices.DeleteFunc(s.Events, func(x *cluster.Event) bool { return x == e })
		}
		c.Events = append(c.Events, e.ID)
	}
	b.Events = evs
	for _, e := range evs {
		b.Labels[e.ID] = Label(p.c, e.C, e.Labels, 4)
	}
	p.c.Reindex(into)
	if err := p.st.Commit(ctx, b); err != nil {
		return nil, p.failed(fmt.Errorf("store merge: %w", err))
	}
	clean(b)
	return c, nil
}

// recall reads back from the store the named events that are no longer
// in memory (evicted: older than the clustering window), so that a
// correction may name any stored event.
func (p *Pipeline) recall(ctx context.Context, ids []string) error {
	var missing []string
	for _, id := range ids {
		if p.c.Events[id] == nil {
			missing = append(missing, id)
		}
	}
	el, ok := p.st.(store.EventLoader)
	if len(missing) == 0 || !ok {
		return nil
	}
	if err := p.await(); err != nil { // the events may be in the batch being committed
		return err
	}
	evs, err := el.ClusterEvents(ctx, missing)
	if err != nil {
		return fmt.Errorf("load events: %w", err)
	}
	p.c.Recall(evs)
	return nil
}

// correctionBatch starts the batch that stores a correction.
func (p *Pipeline) correctionBatch(c *store.Correction, evs []*cluster.Event) *store.Batch {
	b := &store.Batch{
		Labels:     map[string]string{},
		Links:      map[string]cluster.StoryLink{},
		Moves:      map[string]string{},
		Correction: c,
	}
	for _, e := range evs {
		b.Events = append(b.Events, e)
		b.Labels[e.ID] = Label(p.c, e.C, e.Labels, 4)
	}
	return b
}

// rebuild recomputes an event from the stored articles that now belong
// to it.
func rebuild(c *cluster.Clusterer, e *cluster.Event, arts []store.Article) {
	docs := make([]*cluster.Doc, 0, len(arts))
	for i := range arts {
		a := &arts[i]
		in := article.Article{ID: a.ID, Title: a.Title, Text: a.Text, Lang: a.Lang}
		if a.DateSource == article.DateHeader || a.DateSource == article.DateText {
			in.Date = store.ParseDay(a.Date)
			in.DateSource = a.DateSource
		}
		_, doc := features.Extract(&in)
		docs = append(docs, doc)
	}
	c.Rebuild(e, docs)
}

// clean marks a stored batch's events as stored.
func clean(b *store.Batch) {
	for _, e := range b.Events {
		e.Dirty, e.MembersStored = false, true
	}
}
