package cluster

// Merge brings the clustering state up to date with stories and events
// that another process committed to a shared store. Known stories and
// events are updated in place, so that the index and the stories' event
// lists keep pointing at them, and the keys they gained are indexed; new
// ones are added and indexed. batches are the document frequencies the
// other writers' batches added (AddBatches). Stories must come complete
// (as stored); their Events lists are rebuilt here.
func (c *Clusterer) Merge(stories []*Story, events []*Event, batches []*DFBatch) {
	c.AddBatches(batches)
	for _, s := range stories {
		old := c.Stories[s.ID]
		if old == nil {
			s.Events = nil
			c.Stories[s.ID] = s
			c.indexStory(s)
			continue
		}
		for k := range s.C.W {
			if _, ok := old.C.W[k]; ok || !k.IsName() {
				continue
			}
			list := c.storyPostings[k]
			if len(list) >= maxPostings {
				list = list[1:]
			}
			c.storyPostings[k] = append(list, old)
		}
		old.C, old.Min, old.Max, old.Dirty = s.C, s.Min, s.Max, false
	}
	for _, e := range events {
		c.noteDate(e.Max)
		e.Touched = c.Newest
		old := c.Events[e.ID]
		if old == nil {
			e.Dirty = false
			c.Events[e.ID] = e
			c.index(e, nil)
			if s := c.Stories[e.StoryID]; s != nil {
				s.Events = append(s.Events, e)
			}
			continue
		}
		fresh := []Key{}
		for k := range e.C.W {
			if _, ok := old.C.W[k]; !ok {
				fresh = append(fresh, k)
			}
		}
		prevStory := old.StoryID
		*old = *e
		old.Dirty = false
		c.changed(old)
		if prevStory != old.StoryID {
			if s := c.Stories[prevStory]; s != nil {
				for i, m := range s.Events {
					if m == old {
						s.Events = append(s.Events[:i], s.Events[i+1:]...)
						break
					}
				}
			}
			if s := c.Stories[old.StoryID]; s != nil {
				s.Events = append(s.Events, old)
			}
		}
		c.index(old, fresh)
	}
	// A stored story centroid speaks for all the story's events; the
	// base is what it holds beyond the events in memory here.
	for _, s := range stories {
		if cur := c.Stories[s.ID]; cur != nil {
			c.rebase(cur)
		}
	}
}
