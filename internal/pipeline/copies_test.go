package pipeline

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"storyline/internal/article"
	"storyline/internal/cluster"
	"storyline/internal/neardup"
	"storyline/internal/store"
)

func loadDev(t *testing.T, n int) []article.Article {
	t.Helper()
	f, err := os.Open("../../../shared/corpus/dev/dev.jsonl")
	if err != nil {
		t.Skipf("dev corpus not available: %v", err)
	}
	defer f.Close()
	var out []article.Article
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() && len(out) < n {
		var a article.Article
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// wireCopy is a as another outlet runs it: new id, new byline, one sentence
// changed.
func wireCopy(a article.Article, id string) article.Article {
	a.ID = id
	a.URL = "http://127.0.0.1/" + id
	a.Text = "By Wire Staff\n" + strings.Replace(a.Text, ".", ", officials said.", 1)
	return a
}

func TestCopies(t *testing.T) {
	dev := loadDev(t, 40)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	st, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Open(ctx, st, cluster.DefaultWeights())
	if err != nil {
		t.Fatal(err)
	}
	noReject := func(e *article.InputError) { t.Errorf("rejected: %v", e) }
	// Batch 1: 30 originals plus a copy of the first inside the same batch.
	b1 := append(append([]article.Article{}, dev[:30]...), wireCopy(dev[0], "copy-same-batch"))
	r, err := p.Ingest(ctx, b1, noReject)
	// The corpus itself holds a few syndicated copies (see neardup_test.go).
	if err != nil || r.Added != 31 || r.Copies < 1 {
		t.Fatalf("batch 1: %+v %v", r, err)
	}
	corpusCopies := r.Copies - 1
	orig, _ := st.Article(ctx, dev[0].ID)
	evBefore := *p.Clusterer().Events[orig.EventID]
	ndocs := p.Clusterer().NDocs
	// Batch 2: a copy of a stored article, and a copy of that copy.
	r, err = p.Ingest(ctx, []article.Article{wireCopy(dev[0], "copy-later"), wireCopy(wireCopy(dev[0], "x"), "copy-of-copy")}, noReject)
	if err != nil || r.Added != 2 || r.Copies != 2 {
		t.Fatalf("batch 2: %+v %v", r, err)
	}
	for _, id := range []string{"copy-same-batch", "copy-later", "copy-of-copy"} {
		a, err := st.Article(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if a.CopyOf != dev[0].ID || a.EventID != orig.EventID || a.CopySim < 0.62 {
			t.Errorf("%s: copy_of %q (sim %.2f) in %s; want copy of %s in %s", id, a.CopyOf, a.CopySim, a.EventID, dev[0].ID, orig.EventID)
		}
	}
	// Copies are counted once: the event's weight is untouched.
	ev := p.Clusterer().Events[orig.EventID]
	if ev.N != evBefore.N || len(ev.C.W) != len(evBefore.C.W) || p.Clusterer().NDocs != ndocs {
		t.Errorf("copies changed the event: N %d→%d, centroid %d→%d keys, NDocs %d→%d",
			evBefore.N, ev.N, len(evBefore.C.W), len(ev.C.W), ndocs, p.Clusterer().NDocs)
	}
	// Only the corpus's own copies are marked among its articles.
	marked := 0
	for _, a := range dev[:30] {
		if s, _ := st.Article(ctx, a.ID); s.CopyOf != "" {
			marked++
			t.Logf("corpus copy: %s of %s (%.2f)", a.ID, s.CopyOf, s.CopySim)
		}
	}
	if marked != corpusCopies {
		t.Errorf("%d corpus articles marked, %d counted", marked, corpusCopies)
	}
	st.Close()

	// After a restart the index is rebuilt from the stored signatures, and a
	// match on a stored copy still resolves to the first article.
	st, err = store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, err = Open(ctx, st, cluster.DefaultWeights())
	if err != nil {
		t.Fatal(err)
	}
	if n := p.copies.Len(); n != 33 {
		t.Errorf("rebuilt index holds %d articles, want 33", n)
	}
	again := wireCopy(wireCopy(wireCopy(dev[0], "x"), "y"), "after-restart")
	if r, err := p.Ingest(ctx, []article.Article{again}, noReject); err != nil || r.Copies != 1 {
		t.Fatalf("after restart: %+v %v", r, err)
	}
	if a, _ := st.Article(ctx, "after-restart"); a.CopyOf != dev[0].ID || a.EventID != orig.EventID {
		t.Errorf("after restart: copy_of %q in %s", a.CopyOf, a.EventID)
	}
	// The window bounds the rebuilt index.
	if err := p.SetCopyWindow(ctx, 10); err != nil || p.copies.Len() != 10 {
		t.Errorf("window 10: index holds %d (%v)", p.copies.Len(), err)
	}
}

// TestCopyIndexWindow feeds the index many more articles than its window:
// it must hold between the window and a quarter more, find a copy of a
// recent article, no longer find one of an article long gone, and forget
// the copy marks of the articles it dropped.
func TestCopyIndexWindow(t *testing.T) {
	dev := loadDev(t, 120)
	for _, window := range []int{1, 7, 20} {
		ci := newCopyIndex(window)
		for i, a := range dev {
			copyOf := ""
			if i%3 == 2 {
				copyOf = dev[i-1].ID
			}
			ci.add(a.ID, copyOf, neardup.Sketch(a.Text))
			if n := ci.Len(); n > window+max(1, window/4) || n < min(i+1, window) {
				t.Fatalf("window %d after %d articles: index holds %d", window, i+1, n)
			}
		}
		last := dev[len(dev)-1]
		if id, _, ok := ci.find(neardup.Sketch(last.Text + " ")); !ok || id != last.ID {
			t.Errorf("window %d: copy of the latest article found as %q (%v)", window, id, ok)
		}
		if id, _, ok := ci.find(neardup.Sketch(dev[0].Text)); ok && id == dev[0].ID {
			t.Errorf("window %d: the first article is still indexed", window)
		}
		if len(ci.origin) > ci.Len() {
			t.Errorf("window %d: %d copy marks for %d articles", window, len(ci.origin), ci.Len())
		}
		for id := range ci.origin {
			if _, _, ok := ci.find(neardup.Sketch(textOf(dev, id))); !ok {
				t.Errorf("window %d: copy mark kept for %s, which left the index", window, id)
			}
		}
	}
}

func textOf(arts []article.Article, id string) string {
	for _, a := range arts {
		if a.ID == id {
			return a.Text
		}
	}
	return ""
}

// TestCopiesOfAnotherWritersArticles runs two pipelines on one store (an
// ingest and a server taking articles): a copy of an article the other one
// stored is still caught, though only the other's index learnt it.
func TestCopiesOfAnotherWritersArticles(t *testing.T) {
	dev := loadDev(t, 12)
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	noReject := func(e *article.InputError) { t.Errorf("rejected: %v", e) }
	one, err := Open(ctx, st, cluster.DefaultWeights())
	if err != nil {
		t.Fatal(err)
	}
	two, err := Open(ctx, st, cluster.DefaultWeights())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := two.Ingest(ctx, dev[:5], noReject); err != nil {
		t.Fatal(err)
	}
	if _, err := one.Ingest(ctx, dev[5:10], noReject); err != nil {
		t.Fatal(err)
	}
	r, err := one.Ingest(ctx, []article.Article{wireCopy(dev[1], "copy-of-the-others")}, noReject)
	if err != nil || r.Copies != 1 {
		t.Fatalf("copy of an article the other pipeline stored: %+v %v", r, err)
	}
	if a, _ := st.Article(ctx, "copy-of-the-others"); a.CopyOf != dev[1].ID {
		t.Errorf("copy marked as a copy of %q, want %s", a.CopyOf, dev[1].ID)
	}
}
