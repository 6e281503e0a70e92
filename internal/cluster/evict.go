package cluster

import (
	"slices"
	"time"
)

// Eviction keeps the in-memory state of a long-running clusterer flat as
// the store grows. An article only meets events within WindowDays of its
// date and stories within StoryWindowDays, so once the newest date seen
// has moved on, old events and stories can never be candidates for a new
// dated article. Evict drops them from memory; they stay in the store
// (and in every reader). An undated article then only meets the events
// still in memory, and a late article (dated more than the window before
// the newest) no longer finds the events it might have joined: both are
// the price of a bounded memory.

// evictSlackDays is kept beyond the window before an event or story is
// dropped, so that articles arriving a little late still meet the events
// they belong to.
const evictSlackDays = 3

// RecentDates is how many of the latest article dates the clusterer
// keeps to tell where "now" is (exported for stores that read the recent
// state only: store.RecentLoader).
const RecentDates = 2048

// NewestQuantile is the share of recent article dates that the newest
// date may lie after: a few articles dated far ahead (a misread date, a
// text about next year) must not push every current event out of memory.
const NewestQuantile = 0.9

// noteDate records an article's (or a restored event's) date among the
// recent ones.
func (c *Clusterer) noteDate(t time.Time) {
	if t.IsZero() {
		return
	}
	n := dayNumber(t)
	if len(c.recent) < RecentDates {
		c.recent = append(c.recent, n)
		return
	}
	c.recent[c.recentPos] = n
	c.recentPos = (c.recentPos + 1) % RecentDates
}

// SetRecent gives a clusterer that is about to restore a state the dates
// of the latest articles stored, oldest first, from which it tells where
// "now" is (Restore otherwise takes its events' latest dates instead).
func (c *Clusterer) SetRecent(dates []time.Time) {
	c.recent, c.recentPos = nil, 0
	for _, d := range dates {
		c.noteDate(d)
	}
	c.advance()
}

// advance moves Newest forward to the NewestQuantile of the recent dates;
// it never moves back.
func (c *Clusterer) advance() {
	if len(c.recent) == 0 {
		return
	}
	d := slices.Clone(c.recent)
	slices.Sort(d)
	t := dayTime(d[int(float64(len(d)-1)*NewestQuantile)])
	if t.After(c.Newest) {
		c.Newest = t
	}
}

// Keep returns how far behind the newest date Evict keeps events and
// stories in memory.
func (w Weights) Keep() (events, stories time.Duration) {
	day := 24 * time.Hour
	return time.Duration(w.WindowDays+evictSlackDays) * day, time.Duration(w.StoryWindowDays+evictSlackDays) * day
}

// Evict drops from memory the events whose latest article (or, for an
// undated event, whose last change) lies more than the event window
// behind the newest date seen (Newest: nine tenths of the latest 2,048
// dated articles are not newer), and the stories whose span ends more than
// the story window behind it and that have no event left in memory. Dirty
// events and stories (not yet stored) are kept. A story keeps the story
// vectors of its evicted events in its base sum, so that its centroid
// still speaks for them. Evict returns how many events and stories it
// dropped.
func (c *Clusterer) Evict() (events, stories int) {
	c.advance()
	if c.Newest.IsZero() {
		return 0, 0
	}
	keepEv, keepSt := c.W.Keep()
	evCut, stCut := c.Newest.Add(-keepEv), c.Newest.Add(-keepSt)
	gone := map[*Event]bool{}
	for id, e := range c.Events {
		if e.Dirty {
			continue
		}
		last := e.Max
		if e.Touched.After(last) {
			last = e.Touched
		}
		if last.IsZero() || !last.Before(evCut) {
			continue
		}
		delete(c.Events, id)
		gone[e] = true
		if s := c.Stories[e.StoryID]; s != nil {
			if s.Base == nil {
				s.Base = NewCentroid()
			}
			s.Base.Add(c.storyVector(e), 1)
			if len(s.Base.W) > 4*centroidSize {
				s.Base.Trim(2 * centroidSize)
			}
			s.Events = slices.DeleteFunc(s.Events, func(x *Event) bool { return x == e })
		}
	}
	// Sweep the index of the evicted events and of those emptied since
	// the last sweep (merged into another, or retired singletons): an
	// emptied event matches no key, but its list entries would keep it,
	// its maps and its members alive.
	for k, p := range c.postings {
		p.events = slices.DeleteFunc(p.events, func(e *Event) bool { return c.Events[e.ID] != e })
		if len(p.events) == 0 {
			delete(c.postings, k)
		}
	}
	goneSt := map[*Story]bool{}
	for id, s := range c.Stories {
		if s.Dirty || len(s.Events) > 0 || s.Max.IsZero() || !s.Max.Before(stCut) {
			continue
		}
		delete(c.Stories, id)
		goneSt[s] = true
	}
	for k, list := range c.storyPostings {
		list = slices.DeleteFunc(list, func(s *Story) bool { return c.Stories[s.ID] != s })
		if len(list) == 0 {
			delete(c.storyPostings, k)
		} else {
			c.storyPostings[k] = list
		}
	}
	return len(gone), len(goneSt)
}

// rebase sets a story's base sum to what its stored centroid holds beyond
// the events in memory: a story read back from the store comes with only
// the events still in memory, and its centroid (as stored) speaks for the
// others.
func (c *Clusterer) rebase(s *Story) {
	base := NewCentroid()
	if s.C != nil {
		base.AddCentroid(s.C)
	}
	for _, e := range s.Events {
		base.Add(c.storyVector(e), -1)
	}
	for k, w := range base.W {
		if w <= 1e-3 {
			delete(base.W, k)
		}
	}
	if len(base.W) == 0 {
		s.Base = nil
		return
	}
	// Recompute the norms from what is left.
	s.Base = NewCentroid()
	s.Base.AddCentroid(base)
}

// Recall brings events read back from the store into memory again (a
// correction names an event evicted since). Their stories, when in
// memory, count them among their events again rather than in their base.
// Events already in memory are left as they are.
func (c *Clusterer) Recall(events []*Event) {
	stories := map[*Story]bool{}
	for _, e := range events {
		if c.Events[e.ID] != nil {
			continue
		}
		e.Dirty = false
		e.Touched = c.Newest
		c.Events[e.ID] = e
		c.index(e, nil)
		if s := c.Stories[e.StoryID]; s != nil {
			s.Events = append(s.Events, e)
			stories[s] = true
		}
	}
	for s := range stories {
		c.rebase(s)
	}
}
