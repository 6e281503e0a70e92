package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"storyline/internal/loadgen"
)

// TestServeUnderLoad runs `storyline serve` over the dev corpus on
// loopback and drives it with loadgen: readers at full speed on every read
// endpoint while a writer posts articles. No request may fail and no
// posted article may be lost. STORYLINE_LOAD_SECONDS sets the length
// (default 4; 30 for a measurement).
func TestServeUnderLoad(t *testing.T) {
	dev := readDev(t)
	bin := buildBinary(t)
	secs := 4 * time.Second
	if s := os.Getenv("STORYLINE_LOAD_SECONDS"); s != "" {
		d, err := time.ParseDuration(s + "s")
		if err != nil {
			t.Fatal(err)
		}
		secs = d
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	runBin(t, bin, "ingest", "--db", db, devCorpus)

	const tok = "load-token"
	cmd := exec.Command(bin, "serve", "--db", db, "--addr", "127.0.0.1:0", "--token", tok)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	base := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), "serving on "); ok {
				base <- strings.Fields(rest)[0]
			}
		}
	}()
	var url string
	select {
	case url = <-base:
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}

	arts := make([]loadgen.Article, 0, len(dev))
	for _, r := range dev {
		arts = append(arts, loadgen.Article{ID: r.ID, Title: r.Title, Text: r.Text, Lang: r.Lang, Date: r.Date})
	}
	rep, err := loadgen.Run(context.Background(), loadgen.Config{
		Base: url, Token: tok, Duration: secs, Readers: 4, Writers: 1, Batch: 5,
		Articles: arts, Queries: []string{"Trump", "Papst", "Трамп"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("load on %s:\n%s", url, rep)
	if rep.Reads.Errors > 0 || rep.Writes.Errors > 0 || rep.Lost > 0 {
		t.Errorf("%d read errors, %d write errors, %d lost writes", rep.Reads.Errors, rep.Writes.Errors, rep.Lost)
	}
	if rep.Reads.Requests == 0 || rep.Posted == 0 {
		t.Errorf("no load made: %d reads, %d articles posted", rep.Reads.Requests, rep.Posted)
	}
}
