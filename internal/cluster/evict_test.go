package cluster

import (
	"fmt"
	"testing"
)

// TestEvict: once the newest date has moved more than the window past an
// event, the event leaves memory and the index; its story keeps the
// event's share of its centroid in the base sum; a later article of the
// same story still links to the story while it is in its window.
func TestEvict(t *testing.T) {
	c := New(DefaultWeights())
	doc := func(id, date string, keys ...string) *Doc {
		v := Vector{}
		for _, k := range keys {
			v = append(v, Entry{k, 2})
		}
		return &Doc{ID: id, Lang: "en", Date: day(date), Vec: v.Sort()}
	}
	c.Add([]*Doc{
		doc("a1", "2025-01-01", "n:alpha", "p:city:Oslo", "t:en:summit"),
		doc("a2", "2025-01-01", "n:alpha", "p:city:Oslo", "t:en:summit"),
	})
	old := c.Events["e_a1"]
	if old == nil || old.N != 2 {
		t.Fatalf("the first two articles should form one event: %+v", c.Events)
	}
	for _, e := range c.Events {
		e.Dirty = false
	}
	for _, s := range c.Stories {
		s.Dirty = false
	}
	if ne, _ := c.Evict(); ne != 0 {
		t.Fatalf("evicted %d events inside the window", ne)
	}
	// Newest follows most articles, not one: a single later article
	// does not move it.
	var feb []*Doc
	for _, id := range []string{"b1", "b2", "b3", "b4", "b5"} {
		feb = append(feb, doc(id, "2025-02-15", "n:beta", "p:city:Oslo", "t:en:storm"))
	}
	c.Add(feb)
	for _, e := range c.Events {
		e.Dirty = false
	}
	for _, s := range c.Stories {
		s.Dirty = false
	}
	ne, _ := c.Evict()
	if ne != 1 || c.Events["e_a1"] != nil {
		t.Fatalf("evicted %d events, want the January one", ne)
	}
	for k, list := range c.postings {
		for _, e := range list.events {
			if e == old {
				t.Errorf("evicted event still indexed under %s", k)
			}
		}
	}
	s := c.Stories[old.StoryID]
	if s == nil || s.Base == nil || s.Base.W["p:city:Oslo"] == 0 {
		t.Fatalf("story of the evicted event lost its share: %+v", s)
	}
	for _, e := range s.Events {
		if e == old {
			t.Error("evicted event still listed in its story")
		}
	}
	before := s.C.W["p:city:Oslo"]
	c.refreshStory(s)
	if got := s.C.W["p:city:Oslo"]; got != before {
		t.Errorf("refresh after eviction changed the story centroid: %v -> %v", before, got)
	}
}

// TestPruneDF: counts of keys seen once that no event in memory holds
// leave memory; the others stay.
func TestPruneDF(t *testing.T) {
	c := New(DefaultWeights())
	c.Add([]*Doc{{ID: "a", Lang: "en", Date: day("2025-01-01"), Vec: Vector{{"n:alpha", 1}, {"t:en:rare", 1}}}})
	for i := range pruneDFAbove {
		c.DF[fmt.Sprintf("t:en:w%d", i)] = 1
		c.KeyLang[fmt.Sprintf("t:en:w%d", i)] = "en"
	}
	c.DF["t:en:common"] = 5
	c.pruneDF()
	if _, ok := c.DF["t:en:w7"]; ok {
		t.Error("a key seen once, in no event in memory, kept its count")
	}
	if _, ok := c.KeyLang["t:en:w7"]; ok {
		t.Error("a pruned key kept its language")
	}
	if c.DF["t:en:common"] != 5 || c.DF["t:en:rare"] != 1 || c.KeyLang["t:en:rare"] == "" {
		t.Errorf("pruned too much: common %d, rare %d", c.DF["t:en:common"], c.DF["t:en:rare"])
	}
}
