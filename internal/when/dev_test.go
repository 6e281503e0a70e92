package when

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
	"time"
)

const devPath = "../../../shared/corpus/dev/dev.jsonl"

type devArticle struct {
	ID, Lang, Date, Text, Title string
	DateSource                  string `json:"date_source"`
}

func readDev(tb testing.TB) []devArticle {
	tb.Helper()
	f, err := os.Open(devPath)
	if err != nil {
		tb.Fatalf("dev set missing (expected at %s relative to internal/when): %v", devPath, err)
	}
	defer f.Close()
	var out []devArticle
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var a devArticle
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			tb.Fatal(err)
		}
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestDevInference measures InferPublication against the dev set's gold
// publication dates and guards against regressions.
func TestDevInference(t *testing.T) {
	arts := readDev(t)
	var yearless, dated, within1, within3, inferred, undated, undatedCovered int
	for _, a := range arts {
		d, ok := InferPublication(a.Lang, a.Text)
		if a.Date == "" {
			undated++
			if ok {
				undatedCovered++
			}
			continue
		}
		gold, err := time.Parse("2006-01-02", a.Date[:10])
		if err != nil {
			t.Fatalf("%s: bad gold date %q", a.ID, a.Date)
		}
		dated++
		if !ok {
			if testing.Verbose() {
				t.Logf("MISS %s %s %s gold=%s src=%s", a.ID, a.Lang, "-", a.Date, a.DateSource)
			}
			continue
		}
		inferred++
		if d.Year == 0 {
			yearless++
			d.Year = gold.Year() // judge month and day; the caller supplies the year
		}
		diff := d.Time().Sub(gold).Hours() / 24
		if diff < 0 {
			diff = -diff
		}
		if diff <= 1 {
			within1++
		}
		if diff <= 3 {
			within3++
		}
		if diff > 3 && testing.Verbose() {
			t.Logf("WRONG %s %s got=%v gold=%s src=%s", a.ID, a.Lang, d, a.Date, a.DateSource)
		}
	}
	t.Logf("year-less inferences (month/day judged with the gold year): %d", yearless)
	t.Logf("dated %d: inferred %d, within 1 day %d (%.0f%%), within 3 days %d (%.0f%%); undated %d: covered %d (%.0f%%)",
		dated, inferred, within1, pct(within1, dated), within3, pct(within3, dated), undated, undatedCovered, pct(undatedCovered, undated))
	if pct(within3, dated) < 28 || pct(undatedCovered, undated) < 25 {
		t.Errorf("inference regressed below the floor")
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}
