package features

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"storyline/internal/article"
)

// The golden test pins Extract's output for every dev and seed article, so
// that work on its speed cannot change what the clusterer sees. Regenerate
// with `go test ./internal/features -run Golden -update` only for an
// intended change of output, and say so in the commit.
var updateGolden = flag.Bool("update", false, "rewrite testdata/golden.txt from the current Extract")

const (
	devCorpus  = "../../../shared/corpus/dev/dev.jsonl"
	seedDir    = "../../../shared/corpus/seeds"
	goldenFile = "testdata/golden.txt"
)

// seedLangs are the seed articles' languages (../shared/corpus/seeds/README.md).
var seedLangs = map[string]string{
	"000_033f43149ed6165c": "sq",
	"001_726e88254833a723": "sq",
	"002_bcae2b8bd87c75f4": "hi",
	"003_aade9f3352086e29": "ro",
	"004_283ece869d43165f": "vi",
}

// readDev reads the dev corpus as internal/eval.ReadGold does (which this
// package cannot import: eval depends on the pipeline, which uses features).
func readDev(tb testing.TB) []article.Article {
	tb.Helper()
	f, err := os.Open(devCorpus)
	if err != nil {
		tb.Fatalf("dev corpus missing (CI needs ../shared beside the repository): %v", err)
	}
	defer f.Close()
	var arts []article.Article
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), article.MaxArticleBytes)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var r struct{ ID, Text, Title, Lang, Date, Source string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatalf("%s:%d: %v", devCorpus, line, err)
		}
		a := article.Article{ID: r.ID, Text: r.Text, Title: r.Title, Lang: r.Lang, Source: r.Source}
		if r.Date != "" {
			d, err := article.ParseDate(r.Date)
			if err != nil {
				tb.Fatalf("%s:%d: malformed date %q", devCorpus, line, r.Date)
			}
			a.Date, a.DateSource = d, article.DateHeader
		}
		arts = append(arts, a)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(arts) == 0 {
		tb.Fatalf("%s: no articles", devCorpus)
	}
	return arts
}

func readSeeds(tb testing.TB) []article.Article {
	tb.Helper()
	var arts []article.Article
	for _, id := range []string{"000_033f43149ed6165c", "001_726e88254833a723", "002_bcae2b8bd87c75f4",
		"003_aade9f3352086e29", "004_283ece869d43165f"} {
		data, err := os.ReadFile(filepath.Join(seedDir, id+".txt"))
		if err != nil {
			tb.Fatalf("seed corpus missing (CI needs ../shared beside the repository): %v", err)
		}
		a, err := article.ParseText(id, data)
		if err != nil {
			tb.Fatal(err)
		}
		a.Lang = seedLangs[id]
		arts = append(arts, a)
	}
	return arts
}

// goldenCase is one input of the golden test, named for its line in the file.
type goldenCase struct {
	name string
	a    article.Article
}

// goldenCases are the dev and seed articles as given, and variants of them
// that take Extract's other paths: without a date (inferred from the text),
// without a language, with text that repeats the title, and in NFD (so
// that normalisation changes byte offsets).
func goldenCases(tb testing.TB) []goldenCase {
	arts := append(readSeeds(tb), readDev(tb)...)
	var cases []goldenCase
	for i, a := range arts {
		cases = append(cases, goldenCase{a.ID, a})
		undated := a
		undated.Date, undated.DateSource = time.Time{}, ""
		cases = append(cases, goldenCase{a.ID + "/undated", undated})
		nolang := a
		nolang.Lang = ""
		cases = append(cases, goldenCase{a.ID + "/nolang", nolang})
		if a.Title != "" {
			prefixed := a
			prefixed.Text = a.Title + "\n" + a.Text
			cases = append(cases, goldenCase{a.ID + "/titled", prefixed})
		}
		if i%5 == 0 {
			nfd := a
			nfd.Title, nfd.Text = norm.NFD.String(a.Title), norm.NFD.String(a.Text)
			cases = append(cases, goldenCase{a.ID + "/nfd", nfd})
		}
	}
	return cases
}

// digest hashes everything Extract returns for a.
func digest(a *article.Article) string {
	rec, d := Extract(a)
	h := sha256.New()
	recJSON, err := json.Marshal(rec)
	if err != nil {
		panic(err)
	}
	h.Write(recJSON)
	fmt.Fprintf(h, "\n%q %q %s %t\n", d.ID, d.Lang, d.Date.Format("2006-01-02T15:04:05Z07:00"), d.Date.IsZero())
	fmt.Fprintf(h, "vec %d %t\n", len(d.Vec), d.Vec == nil)
	for _, e := range d.Vec {
		fmt.Fprintf(h, "%x %x\n", uint64(e.Key), math.Float32bits(e.Weight))
	}
	fmt.Fprintf(h, "labels %d %t\n", len(d.Labels), d.Labels == nil)
	for _, l := range d.Labels {
		fmt.Fprintf(h, "%q\n", l)
	}
	fmt.Fprintf(h, "mentioned %d %t\n", len(d.Mentioned), d.Mentioned == nil)
	for _, m := range d.Mentioned {
		fmt.Fprintf(h, "%d-%d-%d\n", m.Year, m.Month, m.Day)
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

func TestExtractGolden(t *testing.T) {
	cases := goldenCases(t)
	var b strings.Builder
	for i := range cases {
		fmt.Fprintf(&b, "%s %s\n", cases[i].name, digest(&cases[i].a))
	}
	got := b.String()
	if *updateGolden {
		if err := os.WriteFile(goldenFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d cases)", goldenFile, len(cases))
		return
	}
	data, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatalf("%v (generate it with -update)", err)
	}
	want := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	have := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(want) != len(have) {
		t.Fatalf("%d cases, golden file has %d", len(have), len(want))
	}
	bad := 0
	for i := range have {
		if have[i] != want[i] {
			if bad++; bad <= 20 {
				t.Errorf("output changed: got %s, golden %s", have[i], want[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d cases changed", bad, len(have))
	}
}

// BenchmarkExtract runs Extract over the dev corpus, one article per
// operation, so that ns/op, B/op and allocs/op are per article.
func BenchmarkExtract(b *testing.B) {
	arts := readDev(b)
	// Warm the lazily built tables (gazetteer, lexicon, stopwords).
	for i := range arts {
		Extract(&arts[i])
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		Extract(&arts[i])
		if i++; i == len(arts) {
			i = 0
		}
	}
}
