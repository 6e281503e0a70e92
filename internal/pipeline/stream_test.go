package pipeline_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"storyline/internal/article"
	"storyline/internal/cluster"
	"storyline/internal/eval"
	"storyline/internal/pipeline"
	"storyline/internal/store"
)

// devArticles returns the first n articles of the dev corpus.
func devArticles(t *testing.T, n int) []article.Article {
	t.Helper()
	arts, _, err := eval.ReadGold(filepath.Join(corpus, "dev", "dev.jsonl"))
	if err != nil {
		t.Fatalf("dev corpus (CI needs ../shared beside the repository): %v", err)
	}
	return arts[:min(n, len(arts))]
}

// TestStreamMatchesIngest checks that a stream, which extracts features
// and commits in the background, stores what the same batches given to
// Ingest one after another store: the same articles in the same events.
func TestStreamMatchesIngest(t *testing.T) {
	ctx := context.Background()
	arts := devArticles(t, 240)
	parts := batches(arts, 30)

	st1, p1 := openTemp(t)
	for _, b := range parts {
		if _, err := p1.Ingest(ctx, b, func(e *article.InputError) { t.Errorf("rejected: %v", e) }); err != nil {
			t.Fatal(err)
		}
	}

	st2, p2 := openTemp(t)
	var total pipeline.Result
	batchesDone := 0
	s := p2.NewStream(ctx, func(e *article.InputError) { t.Errorf("rejected: %v", e) }, func(r pipeline.Result) {
		total.Added += r.Added
		batchesDone++
	})
	for _, b := range parts {
		if err := s.Add(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if total.Added != len(arts) || batchesDone != len(parts) {
		t.Errorf("stream reported %d articles in %d batches, want %d in %d", total.Added, batchesDone, len(arts), len(parts))
	}
	want, got := eventsOf(t, st1), eventsOf(t, st2)
	if len(got) != len(want) {
		t.Fatalf("stream stored %d articles, Ingest %d", len(got), len(want))
	}
	for id, ev := range want {
		if got[id] != ev {
			t.Errorf("article %s: stream put it in %s, Ingest in %s", id, got[id], ev)
		}
	}
}

// TestStreamRepeatsAcrossBatches gives a stream an article again in the
// batch after the one that stored it — prepared while the first batch is
// still being committed — once unchanged and once with another text: the
// first is skipped, the second rejected, and neither is clustered twice.
func TestStreamRepeatsAcrossBatches(t *testing.T) {
	ctx := context.Background()
	arts := devArticles(t, 60)
	st, p := openTemp(t)
	first := arts[:30]
	again := arts[0]
	changed := arts[1]
	changed.Text += "\nA paragraph added later."
	second := append([]article.Article{again, changed}, arts[30:]...)

	var res pipeline.Result
	var rejected []string
	s := p.NewStream(ctx, func(e *article.InputError) { rejected = append(rejected, e.Error()) }, func(r pipeline.Result) {
		res.Added += r.Added
		res.Unchanged += r.Unchanged
		res.Rejected += r.Rejected
	})
	for _, b := range [][]article.Article{first, second} {
		if err := s.Add(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if res.Added != 60 || res.Unchanged != 1 || res.Rejected != 1 {
		t.Errorf("added %d, unchanged %d, rejected %d; want 60, 1, 1", res.Added, res.Unchanged, res.Rejected)
	}
	if len(rejected) != 1 || !strings.Contains(rejected[0], "duplicate id") {
		t.Errorf("rejections %q, want one duplicate id", rejected)
	}
	// The same batches given to Ingest one after the other.
	st1, p1 := openTemp(t)
	for _, b := range [][]article.Article{first, second} {
		if _, err := p1.Ingest(ctx, b, func(*article.InputError) {}); err != nil {
			t.Fatal(err)
		}
	}
	want, got := eventsOf(t, st1), eventsOf(t, st)
	if len(got) != 60 || len(want) != 60 {
		t.Errorf("stored %d articles (Ingest %d), want 60", len(got), len(want))
	}
	for id, ev := range want {
		if got[id] != ev {
			t.Errorf("article %s: stream put it in %s, Ingest in %s", id, got[id], ev)
		}
	}
	// An article clustered twice would be counted twice. (A wire copy
	// among the articles is not counted at all.)
	if n, n1 := p.Clusterer().NDocs, p1.Clusterer().NDocs; n != n1 {
		t.Errorf("documents counted: stream %d, Ingest %d", n, n1)
	}
}

// failingStore fails every commit after the first ok ones.
type failingStore struct {
	store.Store
	ok int
}

var errDiskFull = errors.New("disk full")

func (f *failingStore) Commit(ctx context.Context, b *store.Batch) error {
	if f.ok == 0 {
		return errDiskFull
	}
	f.ok--
	return f.Store.Commit(ctx, b)
}

// TestStreamCommitFailure checks that a commit failing in the background
// stops the stream with its error, that what was committed before stays
// stored, and that the pipeline then reads its clustering state from the
// store again (it held batches the store does not) and goes on working.
func TestStreamCommitFailure(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fs := &failingStore{Store: st, ok: 1}
	p, err := pipeline.Open(ctx, fs, cluster.DefaultWeights())
	if err != nil {
		t.Fatal(err)
	}
	arts := devArticles(t, 100)
	s := p.NewStream(ctx, func(e *article.InputError) { t.Errorf("rejected: %v", e) }, nil)
	var addErr error
	for _, b := range batches(arts[:80], 20) {
		if addErr = s.Add(b); addErr != nil {
			break
		}
	}
	closeErr := s.Close()
	if !errors.Is(closeErr, errDiskFull) {
		t.Fatalf("Close = %v, want the commit's error", closeErr)
	}
	if addErr != nil && !errors.Is(addErr, errDiskFull) {
		t.Errorf("Add = %v, want nil or the commit's error", addErr)
	}
	if n := len(eventsOf(t, st)); n != 20 {
		t.Errorf("stored %d articles, want the 20 of the first batch", n)
	}
	fresh, err := pipeline.Open(ctx, st, cluster.DefaultWeights())
	if err != nil {
		t.Fatal(err)
	}
	if n, want := p.Clusterer().NDocs, fresh.Clusterer().NDocs; n != want {
		t.Errorf("after the failure the pipeline counts %d documents, the store %d", n, want)
	}
	// The store works again: so does the pipeline.
	fs.ok = 100
	if _, err := p.Ingest(ctx, arts[20:40], func(e *article.InputError) { t.Errorf("rejected: %v", e) }); err != nil {
		t.Fatalf("Ingest after the failure: %v", err)
	}
	if n := len(eventsOf(t, st)); n != 40 {
		t.Errorf("stored %d articles, want 40", n)
	}
}

// TestStreamSeesAnotherWriter has a second pipeline on the same SQLite
// file (a server taking articles) write between the batches of a stream:
// the stream takes its batches in before clustering the next one, so its
// counts end equal to the store's and nothing it stored is lost.
func TestStreamSeesAnotherWriter(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.OpenSQLite(ctx, filepath.Join(dir, "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st2, err := store.OpenSQLite(ctx, filepath.Join(dir, "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	p, err := pipeline.Open(ctx, st, cluster.DefaultWeights())
	if err != nil {
		t.Fatal(err)
	}
	server, err := pipeline.Open(ctx, st2, cluster.DefaultWeights())
	if err != nil {
		t.Fatal(err)
	}
	arts := devArticles(t, 161)
	noReject := func(e *article.InputError) { t.Errorf("rejected: %v", e) }
	s := p.NewStream(ctx, noReject, nil)
	for i, b := range batches(arts[:120], 30) {
		if err := s.Add(b); err != nil {
			t.Fatal(err)
		}
		other := arts[120+10*i : 130+10*i]
		if _, err := server.Ingest(ctx, other, noReject); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(eventsOf(t, st)); n != 160 {
		t.Errorf("stored %d articles, want 160", n)
	}
	// The stream takes in what the server wrote before clustering its
	// next batch: one more article.
	if _, err := p.Ingest(ctx, arts[160:161], noReject); err != nil {
		t.Fatal(err)
	}
	fresh, err := pipeline.Open(ctx, st, cluster.DefaultWeights())
	if err != nil {
		t.Fatal(err)
	}
	if n, want := p.Clusterer().NDocs, fresh.Clusterer().NDocs; n != want {
		t.Errorf("the stream's pipeline counts %d documents, the store %d", n, want)
	}
	for id, e := range fresh.Clusterer().Events {
		if mine := p.Clusterer().Events[id]; mine != nil && mine.N != e.N {
			t.Errorf("event %s holds %d articles in the stream's pipeline, %d in the store", id, mine.N, e.N)
		}
	}
}
