package features

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"storyline/internal/article"
	"storyline/internal/cluster"
)

func TestNumber(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"314", "314", true},
		{"٣١٤", "314", true},    // Arabic-Indic digits
		{"३१४", "314", true},    // Devanagari digits
		{"7,7", "7.7", true},    // decimal comma
		{"1.400", "1400", true}, // thousands group
		{"1,400,000", "1400000", true},
		{"5", "", false}, // single digits tell nothing apart
		{"88", "88", true},
	}
	for _, tt := range tests {
		got, ok := number(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("number(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func seed(t *testing.T, id, lang string) *article.Article {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("../../../shared/corpus/seeds", id+".txt"))
	if err != nil {
		t.Fatalf("seed corpus missing (CI needs ../shared beside the repository): %v", err)
	}
	a, err := article.ParseText(id, data)
	if err != nil {
		t.Fatal(err)
	}
	a.Lang = lang
	return &a
}

func keys(t *testing.T, a *article.Article) (*Record, map[cluster.Key]float32) {
	rec, d := Extract(a)
	m := map[cluster.Key]float32{}
	for _, e := range d.Vec {
		m[e.Key] = e.Weight
	}
	return rec, m
}

func TestExtractSeeds(t *testing.T) {
	sq, sqKeys := keys(t, seed(t, "000_033f43149ed6165c", "sq"))
	hi, hiKeys := keys(t, seed(t, "002_bcae2b8bd87c75f4", "hi"))
	_, viKeys := keys(t, seed(t, "004_283ece869d43165f", "vi"))

	if sq.DateSource != article.DateHeader || sq.Date != "2025-10-21" {
		t.Errorf("sq seed: date %q from %q, want the header's 2025-10-21", sq.Date, sq.DateSource)
	}
	if hi.DateSource != article.DateText || hi.Date < "2025-10-16" || hi.Date > "2025-10-23" {
		t.Errorf("hi seed (no header): date %q from %q, want one from its text in 2025-10-16..23", hi.Date, hi.DateSource)
	}
	for _, want := range []string{"d:2025-10-17", "d:2025-10-20", "p:city:Budapest"} {
		if sqKeys[cluster.KeyOf(want)] == 0 {
			t.Errorf("sq seed lacks %s", want)
		}
	}
	// The names that make the event cross-lingual share keys in all three.
	shared := 0
	for k := range sqKeys {
		if k.Letter() == cluster.NSName && hiKeys[k] > 0 && viKeys[k] > 0 {
			shared++
		}
	}
	if shared < 3 {
		t.Errorf("sq, hi and vi seeds share %d name keys, want at least 3 (Trump, Rubio, Lavrov…)", shared)
	}
	// Words stay within their language.
	for k := range hiKeys {
		if k.IsTerm() && k.TermLang() != cluster.LangOf("hi") {
			t.Errorf("Hindi article has a word key of another language: %s", k)
		}
	}
	concepts := 0
	for k := range sqKeys {
		if k.Letter() == cluster.NSConcept {
			concepts++
		}
	}
	if concepts == 0 {
		t.Error("sq seed has no event-type concept")
	}
}

// TestLeadCountsMore: a name in the lead weighs more than the same
// name deep in the body.
func TestLeadCountsMore(t *testing.T) {
	body := strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 12)
	lead := &article.Article{ID: "a", Lang: "en", Text: "Police said Rinderknecht was arrested in Florida. " + body}
	late := &article.Article{ID: "b", Lang: "en", Text: body + " Police said Rinderknecht was arrested in Florida."}
	weight := func(a *article.Article) float32 {
		_, d := Extract(a)
		for i, e := range d.Vec {
			if e.Key.Letter() == cluster.NSName && d.Labels[i] == "Rinderknecht" {
				return e.Weight
			}
		}
		return 0
	}
	lw, bw := weight(lead), weight(late)
	if lw == 0 || bw == 0 || lw <= bw {
		t.Errorf("name weight in headline %v, in body %v; want both found and the headline heavier", lw, bw)
	}
}

func TestLatestYear(t *testing.T) {
	for text, want := range map[string]int{
		"elected in 2013, he died on 21 April 2025":   2025,
		"no years here, only 20251 and 12345 and 999": 0,
		"the 2030 agenda, decided in 2019":            2019, // a future year is a plan, not a date of writing
		"":                                            0,
	} {
		if got := latestYear(text); got != want {
			t.Errorf("latestYear(%q) = %d, want %d", text, got, want)
		}
	}
}

func TestNameStem(t *testing.T) {
	tests := []struct {
		key  string
		want string
		ok   bool
	}{
		{"brnssgs", "brns~", true}, // Franziskus
		{"brnss", "brns~", true},   // Francis, فرنسيس
		{"drmb", "", false},        // short keys are stems already
		{"dmrd drmb", "", false},   // full names keep their own key
		{"country:RU", "", false},  // canonical ids are exact
		{"美国总统", "", false},        // Han keys are not cut inside a character
	}
	for _, tt := range tests {
		got, ok := nameStem(tt.key)
		if got != tt.want || ok != tt.ok {
			t.Errorf("nameStem(%q) = %q, %v; want %q, %v", tt.key, got, ok, tt.want, tt.ok)
		}
	}
}
