package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"storyline/internal/article"
	"storyline/internal/cluster"
	"storyline/internal/store"
)

// TestEvictedEventsStayCorrectable: events that fell out of the window
// leave memory but stay in the store, and a correction naming one reads
// it back.
func TestEvictedEventsStayCorrectable(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, err := Open(ctx, st, cluster.DefaultWeights())
	if err != nil {
		t.Fatal(err)
	}
	noReject := func(e *article.InputError) { t.Errorf("rejected: %v", e) }
	jan := time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC)
	text := "Flooding in Valencia: the river Turia broke its banks on Tuesday and rescuers from Madrid evacuated 4,200 residents of Paterna."
	var old []article.Article
	for i := range 3 {
		old = append(old, article.Article{ID: fmt.Sprintf("old%d", i), Lang: "en", Title: "Valencia floods force 4,200 from homes",
			Text: text, Date: jan, DateSource: article.DateHeader})
	}
	if _, err := p.Ingest(ctx, old, noReject); err != nil {
		t.Fatal(err)
	}
	a, err := st.Article(ctx, "old0")
	if err != nil {
		t.Fatal(err)
	}
	evID := a.EventID
	var later []article.Article
	for i := range 10 {
		later = append(later, article.Article{ID: fmt.Sprintf("new%d", i), Lang: "en", Title: fmt.Sprintf("Election in Norway, district %d", i),
			Text: fmt.Sprintf("Voters in Bergen district %d chose a new council on Sunday, Oslo reported.", i),
			Date: jan.AddDate(0, 2, 0), DateSource: article.DateHeader})
	}
	if _, err := p.Ingest(ctx, later, noReject); err != nil {
		t.Fatal(err)
	}
	if p.Clusterer().Events[evID] != nil {
		t.Fatalf("event %s of January still in memory in March", evID)
	}
	var ids []string
	arts, _ := st.Articles(ctx, store.ArticleFilter{EventID: evID})
	for _, a := range arts {
		ids = append(ids, a.ID)
	}
	if len(ids) < 2 {
		t.Fatalf("the January articles did not form one event: %v", ids)
	}
	c, err := p.Split(ctx, evID, ids[:1], "test")
	if err != nil {
		t.Fatalf("split of an evicted event: %v", err)
	}
	moved, _ := st.Article(ctx, ids[0])
	if moved.EventID != c.NewEvent {
		t.Errorf("article %s is in %s, want %s", ids[0], moved.EventID, c.NewEvent)
	}
}
