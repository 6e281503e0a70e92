package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"storyline/internal/eval"
	"storyline/internal/render"
)

// runBin runs the built binary and returns its standard output.
func runBin(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("storyline %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

// parseExport reads `storyline export` (JSON Lines) into rows by id.
func parseExport(t *testing.T, data []byte) map[string]render.ExportRow {
	t.Helper()
	rows := map[string]render.ExportRow{}
	for line := range bytes.Lines(data) {
		var r render.ExportRow
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("export line %q: %v", line, err)
		}
		if _, dup := rows[r.ID]; dup {
			t.Fatalf("export lists %s twice", r.ID)
		}
		rows[r.ID] = r
	}
	return rows
}

// TestExportRoundTrip: a full export ingested into a fresh store gives the
// same articles and the same events, and a backup is a store with the
// same content.
func TestExportRoundTrip(t *testing.T) {
	if _, err := os.Stat(devCorpus); err != nil {
		t.Skip("dev corpus not found beside the repository")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db"), filepath.Join(dir, "c.db")
	runBin(t, bin, "ingest", "--db", a, devCorpus)

	full := filepath.Join(dir, "full.jsonl")
	if err := os.WriteFile(full, runBin(t, bin, "export", "--db", a, "--format", "full"), 0o644); err != nil {
		t.Fatal(err)
	}
	runBin(t, bin, "ingest", "--db", b, full)
	orig := parseExport(t, runBin(t, bin, "export", "--db", a))
	again := parseExport(t, runBin(t, bin, "export", "--db", b))
	if len(orig) != len(again) || len(orig) == 0 {
		t.Fatalf("%d articles exported, %d after the round trip", len(orig), len(again))
	}
	pred, gold := map[string]string{}, map[string]string{}
	for id, r := range orig {
		r2, ok := again[id]
		if !ok {
			t.Fatalf("article %s lost in the round trip", id)
		}
		if r2.Title != r.Title || r2.Lang != r.Lang || (r.DateSource == "header" && (r2.Date != r.Date || r2.DateSource != "header")) {
			t.Errorf("article %s changed: %+v → %+v", id, r, r2)
		}
		gold[id], pred[id] = r.Event, r2.Event
	}
	s := eval.Score(pred, gold, nil)
	t.Logf("round trip: %d articles, event partition BCubed P %.3f R %.3f F1 %.3f", s.Items, s.Precision, s.Recall, s.F1)
	if s.F1 < 0.98 {
		t.Errorf("events after the round trip: BCubed F1 %.3f < 0.98", s.F1)
	}

	// A backup holds exactly what the store holds.
	runBin(t, bin, "backup", "--db", a, c)
	if got, want := runBin(t, bin, "export", "--db", c, "--format", "full"), runBin(t, bin, "export", "--db", a, "--format", "full"); !bytes.Equal(got, want) {
		t.Errorf("backup differs from the store it copies")
	}
	if err := exec.Command(bin, "backup", "--db", a, c).Run(); err == nil {
		t.Errorf("backup overwrote an existing file")
	}
}
