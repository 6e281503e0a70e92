package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"storyline/internal/cluster"
)

// PostgresTestDSN returns a DSN for a fresh, empty schema on the server
// named by STORYLINE_TEST_PG, dropped when the test ends. Without the
// variable the test is skipped, except in CI (CI=true), where a missing
// server is a failure.
func postgresTestDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv("STORYLINE_TEST_PG")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("STORYLINE_TEST_PG is not set; CI must run the PostgreSQL tests")
		}
		t.Skip("STORYLINE_TEST_PG is not set; skipping PostgreSQL")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create test schema on %s: %v", redact(base), err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// forEachStore runs a test against a fresh SQLite store and a fresh
// PostgreSQL store.
func forEachStore(t *testing.T, fn func(t *testing.T, s *SQL)) {
	t.Run("sqlite", func(t *testing.T) {
		s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "test.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		fn(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := postgresTestDSN(t)
		st, err := Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		fn(t, st.(*SQL))
	})
}

func vec(kv ...any) cluster.Vector {
	var v cluster.Vector
	for i := 0; i < len(kv); i += 2 {
		v = append(v, cluster.Entry{Key: cluster.KeyOf(kv[i].(string)), Weight: float32(kv[i+1].(float64))})
	}
	return v.Sort()
}

// dfBatch is a batch's document frequencies: "key", count pairs, English.
func dfBatch(ndocs int, kv ...any) *cluster.DFBatch {
	b := &cluster.DFBatch{NDocs: ndocs}
	for i := 0; i < len(kv); i += 2 {
		b.Keys = append(b.Keys, cluster.KeyCount{Key: cluster.KeyOf(kv[i].(string)), N: int32(kv[i+1].(int)), Lang: cluster.LangOf("en")})
	}
	slices.SortFunc(b.Keys, func(x, y cluster.KeyCount) int { return cmp.Compare(x.Key, y.Key) })
	return b
}

// counts sums a state's document frequencies as a clusterer does.
func counts(st *State) *cluster.Clusterer {
	c := cluster.New(cluster.DefaultWeights())
	c.AddBatches(st.DF)
	return c
}

// df is the count of a key in counts.
func df(c *cluster.Clusterer, key string) int { return int(c.DF[cluster.KeyOf(key)].N) }

func event(id, story string, n int, min, max string, v cluster.Vector) *cluster.Event {
	c := cluster.NewCentroid()
	c.Add(v, 1)
	return &cluster.Event{ID: id, StoryID: story, C: c, N: n, Langs: map[string]int{"en": n},
		Labels: map[cluster.Key]string{cluster.KeyOf("n:drmb"): "Trump"}, Min: ParseDay(min), Max: ParseDay(max),
		DateSum: float64(ParseDay(min).Unix() / 86400), DateN: 1, Blocked: map[string]bool{}}
}

func story(id, min, max string, v cluster.Vector) *cluster.Story {
	c := cluster.NewCentroid()
	c.Add(v, 1)
	return &cluster.Story{ID: id, C: c, Min: ParseDay(min), Max: ParseDay(max)}
}

// sampleBatch is two events of one story, three articles, in two languages.
func sampleBatch() *Batch {
	v := vec("n:drmb", 2.0, "n:bdn", 1.5, "d:2025-10-20", 1.0)
	e1 := event("e_a1", "s_a1", 2, "2025-10-20", "2025-10-21", v)
	e1.Langs = map[string]int{"en": 1, "sq": 1}
	e1.Blocked = map[string]bool{"x9": true}
	e2 := event("e_a3", "s_a1", 1, "2025-10-25", "2025-10-25", vec("n:drmb", 1.0, "t:en:summit", 1.0))
	return &Batch{
		Articles: []Article{
			{ID: "a1", Hash: "h1", Title: "Trump meets Putin", Text: "Trump and Putin will meet in Budapest.", Lang: "en",
				Date: "2025-10-20", DateSource: "header", EventID: "e_a1", Score: 1,
				Features: `{"names":[{"key":"bdn","surface":"Putin","kind":"person","count":1},{"key":"drmb","surface":"Trump","kind":"person","count":2}]}`,
				Evidence: []cluster.Shared{{Key: "n:drmb", Label: "Trump", Contribution: 1}}},
			{ID: "a2", Hash: "h2", Title: "Trump takon Putinin", Text: "Trump dhe Putin takohen në Budapest.", Lang: "sq",
				Date: "2025-10-21", DateSource: "text", EventID: "e_a1", Score: 0.4,
				Features: `{"names":[{"key":"drmb","surface":"Trump","kind":"person","count":1}]}`},
			{ID: "a3", Hash: "h3", Title: "Summit", Text: "The summit was called off.", Lang: "en",
				Date: "2025-10-25", DateSource: "header", EventID: "e_a3", Score: 1, Features: "{}"},
		},
		Mentions: map[string][]Mention{
			"a1": {{Key: "drmb", Surface: "Trump", Kind: "person", Count: 2}, {Key: "bdn", Surface: "Putin", Kind: "person", Count: 1}},
			"a2": {{Key: "drmb", Surface: "Trump", Kind: "person", Count: 1}},
		},
		Events:  []*cluster.Event{e1, e2},
		Labels:  map[string]string{"e_a1": "Trump, Putin", "e_a3": "Trump"},
		Links:   map[string]cluster.StoryLink{"e_a3": {EventID: "e_a3", StoryID: "s_a1", Score: 0.3, Shared: []cluster.Shared{{Key: "n:drmb", Contribution: 1}}}},
		Stories: []*cluster.Story{story("s_a1", "2025-10-20", "2025-10-25", vec("n:drmb", 1.0))},
		SLabels: map[string]string{"s_a1": "Trump"},
		DF:      dfBatch(3, "n:drmb", 3, "n:bdn", 2, "d:2025-10-20", 2, "t:en:summit", 1),
	}
}

func TestMigrationsIdempotent(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *SQL) {
		ctx := context.Background()
		if err := s.migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		var v int
		if err := s.db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations WHERE version < 1000`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v != len(migrations) || !s.hasVersion(ctx, syncVersionBase+len(migrationsSync)) {
			t.Errorf("schema version %d, want %d", v, len(migrations))
		}
	})
}

func TestConcurrentOpenPostgres(t *testing.T) {
	dsn := postgresTestDSN(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := Open(context.Background(), dsn)
			if err == nil {
				st.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("opening an empty database from four processes at once: %v", err)
	}
}

func TestCommitAndRead(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *SQL) {
		ctx := context.Background()
		if err := s.Commit(ctx, sampleBatch()); err != nil {
			t.Fatal(err)
		}
		na, ne, ns, err := s.Counts(ctx)
		if err != nil || na != 3 || ne != 2 || ns != 1 {
			t.Fatalf("Counts = %d %d %d %v, want 3 2 1", na, ne, ns, err)
		}
		h, err := s.Hashes(ctx, []string{"a1", "a3", "nope"})
		if err != nil || len(h) != 2 || h["a1"] != "h1" || h["a3"] != "h3" {
			t.Fatalf("Hashes = %v %v", h, err)
		}
		a, err := s.Article(ctx, "a1")
		if err != nil {
			t.Fatal(err)
		}
		if a.StoryID != "s_a1" || a.EventID != "e_a1" || a.Title != "Trump meets Putin" || len(a.Mentions) != 2 ||
			a.Mentions[0].Surface != "Trump" || len(a.Evidence) != 1 || a.Evidence[0].Label != "Trump" {
			t.Errorf("Article = %+v", a)
		}
		if _, err := s.Article(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Article(nope) err = %v, want ErrNotFound", err)
		}
		arts, err := s.Articles(ctx, ArticleFilter{EventID: "e_a1"})
		if err != nil || len(arts) != 2 || arts[0].ID != "a1" || arts[1].ID != "a2" {
			t.Fatalf("Articles(event) = %v %v", arts, err)
		}
		arts, err = s.Articles(ctx, ArticleFilter{StoryID: "s_a1", Limit: 1, Offset: 2})
		if err != nil || len(arts) != 1 || arts[0].ID != "a3" {
			t.Fatalf("Articles(story, page) = %v %v", arts, err)
		}
		arts, err = s.Articles(ctx, ArticleFilter{IDs: []string{"a3", "a2"}})
		if err != nil || len(arts) != 2 {
			t.Fatalf("Articles(ids) = %v %v", arts, err)
		}
		e, err := s.Event(ctx, "e_a1")
		if err != nil || e.Label != "Trump, Putin" || e.Articles != 2 || e.Langs["sq"] != 1 || e.MinDate != "2025-10-20" {
			t.Fatalf("Event = %+v %v", e, err)
		}
		if _, err := s.Event(ctx, "e_zz"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Event(e_zz) err = %v", err)
		}
		for _, c := range []struct {
			f    EventFilter
			want int
		}{
			{EventFilter{}, 2},
			{EventFilter{StoryID: "s_a1"}, 2},
			{EventFilter{Lang: "sq"}, 1},
			{EventFilter{Since: "2025-10-22"}, 1},
			{EventFilter{Until: "2025-10-22"}, 1},
			{EventFilter{Limit: 1, Offset: 1}, 1},
		} {
			evs, err := s.Events(ctx, c.f)
			if err != nil || len(evs) != c.want {
				t.Errorf("Events(%+v) = %d events, %v; want %d", c.f, len(evs), err, c.want)
			}
		}
		evs, _ := s.Events(ctx, EventFilter{StoryID: "s_a1"})
		if len(evs) == 2 && (evs[1].ID != "e_a3" || evs[1].StoryScore != 0.3 || len(evs[1].StoryEvidence) != 1) {
			t.Errorf("story link of e_a3 = %+v", evs[1])
		}
		st, err := s.Story(ctx, "s_a1")
		if err != nil || st.Events != 2 || st.Articles != 3 || st.Langs["en"] != 2 || st.Label != "Trump" {
			t.Fatalf("Story = %+v %v", st, err)
		}
		if _, err := s.Story(ctx, "s_zz"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Story(s_zz) err = %v", err)
		}
		sts, err := s.Stories(ctx)
		if err != nil || len(sts) != 1 {
			t.Fatalf("Stories = %v %v", sts, err)
		}
		men, err := s.MentionsOf(ctx, "e_a1")
		if err != nil || len(men["a1"]) != 2 || len(men["a2"]) != 1 {
			t.Fatalf("MentionsOf = %v %v", men, err)
		}
	})
}

func TestRecommitKeepsArticlesAndStoryLinks(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *SQL) {
		ctx := context.Background()
		if err := s.Commit(ctx, sampleBatch()); err != nil {
			t.Fatal(err)
		}
		// A second batch changes e_a3 (one more member) without re-linking
		// it: its story link is kept; a re-sent article is not duplicated.
		b := sampleBatch()
		b.Articles = b.Articles[2:]
		b.Articles[0].Title = "changed"
		b.Events = b.Events[1:]
		b.Events[0].N = 2
		b.Links = nil
		b.DF = dfBatch(4, "n:drmb", 1)
		if err := s.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
		a, err := s.Article(ctx, "a3")
		if err != nil || a.Title != "Summit" {
			t.Errorf("re-sent article overwrote the stored one: %+v %v", a, err)
		}
		e, err := s.Event(ctx, "e_a3")
		if err != nil || e.Articles != 2 || e.StoryScore != 0.3 || len(e.StoryEvidence) != 1 {
			t.Errorf("Event after update = %+v %v", e, err)
		}
		n, _, _, _ := s.Counts(ctx)
		if n != 3 {
			t.Errorf("%d articles, want 3", n)
		}
	})
}

func TestLoadStateAndChanges(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *SQL) {
		ctx := context.Background()
		st, err := s.LoadState(ctx)
		if err != nil || len(st.Events) != 0 || st.Version != 0 || len(st.DF) != 0 {
			t.Fatalf("empty state = %+v %v", st, err)
		}
		b := sampleBatch()
		if err := s.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
		if b.Version != 1 {
			t.Errorf("first commit version %d, want 1", b.Version)
		}
		st, err = s.LoadState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c := counts(st); st.Version != 1 || c.NDocs != 3 || len(st.Events) != 2 || len(st.Stories) != 1 || df(c, "n:drmb") != 3 ||
			len(st.DF) != 1 || st.DF[0].Ver != 1 {
			t.Fatalf("state = version %d, ndocs %d, %d events, %d stories, df %v", st.Version, c.NDocs, len(st.Events), len(st.Stories), c.DF)
		}
		e := st.Events[0]
		if e.ID != "e_a1" || e.StoryID != "s_a1" || e.N != 2 || e.Langs["sq"] != 1 || !e.Blocked["x9"] ||
			e.C.W[cluster.KeyOf("n:drmb")] != 2 || e.C.W[cluster.KeyOf("n:bdn")] != 1.5 || Day(e.Min) != "2025-10-20" || Day(e.Max) != "2025-10-21" ||
			e.Labels[cluster.KeyOf("n:drmb")] != "Trump" {
			t.Errorf("event = %+v", e)
		}
		if got := st.Stories[0]; got.ID != "s_a1" || got.C.W[cluster.KeyOf("n:drmb")] != 1 || Day(got.Max) != "2025-10-25" {
			t.Errorf("story = %+v", got)
		}

		// A second commit touching one event, one key: Changes since 1
		// returns only that.
		b2 := &Batch{
			Events: []*cluster.Event{event("e_a3", "s_a1", 2, "2025-10-25", "2025-10-26", vec("n:drmb", 2.0))},
			DF:     dfBatch(1, "n:drmb", 1, "n:new", 1),
		}
		if err := s.Commit(ctx, b2); err != nil {
			t.Fatal(err)
		}
		ch, err := s.Changes(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		// The document frequencies come as the batch's own counts.
		if c := counts(ch); ch.Version != 2 || c.NDocs != 1 || len(ch.Events) != 1 || ch.Events[0].ID != "e_a3" || ch.Events[0].N != 2 ||
			len(ch.Stories) != 0 || len(ch.DF) != 1 || ch.DF[0].Ver != 2 || df(c, "n:drmb") != 1 || df(c, "n:new") != 1 {
			t.Errorf("Changes(1) = version %d, ndocs %d, events %v, stories %d, df %v", ch.Version, c.NDocs, len(ch.Events), len(ch.Stories), c.DF)
		}
		ch, err = s.Changes(ctx, 2)
		if err != nil || len(ch.Events)+len(ch.Stories)+len(ch.DF) != 0 || ch.Version != 2 {
			t.Errorf("Changes(2) = %+v %v, want nothing", ch, err)
		}
	})
}

func TestCommitIsAtomic(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *SQL) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := s.Commit(ctx, sampleBatch()); err == nil {
			t.Fatal("commit with a cancelled context succeeded")
		}
		n, ne, _, err := s.Counts(context.Background())
		if err != nil || n != 0 || ne != 0 {
			t.Errorf("after a failed commit: %d articles, %d events, %v", n, ne, err)
		}
	})
}

func TestClusteringLock(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *SQL) {
		ctx := context.Background()
		unlock, err := s.LockClustering(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !s.d.lockable {
			unlock()
			return
		}
		got := make(chan time.Time, 1)
		go func() {
			u2, err := s.LockClustering(ctx)
			if err != nil {
				t.Error(err)
				got <- time.Now()
				return
			}
			got <- time.Now()
			u2()
		}()
		time.Sleep(200 * time.Millisecond)
		released := time.Now()
		unlock()
		if at := <-got; at.Before(released) {
			t.Error("a second writer took the clustering lock while the first held it")
		}
		// A cancelled wait returns an error instead of hanging.
		unlock, err = s.LockClustering(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
		cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		if u, err := s.LockClustering(cctx); err == nil {
			u()
			t.Error("LockClustering succeeded while the lock was held")
		}
	})
}

func TestRedact(t *testing.T) {
	if got := redact("postgres://u:secret@h:5432/db"); got != "postgres://u:***@h:5432/db" {
		t.Errorf("redact = %q", got)
	}
}

func (s *SQL) hasVersion(ctx context.Context, v int) bool {
	var n int
	s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), v).Scan(&n)
	return n == 1
}

// TestLoadRecentState commits an old story and a recent one, each with an
// event, and an undated event, and checks that LoadRecentState reads the
// recent and the undated events, the story of each, and every document
// frequency, but not the old event.
func TestLoadRecentState(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *SQL) {
		ctx := context.Background()
		b := sampleBatch() // October 2025, story s_a1
		if err := s.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
		var arts []Article
		for i := range 5 {
			arts = append(arts, Article{ID: fmt.Sprintf("m%d", i), Hash: "h", Text: "x", Lang: "en",
				Date: "2026-03-02", DateSource: "header", EventID: "e_m0", Features: "{}"})
		}
		arts = append(arts, Article{ID: "u0", Hash: "h", Text: "y", Lang: "en", EventID: "e_u0", Features: "{}"})
		undated := event("e_u0", "s_u0", 1, "", "", vec("n:zz", 1.0))
		undated.DateN = 0
		undated.Touched = ParseDay("2026-03-01")
		// An undated event that last changed in October is not read.
		stale := event("e_u1", "s_u1", 1, "", "", vec("n:yy", 1.0))
		stale.DateN, stale.Touched = 0, ParseDay("2025-10-21")
		// An October event that gained an article in March is read: the
		// writer kept it in memory.
		late := event("e_t0", "s_a1", 2, "2025-10-19", "2025-10-19", vec("n:ww", 1.0))
		late.Touched = ParseDay("2026-03-02")
		b2 := &Batch{
			Articles: arts,
			Events:   []*cluster.Event{event("e_m0", "s_m0", 5, "2026-03-02", "2026-03-02", vec("n:drmb", 1.0)), undated, stale, late},
			Stories: []*cluster.Story{story("s_m0", "2026-03-02", "2026-03-02", vec("n:drmb", 1.0)), story("s_u0", "", "", vec("n:zz", 1.0)),
				story("s_u1", "", "", vec("n:yy", 1.0))},
			Links: map[string]cluster.StoryLink{},
			DF:    dfBatch(6, "n:drmb", 5, "n:zz", 1),
		}
		if err := s.Commit(ctx, b2); err != nil {
			t.Fatal(err)
		}
		day := 24 * time.Hour
		st, err := s.LoadRecentState(ctx, 30*day, 60*day)
		if err != nil {
			t.Fatal(err)
		}
		var evs, sts []string
		for _, e := range st.Events {
			evs = append(evs, e.ID)
		}
		for _, x := range st.Stories {
			sts = append(sts, x.ID)
		}
		slices.Sort(evs)
		slices.Sort(sts)
		if !slices.Equal(evs, []string{"e_m0", "e_t0", "e_u0"}) || !slices.Equal(sts, []string{"s_a1", "s_m0", "s_u0"}) {
			t.Errorf("recent events %v, stories %v; want [e_m0 e_t0 e_u0], [s_a1 s_m0 s_u0]", evs, sts)
		}
		for _, e := range st.Events {
			if e.ID == "e_u0" && Day(e.Touched) != "2026-03-01" {
				t.Errorf("e_u0 read back as last changed on %q, want 2026-03-01", Day(e.Touched))
			}
		}
		// Every batch of the window (here: all), whatever its events.
		if c := counts(st); df(c, "n:drmb") != 8 || df(c, "d:2025-10-20") != 2 || df(c, "n:zz") != 1 || df(c, "t:en:summit") != 1 || c.NDocs != 9 {
			t.Errorf("document frequencies %v, %d documents", c.DF, c.NDocs)
		}
		if len(st.Recent) != 8 || Day(st.Recent[len(st.Recent)-1]) != "2026-03-02" || Day(st.Recent[0]) != "2025-10-20" {
			t.Errorf("recent dates %v, want the 8 dated articles, oldest first", st.Recent)
		}
		// A story window reaching back to October reads the old story
		// too (its events stay out).
		st, err = s.LoadRecentState(ctx, 30*day, 200*day)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Stories) != 3 || len(st.Events) != 3 {
			t.Errorf("with a long story window: %d stories, %d events; want 3 (not s_u1: undated, its event stale), 3", len(st.Stories), len(st.Events))
		}
	})
}
