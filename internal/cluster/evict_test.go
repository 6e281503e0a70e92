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
			v = append(v, Entry{KeyOf(k), 2})
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
	if s == nil || s.Base == nil || s.Base.W[KeyOf("p:city:Oslo")] == 0 {
		t.Fatalf("story of the evicted event lost its share: %+v", s)
	}
	for _, e := range s.Events {
		if e == old {
			t.Error("evicted event still listed in its story")
		}
	}
	before := s.C.W[KeyOf("p:city:Oslo")]
	c.refreshStory(s)
	if got := s.C.W[KeyOf("p:city:Oslo")]; got != before {
		t.Errorf("refresh after eviction changed the story centroid: %v -> %v", before, got)
	}
}

// TestDFWindow: document frequencies count the latest batches that hold
// the window's articles; the oldest leave with their counts and their
// languages, and a clusterer given the window's batches (a restart,
// another writer) counts the same.
func TestDFWindow(t *testing.T) {
	c := New(DefaultWeights())
	c.dfWindow = 10
	var stored []*DFBatch
	batch := func(n int, lang string) {
		var docs []*Doc
		for i := range n {
			id := fmt.Sprintf("b%d-%d", len(stored), i)
			docs = append(docs, &Doc{ID: id, Lang: lang, Date: day("2025-01-01"),
				Vec: Vector{{KeyOf("t:en:common"), 1}, {KeyOf(fmt.Sprintf("n:only%d", len(stored))), 1}}.Sort()})
		}
		c.Add(docs)
		d := c.TakeDelta()
		c.SetVersion(d, int64(len(stored)+1))
		stored = append(stored, d)
	}
	common, first := KeyOf("t:en:common"), KeyOf("n:only0")
	batch(4, "de")
	batch(4, "en")
	batch(4, "en")
	if c.NDocs != 12 || c.DF[common].N != 12 || c.DF[first].N != 4 || len(c.Window()) != 3 {
		t.Fatalf("within the window: ndocs %d, common %d, first %d, %d batches", c.NDocs, c.DF[common].N, c.DF[first].N, len(c.Window()))
	}
	if c.DF[common].Lang != LangMany || c.DF[first].Lang != LangOf("de") {
		t.Errorf("languages: common %d, first %d", c.DF[common].Lang, c.DF[first].Lang)
	}
	batch(4, "en") // 16 articles: the first batch leaves, 12 remain
	if c.NDocs != 12 || c.DF[common].N != 12 || len(c.Window()) != 3 || c.Window()[0].Ver != 2 {
		t.Fatalf("after the window moved: ndocs %d, common %d, %d batches from version %d", c.NDocs, c.DF[common].N, len(c.Window()), c.Window()[0].Ver)
	}
	if _, ok := c.DF[first]; ok {
		t.Error("a key of the batch that left kept its count")
	}
	// Only the German batch saw it in German: the English ones left
	// say English.
	if c.DF[common].Lang != LangOf("en") {
		t.Errorf("language of a key the window saw in English only: %d", c.DF[common].Lang)
	}
	// A batch the window holds is not counted again.
	c.AddBatches(stored[3:])
	if c.NDocs != 12 || c.DF[common].N != 12 {
		t.Errorf("a held batch counted twice: ndocs %d, common %d", c.NDocs, c.DF[common].N)
	}
	// A writer given the same batches counts the same.
	r := New(DefaultWeights())
	r.dfWindow = 10
	r.AddBatches(stored[1:])
	if r.NDocs != c.NDocs || len(r.DF) != len(c.DF) || r.DF[common] != c.DF[common] {
		t.Errorf("rebuilt window: ndocs %d keys %d common %+v; want %d %d %+v", r.NDocs, len(r.DF), r.DF[common], c.NDocs, len(c.DF), c.DF[common])
	}
}
