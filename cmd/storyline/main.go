// Command storyline turns news articles in any language into events,
// stories and timelines. See README.md for the commands.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"

	"storyline/internal/article"
	"storyline/internal/cluster"
	"storyline/internal/eval"
	"storyline/internal/lang"
	"storyline/internal/pipeline"
	"storyline/internal/progress"
	"storyline/internal/render"
	"storyline/internal/store"
)

const usage = `storyline turns news articles in any language into events, stories and timelines.

Usage:
  storyline ingest [--db DSN] INPUT...        files, directories, .jsonl, - (stdin)
  storyline ingest [--db DSN] FEED_URL...     read RSS/Atom/JSON feeds once
  storyline watch [--db DSN] [--interval 10m] FEEDS   poll a feed list (URLs or OPML)
  storyline export [--db DSN] [--format jsonl|csv|full]
  storyline backup [--db DSN] FILE            copy a SQLite store, consistently, while in use
  storyline events [--db DSN] [--story ID] [--lang xx] [--since D] [--until D] [--json]
  storyline stories [--db DSN] [--json]
  storyline show [--db DSN] [--json] EVENT_ID
  storyline timeline [--db DSN] [--json | --svg FILE] STORY_ID
  storyline serve [--db DSN] [--addr 127.0.0.1:8080] [--token T]   web UI and JSON API
  storyline eval [--json] GOLD.jsonl
  storyline tune GOLD.jsonl                   search clustering weights on labelled data
  storyline bench [--articles N] [--db DSN] [--workers N] [--json]
                                              ingest a generated corpus and measure speed

The store is --db or $STORYLINE_DB: a file path is SQLite (default ./storyline.db),
postgres://… is PostgreSQL.
`

// exitError carries an exit status: 1 for failed work, 2 for usage errors.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func usageErr(format string, args ...any) error {
	return &exitError{2, fmt.Errorf(format, args...)}
}

// defaultMemoryLimit is the heap size past which the garbage collector
// works harder, unless GOMEMLIMIT says otherwise. The clustering state of
// a long ingest stays at a few hundred MB, but every batch makes as much
// again in short-lived garbage, and the collector's default pace let the
// resident set reach three to four times the live heap.
const defaultMemoryLimit = 1 << 30

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		code := 1
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		if err.Error() != "" {
			fmt.Fprintln(os.Stderr, "storyline: "+err.Error())
		}
		os.Exit(code)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return &exitError{2, errors.New("")}
		}
		return nil
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "ingest":
		return cmdIngest(ctx, args, stdin, stderr)
	case "watch":
		return cmdWatch(ctx, args, stderr)
	case "export":
		return cmdExport(ctx, args, stdout)
	case "backup":
		return cmdBackup(ctx, args, stderr)
	case "events":
		return cmdEvents(ctx, args, stdout)
	case "stories":
		return cmdStories(ctx, args, stdout)
	case "show":
		return cmdShow(ctx, args, stdout)
	case "timeline":
		return cmdTimeline(ctx, args, stdout)
	case "serve":
		return cmdServe(ctx, args, stderr)
	case "eval":
		return cmdEval(ctx, args, stdout)
	case "tune":
		return cmdTune(ctx, args, stdout, stderr)
	case "bench":
		return cmdBench(ctx, args, stdout, stderr)
	}
	return usageErr("unknown command %q (run 'storyline help')", cmd)
}

// flags returns a flag set for a command with the common --db flag.
func flags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	def := os.Getenv("STORYLINE_DB")
	if def == "" {
		def = store.DefaultDSN
	}
	db := fs.String("db", def, "store: SQLite file path or postgres:// URL")
	return fs, db
}

func parse(fs *flag.FlagSet, args []string) error {
	// Accept flags after positional arguments too ("show ID --json").
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return usageErr("%s: %v", fs.Name(), err)
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}

func open(ctx context.Context, dsn string) (store.Store, error) {
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return st, nil
}

func cmdIngest(ctx context.Context, args []string, stdin io.Reader, stderr io.Writer) error {
	fs, db := flags("ingest")
	batch := fs.Int("batch", pipeline.DefaultBatchSize, "articles per transaction")
	weights := fs.String("weights", "", "clustering weights JSON file (default: the built-in tuned weights)")
	if err := parse(fs, args); err != nil {
		return err
	}
	w, err := loadWeights(*weights)
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErr("ingest: name at least one input (file, directory, .jsonl or -)")
	}
	if feeds, err := feedArgs(fs.Args()); err != nil || feeds != nil {
		if err != nil {
			return err
		}
		return ingestFeeds(ctx, *db, feeds, stderr)
	}
	if *batch < 1 {
		return usageErr("ingest: --batch must be at least 1")
	}
	st, err := open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	lang.Warm()
	p, err := pipeline.Open(ctx, st, w)
	if err != nil {
		return err
	}
	meter := progress.New(stderr, "ingest", 0)
	var total pipeline.Result
	var pending []article.Article
	rejected := 0
	status := func() string {
		return fmt.Sprintf("%d new, %d unchanged, %d rejected, %d new events", total.Added, total.Unchanged, rejected, total.NewEvents)
	}
	tty := isTerminal(stderr)
	// The reader reports bad records from this goroutine, the stream
	// from its own.
	var mu sync.Mutex
	reject := func(e *article.InputError) {
		mu.Lock()
		defer mu.Unlock()
		rejected++
		if tty {
			// End the live progress line so the error gets a line of its own.
			meter.Done(total.Added+total.Unchanged, status())
		}
		fmt.Fprintln(stderr, "storyline: "+e.Error())
	}
	// The stream extracts the features of a batch while the one before
	// it is clustered and stored.
	stream := p.NewStream(ctx, reject, func(r pipeline.Result) {
		mu.Lock()
		defer mu.Unlock()
		total.Added += r.Added
		total.Unchanged += r.Unchanged
		total.NewEvents += r.NewEvents
		meter.Update(total.Added+total.Unchanged, status())
	})
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		err := stream.Add(pending)
		pending = nil // the stream holds on to the batch until it is stored
		return err
	}
	err = article.Read(fs.Args(), stdin, article.Handler{
		OnArticle: func(a article.Article) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			pending = append(pending, a)
			if len(pending) >= *batch {
				return flush()
			}
			return nil
		},
		OnError: reject,
	})
	if err == nil {
		err = flush()
	}
	if cerr := stream.Close(); err == nil {
		err = cerr
	}
	meter.Done(total.Added+total.Unchanged, status())
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return errors.New("ingest interrupted; every batch committed before the interrupt is stored")
		}
		return err
	}
	if rejected > 0 {
		return &exitError{1, fmt.Errorf("%d record(s) rejected; everything else is stored", rejected)}
	}
	return nil
}

// isTerminal reports whether w is a terminal, where the progress meter keeps
// one live line rewritten in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func cmdExport(ctx context.Context, args []string, stdout io.Writer) error {
	fs, db := flags("export")
	format := fs.String("format", "jsonl", "jsonl, csv or full (every field, for ingest into another store)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *format != "jsonl" && *format != "csv" && *format != "full" {
		return usageErr("export: --format must be jsonl, csv or full, not %q", *format)
	}
	st, err := open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	return render.Export(ctx, st, stdout, *format)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func cmdEvents(ctx context.Context, args []string, stdout io.Writer) error {
	fs, db := flags("events")
	var f store.EventFilter
	fs.StringVar(&f.StoryID, "story", "", "only events of this story")
	fs.StringVar(&f.Lang, "lang", "", "only events with articles in this language")
	fs.StringVar(&f.Since, "since", "", "only events on or after YYYY-MM-DD")
	fs.StringVar(&f.Until, "until", "", "only events on or before YYYY-MM-DD")
	asJSON := fs.Bool("json", false, "JSON output")
	if err := parse(fs, args); err != nil {
		return err
	}
	for _, d := range []string{f.Since, f.Until} {
		if d != "" {
			if _, err := article.ParseDate(d); err != nil {
				return usageErr("events: bad date %q: want YYYY-MM-DD", d)
			}
		}
	}
	st, err := open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	evs, err := st.Events(ctx, f)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, nonNil(evs))
	}
	render.Events(stdout, evs)
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func cmdStories(ctx context.Context, args []string, stdout io.Writer) error {
	fs, db := flags("stories")
	asJSON := fs.Bool("json", false, "JSON output")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	sts, err := st.Stories(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, nonNil(sts))
	}
	render.Stories(stdout, sts)
	return nil
}

func notFound(kind, id string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no %s %q in the store", kind, id)
	}
	return err
}

func cmdShow(ctx context.Context, args []string, stdout io.Writer) error {
	fs, db := flags("show")
	asJSON := fs.Bool("json", false, "JSON output")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("show: name one event id")
	}
	st, err := open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := render.LoadEvent(ctx, st, fs.Arg(0))
	if err != nil {
		return notFound("event", fs.Arg(0), err)
	}
	if *asJSON {
		return writeJSON(stdout, d)
	}
	render.Show(stdout, d)
	return nil
}

func cmdTimeline(ctx context.Context, args []string, stdout io.Writer) error {
	fs, db := flags("timeline")
	asJSON := fs.Bool("json", false, "JSON output")
	svg := fs.String("svg", "", "write the timeline as SVG to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("timeline: name one story id")
	}
	st, err := open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	t, err := render.LoadTimeline(ctx, st, fs.Arg(0))
	if err != nil {
		return notFound("story", fs.Arg(0), err)
	}
	if *svg != "" {
		return writeSVG(*svg, t)
	}
	if *asJSON {
		return writeJSON(stdout, t)
	}
	render.TimelineText(stdout, t)
	return nil
}

func cmdEval(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "JSON output")
	weights := fs.String("weights", "", "clustering weights JSON file (default: the built-in tuned weights)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("eval: name one labelled JSON Lines file")
	}
	w, err := loadWeights(*weights)
	if err != nil {
		return err
	}
	r, err := eval.Run(ctx, fs.Arg(0), w)
	if err != nil {
		return fmt.Errorf("eval %s: %w", fs.Arg(0), err)
	}
	if *asJSON {
		return writeJSON(stdout, r)
	}
	fmt.Fprintf(stdout, "%s: %d articles, %d gold events; predicted %d events, %d stories (%.1fs)\n",
		r.File, r.Articles, r.GoldEvents, r.Events, r.Stories, r.Seconds)
	fmt.Fprintf(stdout, "%-22s %6s %9s %6s %6s %6s\n", "", "items", "precision", "recall", "F1", "ARI")
	row := func(name string, s eval.Scores) {
		fmt.Fprintf(stdout, "%-22s %6d %9.3f %6.3f %6.3f %6.3f\n", name, s.Items, s.Precision, s.Recall, s.F1, s.ARI)
	}
	row("events (BCubed)", r.Event)
	row("stories (BCubed)", r.Story)
	row("events, cross-lingual", r.EventCross)
	row("stories, cross-lingual", r.StoryCross)
	return nil
}

// loadWeights reads clustering weights from a file, or returns the
// built-in ones for "".
func loadWeights(path string) (cluster.Weights, error) {
	if path == "" {
		return cluster.DefaultWeights(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return cluster.Weights{}, err
	}
	w, err := cluster.ParseWeights(data)
	if err != nil {
		return w, fmt.Errorf("weights %s: %w", path, err)
	}
	return w, nil
}

func cmdTune(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tune", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("tune: name one labelled JSON Lines file")
	}
	w, report, err := eval.Tune(ctx, fs.Arg(0), cluster.DefaultWeights(), func(s string) { fmt.Fprintln(stderr, s) })
	if err != nil {
		return fmt.Errorf("tune %s: %w", fs.Arg(0), err)
	}
	fmt.Fprintln(stderr, strings.TrimSpace(report))
	return writeJSON(stdout, w)
}
