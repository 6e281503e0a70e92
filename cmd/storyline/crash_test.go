package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

const devCorpus = "../../../shared/corpus/dev/dev.jsonl"

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// buildBinary builds the storyline command once for the package (without
// -race, which would make the child twenty times slower) into a temporary
// directory removed by TestMain.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "storyline-bin")
		if err != nil {
			binErr = err
			return
		}
		binDir = dir
		bin := filepath.Join(dir, "storyline")
		cmd := exec.Command("go", "build", "-o", bin, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		binPath = bin
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

var binDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// devRecord is one line of the dev corpus, as far as the tests use it.
type devRecord struct {
	ID     string `json:"id"`
	Title  string `json:"title,omitempty"`
	Text   string `json:"text"`
	Lang   string `json:"lang,omitempty"`
	Date   string `json:"date,omitempty"`
	URL    string `json:"url,omitempty"`
	Source string `json:"source,omitempty"`
	Event  string `json:"event,omitempty"`
}

func readDev(t *testing.T) []devRecord {
	t.Helper()
	data, err := os.ReadFile(devCorpus)
	if err != nil {
		t.Skipf("dev corpus not found beside the repository: %v", err)
	}
	var out []devRecord
	for line := range bytes.Lines(data) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var r devRecord
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// perturbed makes n articles from the dev corpus: copy k of every article
// gets a new id and a text with one sentence dropped, two words swapped and
// a closing line of its own, so the set mixes originals, near-duplicates
// (wire copies) and distinct texts.
func perturbed(dev []devRecord, n int, rng *rand.Rand) []devRecord {
	out := make([]devRecord, 0, n)
	for k := 0; len(out) < n; k++ {
		for _, r := range dev {
			if len(out) == n {
				break
			}
			r.ID = fmt.Sprintf("k%d_%s", k, r.ID)
			if k > 0 {
				sents := strings.SplitAfter(r.Text, ". ")
				if len(sents) > 2 {
					i := rng.IntN(len(sents))
					sents = slices.Delete(sents, i, i+1)
				}
				words := strings.Fields(strings.Join(sents, ""))
				if len(words) > 3 {
					i, j := rng.IntN(len(words)), rng.IntN(len(words))
					words[i], words[j] = words[j], words[i]
				}
				r.Text = strings.Join(words, " ") + fmt.Sprintf("\nVersion %d, revision %d.", k, rng.IntN(1000))
				r.Title = fmt.Sprintf("%s (%d)", r.Title, k)
			}
			out = append(out, r)
		}
	}
	return out
}

func writeJSONL(t *testing.T, path string, recs []devRecord) {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, r := range recs {
		r.Event = ""
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// openDB opens a SQLite store file directly, as a second process would.
func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func storedIDs(t *testing.T, db *sql.DB) map[string]bool {
	t.Helper()
	rows, err := db.Query(`SELECT id FROM articles`)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return map[string]bool{}
		}
		t.Fatal(err)
	}
	defer rows.Close()
	ids := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[id] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// checkStore checks the invariants a store must keep whatever moment a
// writer died at, and returns the stored ids.
func checkStore(t *testing.T, path string) map[string]bool {
	t.Helper()
	db := openDB(t, path)
	defer db.Close()
	var ic string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&ic); err != nil || ic != "ok" {
		t.Fatalf("integrity_check: %q %v", ic, err)
	}
	var n, distinct int
	if err := db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT id) FROM articles`).Scan(&n, &distinct); err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return map[string]bool{} // killed before the schema was made
		}
		t.Fatal(err)
	}
	if n != distinct {
		t.Errorf("%d article rows for %d ids", n, distinct)
	}
	// Each query returns offending rows; every one must come back empty.
	for _, c := range []struct{ what, query string }{
		{"article in no stored event",
			`SELECT a.id FROM articles a LEFT JOIN events e ON e.id = a.event_id WHERE e.id IS NULL`},
		{"event whose size differs from its original articles (copies are not counted)",
			`SELECT e.id || ' n=' || e.n || ' originals=' || (SELECT COUNT(*) FROM articles a WHERE a.event_id = e.id AND a.copy_of = '')
			 FROM events e WHERE e.n != (SELECT COUNT(*) FROM articles a WHERE a.event_id = e.id AND a.copy_of = '')`},
		{"event without articles",
			`SELECT e.id FROM events e WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.event_id = e.id)`},
		{"event in no stored story",
			`SELECT e.id FROM events e LEFT JOIN stories s ON s.id = e.story_id WHERE s.id IS NULL`},
		{"story without events",
			`SELECT s.id FROM stories s WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.story_id = s.id)`},
		{"copy of an article that is not stored",
			`SELECT a.id FROM articles a WHERE a.copy_of != '' AND NOT EXISTS (SELECT 1 FROM articles o WHERE o.id = a.copy_of)`},
		{"article without a near-duplicate signature",
			`SELECT a.id FROM articles a LEFT JOIN signatures g ON g.article_id = a.id WHERE g.article_id IS NULL`},
		{"signature or mention of an article that is not stored",
			`SELECT article_id FROM signatures WHERE article_id NOT IN (SELECT id FROM articles)
			 UNION SELECT article_id FROM mention_keys WHERE article_id NOT IN (SELECT id FROM articles)`},
	} {
		rows, err := db.Query(c.query)
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		var bad []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			bad = append(bad, s)
		}
		rows.Close()
		if len(bad) > 0 {
			t.Errorf("%s: %d, e.g. %q", c.what, len(bad), bad[:min(3, len(bad))])
		}
	}
	return storedIDs(t, db)
}

// TestCrashSafety kills storyline ingest with SIGKILL at random moments
// while it ingests a few thousand articles, restarts it each time and
// checks that nothing committed is lost, nothing is stored twice, no batch
// is half-written, and the store stays consistent.
func TestCrashSafety(t *testing.T) {
	dev := readDev(t)
	bin := buildBinary(t)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("STORYLINE_CRASH_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	t.Logf("seed %d (set STORYLINE_CRASH_SEED to repeat)", seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	const total, batch = 3000, 50
	dir := t.TempDir()
	in, dbPath := filepath.Join(dir, "in.jsonl"), filepath.Join(dir, "s.db")
	recs := perturbed(dev, total, rng)
	writeJSONL(t, in, recs)
	order := make([]string, len(recs))
	for i, r := range recs {
		order[i] = r.ID
	}

	ingest := func() (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(bin, "ingest", "--db", dbPath, "--batch", fmt.Sprint(batch), in)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &stderr
	}

	var before map[string]bool
	kills := 0
	for round := 0; round < 5; round++ {
		cmd, stderr := ingest()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		// Round 0 dies at start-up (schema creation, loading); later
		// rounds once this run has committed something, a random moment
		// into the next batches.
		start := time.Now()
		delay := time.Duration(20+rng.IntN(400)) * time.Millisecond
		if round > 0 {
			waitForProgress(t, dbPath, len(before), done)
			delay = time.Duration(rng.IntN(1500)) * time.Millisecond
		}
		select {
		case err := <-done:
			t.Logf("round %d: ingest finished before the kill (%v)", round, err)
		case <-time.After(delay):
			// What a reader sees committed just before the kill must
			// survive it.
			db := openDB(t, dbPath)
			before = storedIDs(t, db)
			db.Close()
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-done
			kills++
		}
		delay = time.Since(start)
		after := checkStore(t, dbPath)
		t.Logf("round %d: killed after %v; %d articles committed before the kill, %d stored after; %s",
			round, delay, len(before), len(after), lastLine(stderr.String()))
		for id := range before {
			if !after[id] {
				t.Fatalf("round %d: article %s committed before the kill is lost", round, id)
			}
		}
		// Batches commit in input order, whole or not at all: the stored
		// articles are a prefix of the input ending at a batch boundary.
		l := len(after)
		for _, id := range order[:l] {
			if !after[id] {
				t.Fatalf("round %d: stored articles are not a prefix of the input (%s missing of the first %d)", round, id, l)
			}
		}
		if l%batch != 0 && l != total {
			t.Fatalf("round %d: %d articles stored: a batch of %d was half committed", round, l, batch)
		}
	}
	if kills < 3 {
		t.Errorf("only %d kills landed mid-ingest", kills)
	}

	// Restart and finish: everything is stored once.
	out, err := exec.Command(bin, "ingest", "--db", dbPath, "--batch", fmt.Sprint(batch), in).CombinedOutput()
	if err != nil {
		t.Fatalf("final ingest: %v\n%s", err, out)
	}
	final := checkStore(t, dbPath)
	if len(final) != total {
		t.Fatalf("%d articles stored after the final ingest, want %d", len(final), total)
	}
	// Re-ingesting the same input changes nothing.
	out, err = exec.Command(bin, "ingest", "--db", dbPath, in).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "0 new, "+fmt.Sprint(total)+" unchanged") {
		t.Fatalf("re-ingest: %v\n%s", err, out)
	}
	checkStore(t, dbPath)
}

// waitForProgress waits until the store holds more than n articles, or the
// process ends, or a minute passes.
func waitForProgress(t *testing.T, path string, n int, done <-chan error) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			db := openDB(t, path)
			var have int
			err := db.QueryRow(`SELECT COUNT(*) FROM articles`).Scan(&have)
			db.Close()
			if err == nil && have > n {
				return
			}
		}
		select {
		case err := <-done:
			t.Fatalf("ingest ended before committing anything new: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("no progress past %d articles in a minute", n)
}

func lastLine(s string) string {
	var last string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			last = l
		}
	}
	return last
}
