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

// openSQLite opens a pipeline on a fresh SQLite store.
func openSQLite(t *testing.T) (*store.SQL, *Pipeline) {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p, err := Open(context.Background(), st, cluster.DefaultWeights())
	if err != nil {
		t.Fatal(err)
	}
	return st, p
}

// TestEvictedEventsStayCorrectable: events that fell out of the window
// leave memory but stay in the store, and a correction naming one reads
// it back.
func TestEvictedEventsStayCorrectable(t *testing.T) {
	ctx := context.Background()
	st, p := openSQLite(t)
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

// wholeStore hides a store's RecentLoader: Open then reads the whole state.
type wholeStore struct{ store.Store }

// TestOpenReadsRecentState checks that a pipeline opened on a store
// spanning months reads only the recent events, and holds in memory
// exactly the events, stories, newest date and counts the writer held,
// so that the next batch is clustered alike.
func TestOpenReadsRecentState(t *testing.T) {
	ctx := context.Background()
	st, p := openSQLite(t)
	noReject := func(e *article.InputError) { t.Errorf("rejected: %v", e) }
	// One event a week for a year, each reported three times.
	start := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	cities := []string{"Valencia", "Bergen", "Lyon", "Porto", "Graz", "Turku", "Brno", "Split", "Cork", "Gdansk", "Malmo", "Ghent", "Bari"}
	var arts []article.Article
	for w := range 52 {
		city := cities[w%len(cities)]
		for i := range 3 {
			arts = append(arts, article.Article{
				ID: fmt.Sprintf("w%02d-%d", w, i), Lang: "en", Title: fmt.Sprintf("Storm hits %s, week %d", city, w),
				Text: fmt.Sprintf("A storm struck %s on Monday; %d homes lost power, the mayor of %s said.", city, 1000+w*37, city),
				Date: start.AddDate(0, 0, 7*w+i%2), DateSource: article.DateHeader,
			})
		}
	}
	// A batch a week, as a stream brings them. (A batch spanning months
	// would keep its earlier events longer: an event counts as recent
	// from the newest date when it last changed, which the store does not
	// keep.)
	for i := 0; i < len(arts); i += 3 {
		if _, err := p.Ingest(ctx, arts[i:min(len(arts), i+3)], noReject); err != nil {
			t.Fatal(err)
		}
	}

	// What the writer holds after its last batch is what a new one must
	// read back.
	recent, err := Open(ctx, st, cluster.DefaultWeights())
	if err != nil {
		t.Fatal(err)
	}
	_, events, _, _ := st.Counts(ctx)
	keepEv, keepSt := cluster.DefaultWeights().Keep()
	read, err := st.LoadRecentState(ctx, keepEv, keepSt)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(read.Events); n == 0 || n >= events/4 {
		t.Errorf("the store read %d of %d events, want a few weeks' worth", n, events)
	}
	got, want := recent.Clusterer().Events, p.Clusterer().Events
	for id := range want {
		if got[id] == nil {
			t.Errorf("event %s held by the writer but not read as recent", id)
		}
	}
	for id := range got {
		if want[id] == nil {
			t.Errorf("event %s read as recent but evicted by the writer", id)
		}
	}
	if g, w := len(recent.Clusterer().Stories), len(p.Clusterer().Stories); g != w {
		t.Errorf("recent state holds %d stories, the writer %d", g, w)
	}
	if g, w := recent.Clusterer().Newest, p.Clusterer().Newest; !g.Equal(w) {
		t.Errorf("newest date %v, the writer's %v", g, w)
	}
	for k, n := range recent.Clusterer().DF {
		if w := p.Clusterer().DF[k]; w != n {
			t.Errorf("document frequency of %s read as %d, the writer's %d", k, n, w)
		}
	}
	for id, e := range got {
		for k := range e.C.W {
			if _, ok := recent.Clusterer().DF[k]; !ok {
				t.Errorf("key %s of event %s read without its document frequency", k, id)
			}
		}
	}
	// A store without RecentLoader is read whole and evicted on opening.
	whole, err := Open(ctx, wholeStore{st}, cluster.DefaultWeights())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(whole.Clusterer().Events); n == 0 || n >= events/2 {
		t.Errorf("whole read keeps %d of %d events after eviction", n, events)
	}
}
