package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"

	"storyline/internal/bench"
	"storyline/internal/pipeline"
	"storyline/internal/progress"
)

// cmdBench runs `storyline bench`: generate a corpus, ingest it, measure.
func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var o bench.Options
	fs.IntVar(&o.Articles, "articles", 10000, "articles to generate and ingest")
	fs.StringVar(&o.DB, "db", os.Getenv("STORYLINE_BENCH_DB"), "store DSN (default: a fresh SQLite file in a temporary directory)")
	fs.StringVar(&o.Corpus, "corpus", "../shared/corpus/dev/dev.jsonl", "labelled JSON Lines corpus to derive articles from")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the generated corpus")
	fs.IntVar(&o.Batch, "batch", pipeline.DefaultBatchSize, "articles per batch")
	fs.IntVar(&o.Workers, "workers", 1, "concurrent ingest writers, each with its own store connection")
	asJSON := fs.Bool("json", false, "print one JSON object")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (pprof) of the run to `FILE`")
	memProfile := fs.String("memprofile", "", "write a heap profile (pprof), taken when everything is ingested, to `FILE`")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErr("bench: unexpected argument %q", fs.Arg(0))
	}
	if o.Articles < 1 || o.Batch < 1 || o.Workers < 1 {
		return usageErr("bench: --articles, --batch and --workers must be at least 1")
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	var heapErr error
	if *memProfile != "" {
		o.Finished = func() {
			f, err := os.Create(*memProfile)
			if err != nil {
				heapErr = err
				return
			}
			defer f.Close()
			runtime.GC() // the profile then shows what is live
			heapErr = pprof.WriteHeapProfile(f)
		}
	}
	meter := progress.New(stderr, "bench", o.Articles)
	o.Progress = func(done int) { meter.Update(done, "") }
	r, err := bench.Run(ctx, o)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	meter.Done(r.Articles, "")
	if heapErr != nil {
		return fmt.Errorf("bench: heap profile: %w", heapErr)
	}
	if *asJSON {
		return writeJSON(stdout, r)
	}
	fmt.Fprintf(stdout, "%d articles in %.1fs with %d writer(s): %.0f articles/s\n", r.Articles, r.Seconds, r.Workers, r.ArticlesPerSec)
	fmt.Fprintf(stdout, "per-article latency p50 %.3f ms, p99 %.3f ms\n", r.P50ms, r.P99ms)
	fmt.Fprintf(stdout, "peak RSS %.0f MB, store %.1f MB, %d events\n", r.PeakRSSMB, r.StoreMB, r.Events)
	return nil
}
