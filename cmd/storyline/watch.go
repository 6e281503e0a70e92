package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"storyline/internal/article"
	"storyline/internal/cluster"
	"storyline/internal/feed"
	"storyline/internal/lang"
	"storyline/internal/pipeline"
	"storyline/internal/progress"
	"storyline/internal/store"
)

// watchOptions tune the feed reader; the zero value takes the defaults.
type watchOptions struct {
	timeout     time.Duration // one feed fetch
	concurrency int
	hostDelay   time.Duration
	interval    time.Duration // also the first backoff step
	noPages     bool
}

// feedRun is a Watcher wired to a store and a pipeline: new articles go
// through the pipeline, feed state is persisted, errors and progress go to
// stderr.
type feedRun struct {
	w      *feed.Watcher
	stderr io.Writer
	meter  *progress.Meter

	mu     sync.Mutex // guards the fields below and stderr
	added  int
	copies int
	errs   int
}

func newFeedRun(ctx context.Context, st store.Store, p *pipeline.Pipeline, feeds []string, o watchOptions, label string, stderr io.Writer) (*feedRun, error) {
	client := &http.Client{Timeout: o.timeout}
	if o.timeout <= 0 {
		client.Timeout = feed.DefaultTimeout
	}
	r := &feedRun{stderr: stderr, meter: progress.New(stderr, label, 0)}
	r.w = &feed.Watcher{
		Fetcher:     feed.NewFetcher(client),
		Feeds:       feeds,
		Interval:    o.interval,
		Concurrency: o.concurrency,
		HostDelay:   o.hostDelay,
		NoPages:     o.noPages,
		Sink: func(ctx context.Context, arts []article.Article) (int, int, error) {
			res, err := p.Ingest(ctx, arts, func(e *article.InputError) { r.printErr(e) })
			return res.Added, res.Copies, err
		},
		OnError: r.printErr,
		OnRound: r.round,
	}
	if fst, ok := st.(store.FeedStore); ok {
		saved, err := fst.FeedStates(ctx)
		if err != nil {
			return nil, fmt.Errorf("load feed state: %w", err)
		}
		listed := map[string]bool{}
		for _, u := range feeds {
			listed[u] = true
		}
		for _, s := range saved {
			if listed[s.URL] {
				r.w.Restore(feed.State{URL: s.URL, Validators: feed.Validators{ETag: s.ETag, LastModified: s.LastModified},
					Failures: s.Failures, NextTry: s.NextTry, LastError: s.LastError})
			}
		}
		// The state is saved even while stopping: it describes what was
		// already fetched and stored.
		keep := context.WithoutCancel(ctx)
		r.w.OnState = func(s feed.State) {
			err := fst.SaveFeedState(keep, store.FeedState{URL: s.URL, ETag: s.Validators.ETag, LastModified: s.Validators.LastModified,
				Failures: s.Failures, NextTry: s.NextTry, LastError: s.LastError})
			if err != nil {
				r.printErr(err)
			}
		}
	}
	return r, nil
}

func (r *feedRun) printErr(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs++
	fmt.Fprintln(r.stderr, "storyline: "+err.Error())
}

// round writes the progress line of one poll round.
func (r *feedRun) round(rd feed.Round) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.added += rd.Added
	r.copies += rd.Copies
	status := fmt.Sprintf("round %d: %d/%d feeds done (%d unchanged, %d backing off), %d new articles, %d copies, %d errors",
		rd.N, rd.Done, rd.Feeds, rd.NotModified, rd.Skipped, rd.Added, rd.Copies, len(rd.Errors))
	r.meter.Done(r.added, status)
}

// ingestFeeds reads each feed once: `storyline ingest URL...`.
func ingestFeeds(ctx context.Context, dsn string, feeds []string, stderr io.Writer) error {
	st, err := open(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	lang.Warm()
	p, err := pipeline.Open(ctx, st, cluster.DefaultWeights())
	if err != nil {
		return err
	}
	r, err := newFeedRun(ctx, st, p, feeds, watchOptions{}, "ingest", stderr)
	if err != nil {
		return err
	}
	rd := r.w.Round(ctx)
	if ctx.Err() != nil {
		return errors.New("ingest interrupted; every article fetched before the interrupt is stored")
	}
	if n := len(rd.Errors); n > 0 {
		return &exitError{1, fmt.Errorf("%d error(s); everything else is stored", n)}
	}
	return nil
}

// feedArgs returns the args when they are all http(s) URLs, nil when none
// is, and a usage error for a mix.
func feedArgs(args []string) ([]string, error) {
	n := 0
	for _, a := range args {
		if strings.HasPrefix(a, "http://") || strings.HasPrefix(a, "https://") {
			n++
		}
	}
	switch n {
	case 0:
		return nil, nil
	case len(args):
		return args, nil
	}
	return nil, usageErr("ingest: give feed URLs or files, not both in one run")
}

func cmdWatch(ctx context.Context, args []string, stderr io.Writer) error {
	fs, db := flags("watch")
	var o watchOptions
	fs.DurationVar(&o.interval, "interval", 10*time.Minute, "time between poll rounds (and the first backoff step of a failing feed)")
	fs.DurationVar(&o.timeout, "timeout", feed.DefaultTimeout, "limit on one feed fetch")
	fs.IntVar(&o.concurrency, "concurrency", 8, "feeds fetched at once")
	fs.DurationVar(&o.hostDelay, "host-delay", time.Second, "minimum gap between requests to one host")
	fs.BoolVar(&o.noPages, "no-pages", false, "keep feed text as it is; do not fetch pages of summary-only items")
	rounds := fs.Int("rounds", 0, "stop after this many poll rounds (0: until interrupted)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("watch: name one feed list (a file of feed URLs, or OPML)")
	}
	if o.interval <= 0 || o.concurrency < 1 || *rounds < 0 {
		return usageErr("watch: --interval and --concurrency must be positive, --rounds not negative")
	}
	if o.hostDelay == 0 {
		o.hostDelay = -1 // the Watcher reads 0 as its default
	}
	feeds, err := feed.ReadFeedList(fs.Arg(0))
	if err != nil {
		return usageErr("watch: %v", err)
	}
	if len(feeds) == 0 {
		return usageErr("watch: %s lists no feeds", fs.Arg(0))
	}
	st, err := open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	lang.Warm()
	p, err := pipeline.Open(ctx, st, cluster.DefaultWeights())
	if err != nil {
		return err
	}
	r, err := newFeedRun(ctx, st, p, feeds, o, "watch", stderr)
	if err != nil {
		return err
	}
	for n := 1; ; n++ {
		start := time.Now()
		r.w.Round(ctx) // hands everything fetched to the pipeline, even when stopping
		if ctx.Err() != nil || *rounds > 0 && n >= *rounds {
			break
		}
		t := time.NewTimer(o.interval - time.Since(start))
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
		if ctx.Err() != nil {
			break
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "storyline: watch stopped; every article fetched is stored")
	}
	return nil
}
