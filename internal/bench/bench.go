// Package bench builds a realistic multilingual corpus of any size from a
// labelled dev corpus and measures how fast Storyline ingests it.
//
// The corpus is the dev corpus repeated in rounds: each round shifts every
// date by a few weeks (so each round reports new events, as a news stream
// does), rewords it (a round-specific vocabulary swap, so that a round's
// articles are new texts, not wire copies of the previous round's) and
// perturbs every text (dropped and repeated words, a swapped sentence
// pair), seeded so that a run is reproducible.
package bench

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"storyline/internal/article"
	"storyline/internal/cluster"
	"storyline/internal/eval"
	"storyline/internal/lang"
	"storyline/internal/pipeline"
	"storyline/internal/store"
)

// roundDays is how far each round of the corpus is shifted in time: more
// than the clusterer's event window, so rounds do not merge.
const roundDays = 21

// baseDate stands in for articles of the dev corpus without a date.
var baseDate = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

// Load reads the base corpus (JSON Lines with gold labels, as the dev
// corpus) without its labels.
func Load(path string) ([]article.Article, error) {
	arts, _, err := eval.ReadGold(path)
	if err != nil {
		return nil, err
	}
	if len(arts) == 0 {
		return nil, fmt.Errorf("%s: no articles", path)
	}
	return arts, nil
}

// Generate derives n articles from base, reproducibly for a seed.
func Generate(base []article.Article, n int, seed uint64) []article.Article {
	g := NewGenerator(base, seed)
	out := make([]article.Article, 0, n)
	for i := range n {
		out = append(out, g.At(i))
	}
	return out
}

// Generator derives the articles of a corpus one at a time, so that a run
// over a million articles does not hold them all in memory.
type Generator struct {
	base  []article.Article
	vocab map[string][]string
	seed  uint64
}

// NewGenerator prepares the derivation of articles from base.
func NewGenerator(base []article.Article, seed uint64) *Generator {
	return &Generator{base: base, vocab: vocabulary(base), seed: seed}
}

// At returns article i of the corpus (the same as Generate's i-th).
func (g *Generator) At(i int) article.Article {
	base, seed := g.base, g.seed
	round, j := i/len(base), i%len(base)
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	b := base[j]
	d := b.Date
	if d.IsZero() {
		d = baseDate
	}
	rw := rewording{vocab: g.vocab[b.Lang], seed: seed, round: uint64(round)}
	a := article.Article{
		ID:         "r" + strconv.Itoa(round) + "-" + b.ID,
		Title:      rw.apply(b.Title),
		Text:       perturb(rw.apply(b.Text), r),
		Lang:       b.Lang,
		Source:     b.Source,
		Date:       d.AddDate(0, 0, round*roundDays+r.IntN(2)),
		DateSource: article.DateHeader,
	}
	a.Origin = a.ID
	return a
}

// swapPercent is the share of a round's vocabulary (words that do not
// start with a capital, and single characters of scripts written without
// spaces) that the round replaces by other words of the same language.
// Replacing the same word the same way throughout a round keeps the
// round's articles of one event as alike as in the base corpus, while two
// rounds share about (1-0.35)²)³ ≈ 7% of their word 3-shingles: far below
// the near-duplicate threshold, so a round is not taken for wire copies
// of the one before (which put every round into the first round's events).
const swapPercent = 35

// rewording is one round's vocabulary swap for one language.
type rewording struct {
	vocab       []string
	seed, round uint64
}

// vocabulary lists, per language, the swappable tokens of the base corpus,
// sorted so that the swap is reproducible.
func vocabulary(base []article.Article) map[string][]string {
	sets := map[string]map[string]bool{}
	for _, a := range base {
		set := sets[a.Lang]
		if set == nil {
			set = map[string]bool{}
			sets[a.Lang] = set
		}
		for _, text := range []string{a.Title, a.Text} {
			forTokens(text, func(tok string, swappable bool) {
				if swappable {
					set[tok] = true
				}
			})
		}
	}
	out := map[string][]string{}
	for l, set := range sets {
		out[l] = slices.Sorted(maps.Keys(set))
	}
	return out
}

// apply rewords text for the round.
func (rw rewording) apply(text string) string {
	if len(rw.vocab) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	forTokens(text, func(tok string, swappable bool) {
		if swappable {
			h := fnv.New64a()
			var buf [16]byte
			binary.LittleEndian.PutUint64(buf[:8], rw.seed)
			binary.LittleEndian.PutUint64(buf[8:], rw.round)
			h.Write(buf[:])
			h.Write([]byte(tok))
			x := h.Sum64()
			if x%100 < swapPercent {
				tok = rw.vocab[(x/100)%uint64(len(rw.vocab))]
			}
		}
		b.WriteString(tok)
	})
	return b.String()
}

// forTokens splits text into tokens that, concatenated, give text back: a
// run of letters and marks is a word, swappable unless it starts with a
// capital (a name); a character of a script written without spaces (Han,
// Kana, Thai…) is a swappable token of its own; anything else is a
// separator token.
func forTokens(text string, fn func(tok string, swappable bool)) {
	start := -1
	for i, r := range text {
		letter := unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
		if letter && unspaced(r) {
			if start >= 0 {
				fn(text[start:i], swappableWord(text[start:i]))
				start = -1
			}
			fn(text[i:i+utf8.RuneLen(r)], true)
			continue
		}
		if letter {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			fn(text[start:i], swappableWord(text[start:i]))
			start = -1
		}
		fn(text[i:i+utf8.RuneLen(r)], false)
	}
	if start >= 0 {
		fn(text[start:], swappableWord(text[start:]))
	}
}

func swappableWord(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return !unicode.IsUpper(r) && utf8.RuneCountInString(w) > 1
}

// unspaced reports whether r belongs to a script written without spaces
// between words.
func unspaced(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)
}

// perturb drops about 4% of the words, repeats about 2%, and swaps one
// pair of adjacent lines.
func perturb(text string, r *rand.Rand) string {
	lines := strings.Split(text, "\n")
	if len(lines) > 2 {
		k := 1 + r.IntN(len(lines)-2)
		lines[k], lines[k+1] = lines[k+1], lines[k]
	}
	var b strings.Builder
	b.Grow(len(text))
	for li, line := range lines {
		if li > 0 {
			b.WriteByte('\n')
		}
		for wi, w := range strings.Fields(line) {
			p := r.IntN(100)
			if p < 4 && wi > 0 {
				continue
			}
			if wi > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(w)
			if p >= 98 {
				b.WriteByte(' ')
				b.WriteString(w)
			}
		}
	}
	return b.String()
}

// Options configure a benchmark run.
type Options struct {
	Articles int
	Corpus   string // the base corpus
	DB       string // store DSN; "" is a fresh SQLite file in a temporary directory
	Seed     uint64
	Batch    int // articles per batch; 0 is pipeline.DefaultBatchSize
	Workers  int // concurrent writers (each with its own store handle); 0 is 1
	// Progress, when set, is called after every batch with the articles
	// ingested so far.
	Progress func(done int)
	// Finished, when set, is called once everything is ingested, while
	// the clustering state is still held (for a heap profile).
	Finished func()
}

// Result is what a run measured.
type Result struct {
	Articles       int     `json:"articles"`
	Seconds        float64 `json:"seconds"`
	ArticlesPerSec float64 `json:"articles_per_sec"`
	P50ms          float64 `json:"p50_ms"`
	P99ms          float64 `json:"p99_ms"`
	PeakRSSMB      float64 `json:"peak_rss_mb"`
	StoreMB        float64 `json:"store_mb"`
	Workers        int     `json:"workers"`
	Events         int     `json:"events"`
}

// Run generates the corpus, ingests it and measures. Latency is per
// article: each batch's wall time (features, clustering and commit)
// divided by its articles, weighted by them; p50 and p99 are over
// articles.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Articles < 1 {
		return nil, fmt.Errorf("bench: --articles must be at least 1")
	}
	base, err := Load(o.Corpus)
	if err != nil {
		return nil, err
	}
	// Articles are generated a batch at a time, just before they are
	// ingested: the corpus of a large run would not fit in memory.
	gen := NewGenerator(base, o.Seed)
	if o.Batch <= 0 {
		o.Batch = pipeline.DefaultBatchSize
	}
	o.Workers = max(o.Workers, 1)
	dsn := o.DB
	if dsn == "" {
		dir, err := os.MkdirTemp("", "storyline-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		dsn = filepath.Join(dir, "bench.db")
	}
	lang.Warm()

	stores := make([]store.Store, o.Workers)
	pipes := make([]*pipeline.Pipeline, o.Workers)
	for i := range stores {
		st, err := store.Open(ctx, dsn)
		if err != nil {
			return nil, err
		}
		defer st.Close()
		p, err := pipeline.Open(ctx, st, cluster.DefaultWeights())
		if err != nil {
			return nil, err
		}
		stores[i], pipes[i] = st, p
	}

	var (
		mu       sync.Mutex
		perArt   []float64 // ms per article, one entry per batch
		weights  []int
		done     int
		firstErr error
	)
	next := make(chan []article.Article)
	go func() {
		defer close(next)
		for i := 0; i < o.Articles; i += o.Batch {
			b := make([]article.Article, 0, min(o.Articles, i+o.Batch)-i)
			for k := i; k < min(o.Articles, i+o.Batch); k++ {
				b = append(b, gen.At(k))
			}
			select {
			case next <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	start := time.Now()
	var wg sync.WaitGroup
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	for _, p := range pipes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A batch's latency runs from the start of its feature
			// extraction to its commit; the stream overlaps the first
			// with the commit of the batch before.
			var started []time.Time
			var sizes []int
			var smu sync.Mutex
			stream := p.NewStream(ctx, func(*article.InputError) {}, func(pipeline.Result) {
				smu.Lock()
				t0, n := started[0], sizes[0]
				started, sizes = started[1:], sizes[1:]
				smu.Unlock()
				el := time.Since(t0)
				mu.Lock()
				defer mu.Unlock()
				perArt = append(perArt, float64(el.Microseconds())/1000/float64(n))
				weights = append(weights, n)
				done += n
				if o.Progress != nil {
					o.Progress(done)
				}
			})
			for b := range next {
				smu.Lock()
				started, sizes = append(started, time.Now()), append(sizes, len(b))
				smu.Unlock()
				if err := stream.Add(b); err != nil {
					fail(err)
					break
				}
			}
			fail(stream.Close())
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if o.Finished != nil {
		o.Finished()
		runtime.KeepAlive(pipes)
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := &Result{Articles: o.Articles, Seconds: elapsed.Seconds(), Workers: o.Workers,
		ArticlesPerSec: float64(o.Articles) / elapsed.Seconds()}
	r.P50ms, r.P99ms = quantile(perArt, weights, 0.50), quantile(perArt, weights, 0.99)
	r.PeakRSSMB = peakRSSMB()
	if s, ok := stores[0].(interface {
		SizeBytes(context.Context) (int64, error)
	}); ok {
		if n, err := s.SizeBytes(ctx); err == nil {
			r.StoreMB = float64(n) / (1 << 20)
		}
	}
	if _, ne, _, err := stores[0].Counts(ctx); err == nil {
		r.Events = ne
	}
	return r, nil
}

// quantile returns the q-quantile of values, each counted weight times.
func quantile(values []float64, weight []int, q float64) float64 {
	idx := make([]int, len(values))
	total := 0
	for i := range idx {
		idx[i] = i
		total += weight[i]
	}
	if total == 0 {
		return 0
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case values[a] < values[b]:
			return -1
		case values[a] > values[b]:
			return 1
		}
		return 0
	})
	target := q * float64(total)
	seen := 0
	for _, i := range idx {
		seen += weight[i]
		if float64(seen) >= target {
			return values[i]
		}
	}
	return values[idx[len(idx)-1]]
}

// peakRSSMB is the process's peak resident set (VmHWM), in MiB, or 0
// where /proc is not available.
func peakRSSMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	return parseHWM(f)
}

func parseHWM(r io.Reader) float64 {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, _ := strconv.ParseFloat(f[0], 64)
				return kb / 1024
			}
		}
	}
	return 0
}
