package pipeline_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"storyline/internal/article"
	"storyline/internal/cluster"
	"storyline/internal/eval"
	"storyline/internal/pipeline"
	"storyline/internal/store"
)

const devCorpus = "../../../shared/corpus/dev/dev.jsonl"

// pgSchemaDSN returns a DSN for a fresh schema on STORYLINE_TEST_PG,
// skipping the test without one (failing it in CI).
func pgSchemaDSN(t *testing.T) string {
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
	schema := "p_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err == nil {
			db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
			db.Close()
		}
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

func batches(arts []article.Article, n int) [][]article.Article {
	var out [][]article.Article
	for i := 0; i < len(arts); i += n {
		out = append(out, arts[i:min(len(arts), i+n)])
	}
	return out
}

func eventsOf(t *testing.T, st store.Store) map[string]string {
	t.Helper()
	arts, err := st.Articles(context.Background(), store.ArticleFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, a := range arts {
		if _, dup := out[a.ID]; dup {
			t.Errorf("article %s stored twice", a.ID)
		}
		out[a.ID] = a.EventID
	}
	return out
}

// TestConcurrentWritersMatchOne ingests the dev corpus into one PostgreSQL
// database from two writers at once (each with its own connection pool,
// as two processes would have), with overlapping input and a reader
// polling throughout, and compares the events with a one-writer run of the
// same batches in the order the writers committed them. (Online
// clustering depends on the order batches arrive in; which writer
// commits first is up to the scheduler, and the run of the batches in
// input order is reported for information.)
func TestConcurrentWritersMatchOne(t *testing.T) {
	if _, err := os.Stat(devCorpus); err != nil {
		t.Skipf("dev corpus not found: %v", err)
	}
	arts, _, err := eval.ReadGold(devCorpus)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	w := cluster.DefaultWeights()
	reject := func(e *article.InputError) { t.Errorf("rejected: %v", e) }
	const batchSize = 20

	// Two writers, batches dealt alternately, each also re-sending the
	// other's first batch; a reader polls meanwhile.
	dsn := pgSchemaDSN(t)
	bs := batches(arts, batchSize)
	var wg sync.WaitGroup
	added := make([]int, 2)
	for wk := range 2 {
		st, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		p, err := pipeline.Open(ctx, st, w)
		if err != nil {
			t.Fatal(err)
		}
		mine := [][]article.Article{bs[1-wk]}
		for i := wk; i < len(bs); i += 2 {
			mine = append(mine, bs[i])
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, b := range mine {
				r, err := p.Ingest(ctx, b, reject)
				if err != nil {
					t.Error(err)
					return
				}
				added[wk] += r.Added
			}
		}()
	}
	done := make(chan struct{})
	writersDone := make(chan struct{})
	var readerErr error
	go func() {
		defer close(done)
		st, err := store.Open(ctx, dsn)
		if err != nil {
			readerErr = err
			return
		}
		defer st.Close()
		for {
			if _, _, _, err := st.Counts(ctx); err != nil {
				readerErr = err
				return
			}
			if _, err := st.Events(ctx, store.EventFilter{Limit: 50}); err != nil {
				readerErr = err
				return
			}
			select {
			case <-writersDone:
				// The writers are through; had one failed, the count
				// below would never be reached.
				return
			case <-time.After(20 * time.Millisecond):
			}
			if n, _, _, _ := st.Counts(ctx); n == len(arts) {
				return
			}
		}
	}()
	wg.Wait()
	close(writersDone)
	<-done
	if readerErr != nil {
		t.Errorf("reader: %v", readerErr)
	}
	if added[0]+added[1] != len(arts) {
		t.Errorf("writers added %d+%d articles, want %d in all", added[0], added[1], len(arts))
	}
	two, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer two.Close()
	got := eventsOf(t, two)
	if len(got) != len(arts) {
		t.Errorf("%d articles stored, want %d", len(got), len(arts))
	}

	// The order the batches were committed in, from the arrival order.
	stored, err := two.Articles(ctx, store.ArticleFilter{})
	if err != nil {
		t.Fatal(err)
	}
	batchOf := map[string]int{}
	for i, b := range bs {
		for _, a := range b {
			batchOf[a.ID] = i
		}
	}
	var order [][]article.Article
	seen := map[int]bool{}
	for _, a := range stored {
		if i := batchOf[a.ID]; !seen[i] {
			seen[i] = true
			order = append(order, bs[i])
		}
	}
	oneRun := func(order [][]article.Article) (store.Store, map[string]string) {
		st, err := store.Open(ctx, pgSchemaDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		p, err := pipeline.Open(ctx, st, w)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range order {
			if _, err := p.Ingest(ctx, b, reject); err != nil {
				t.Fatal(err)
			}
		}
		return st, eventsOf(t, st)
	}
	one, want := oneRun(order)
	_, inOrder := oneRun(bs)
	io := eval.Score(got, inOrder, nil)
	t.Logf("two writers vs one writer in input order: BCubed F1 %.3f (order effect of the clusterer)", io.F1)
	s := eval.Score(got, want, nil)
	t.Logf("two writers vs one: BCubed P %.3f R %.3f F1 %.3f", s.Precision, s.Recall, s.F1)
	if s.F1 < 0.98 {
		t.Errorf("two writers vs one: BCubed F1 %.3f, want ≥ 0.98", s.F1)
	}
	// The shared state must be what one process would have stored: the
	// document counts add up exactly.
	a, err := one.LoadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := two.LoadState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	da, db := sumDF(a.DF), sumDF(b.DF)
	if da.NDocs != db.NDocs || len(da.DF) != len(db.DF) {
		t.Errorf("state differs: ndocs %d vs %d, %d vs %d keys", da.NDocs, db.NDocs, len(da.DF), len(db.DF))
	}
	for k, n := range da.DF {
		if db.DF[k] != n {
			t.Errorf("df[%v] = %+v with two writers, %+v with one", k, db.DF[k], n)
			break
		}
	}
}

// sumDF counts stored batches of document frequencies as a clusterer does.
func sumDF(batches []*cluster.DFBatch) *cluster.Clusterer {
	c := cluster.New(cluster.DefaultWeights())
	c.AddBatches(batches)
	return c
}
