package when

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestExtract(t *testing.T) {
	cases := []struct {
		lang, text, ref string
		want            []string // "YYYY-MM-DD" or "--MM-DD", in order; "R" suffix for Relative
	}{
		{"sq", "Një telefonatë më 17 tetor.", "2025-10-21", []string{"2025-10-17"}},
		{"sq", "Ata folën më 20 tetor.", "2025-10-21", []string{"2025-10-20"}},
		{"sq", "Duke folur të martën, Lavrov tha", "2025-10-23", []string{"2025-10-21R"}},
		{"sq", "shkruan dje", "2025-10-21", []string{"2025-10-20R"}},
		{"sq", "më 17 tetor", "", []string{"--10-17"}},
		{"sq", "shkruan dje", "", nil},
		{"hi", "वाशिंगटन में, 10 अक्टूबर, 2025 और", "", []string{"2025-10-10"}},
		{"hi", "अधिकारी ने मंगलवार को कहा", "2025-10-22", []string{"2025-10-21R"}},
		{"hi", "१६ अक्टूबर २०२५ को", "", []string{"2025-10-16"}},
		{"hi", "कल बैठक होगी", "2025-10-22", nil}, // कल is both yesterday and tomorrow
		{"vi", "cuộc điện đàm hôm 16/10 giữa", "2025-10-22", []string{"2025-10-16"}},
		{"vi", "Thông báo sau 20/10.", "2025-10-22", []string{"2025-10-20"}},
		{"vi", "ngày 21 tháng 10 năm 2025", "", []string{"2025-10-21"}},
		{"vi", "ngày 21/10/2025", "", []string{"2025-10-21"}},
		{"ro", "pe 21 octombrie 2025", "", []string{"2025-10-21"}},
		{"ro", "Marți, ministrul a spus", "2025-10-23", []string{"2025-10-21R"}},
		{"ro", "Marţi, cu sedilă", "2025-10-23", []string{"2025-10-21R"}},
		{"ru", "21 октября 2025 года", "", []string{"2025-10-21"}},
		{"ru", "вчера заявил", "2025-10-22", []string{"2025-10-21R"}},
		{"ru", "в среду", "2025-10-24", []string{"2025-10-22R"}},
		{"uk", "21 жовтня", "2025-10-22", []string{"2025-10-21"}},
		{"ar", "في 21 أكتوبر 2025", "", []string{"2025-10-21"}},
		{"ar", "في ٢١ أكتوبر ٢٠٢٥", "", []string{"2025-10-21"}},
		{"ar", "في 21 تشرين الأول 2025", "", []string{"2025-10-21"}},
		{"zh", "2025年10月21日，特朗普", "", []string{"2025-10-21"}},
		{"ja", "10月21日に", "2025-10-22", []string{"2025-10-21"}},
		{"ko", "2025년 10월 21일 서울", "", []string{"2025-10-21"}},
		{"ko", "화요일에 발표", "2025-10-23", []string{"2025-10-21R"}},
		{"de", "am 21. April 2025 starb", "", []string{"2025-04-21"}},
		{"de", "am Montag", "2025-04-23", []string{"2025-04-21R"}},
		{"de", "rund 1.4 Milliarden Euro", "2025-04-23", nil},
		{"de", "bis zum 21.04. verlängert", "2025-04-23", []string{"2025-04-21"}},
		{"fr", "lundi 21 avril 2025", "", []string{"2025-04-21"}},
		{"fr", "le 1er mai", "2025-04-23", []string{"2025-05-01"}},
		{"es", "el 21 de abril de 2025", "", []string{"2025-04-21"}},
		{"en", "on April 21, 2025, the Vatican", "", []string{"2025-04-21"}},
		{"en", "on 21 April", "2025-04-23", []string{"2025-04-21"}},
		{"en", "on Monday", "2025-04-23", []string{"2025-04-21R"}},
		{"en", "said yesterday", "2025-04-23", []string{"2025-04-22R"}},
		{"en", "Tuesday, Oct. 21, 2025", "2025-10-23", []string{"2025-10-21"}},
		{"en", "New Delhi, July 12: the June 12 crash", "", []string{"--07-12", "--06-12"}},
		{"", "published 2025-10-21", "", []string{"2025-10-21"}},
		{"de", "Stand: 21.04.2025", "", []string{"2025-04-21"}},
		{"fr", "le 21/04/2025", "", []string{"2025-04-21"}},
		{"en", "on 04/21/2025", "", []string{"2025-04-21"}}, // day-first impossible
		{"en", "at 20:10 the score was 5–0 and 5-0", "2025-04-23", nil},
		{"en", "a 31/02/2025 typo", "", nil},
		{"en", "on 31 February", "2025-04-23", nil},
		{"en", "between 2024 and 2025 some 1,200 people", "2025-04-23", nil},
		{"hi", "आक्रमण 3 1/2 साल बाद", "2025-10-22", nil},
		{"en", "version 1.2.2025.4", "", nil},
		{"th", "วันที่ 21 ตุลาคม 2568", "", []string{"2025-10-21"}},
		{"sq", "17 tetor", "2026-01-10", []string{"2025-10-17"}},   // the recent past, not next October
		{"en", "on 5 March", "2025-01-10", []string{"2025-03-05"}}, // within two months after
	}
	for _, c := range cases {
		var ref time.Time
		if c.ref != "" {
			ref = day(c.ref)
		}
		var got []string
		for _, m := range Extract(c.lang, c.text, ref) {
			s := m.Date.String()
			if m.Relative {
				s += "R"
			}
			got = append(got, s)
			if c.text[m.Start:m.Start+len(m.Surface)] != m.Surface {
				t.Errorf("%s %q: Surface %q not at Start %d", c.lang, c.text, m.Surface, m.Start)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Extract(%q, %q, %s) = %v, want %v", c.lang, c.text, c.ref, got, c.want)
		}
	}
}

func seed(t *testing.T, name string) string {
	t.Helper()
	matches, err := filepath.Glob("../../../shared/corpus/seeds/" + name + "_*.txt")
	if err != nil || len(matches) != 1 {
		t.Fatalf("seed %s not found under ../../../shared/corpus/seeds (err %v)", name, err)
	}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	// The plain-text format's "date YYYY-MM-DD" header is the reader's
	// business; drop it so only the body's own dates are seen.
	s := strings.TrimLeft(string(b), " \t\r\n")
	if rest, ok := strings.CutPrefix(s, "date "); ok && len(rest) >= 10 {
		s = rest[10:]
	}
	return s
}

func dates(ms []Mention) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Date.String())
	}
	return out
}

func TestSeeds(t *testing.T) {
	for _, c := range []struct {
		seed, lang, ref string
		want            []string
	}{
		{"000", "sq", "2025-10-21", []string{"2025-10-17", "2025-10-20"}},
		{"004", "vi", "2025-10-22", []string{"2025-10-20", "2025-10-16"}},
	} {
		got := dates(Extract(c.lang, seed(t, c.seed), day(c.ref)))
		for _, w := range c.want {
			if !slices.Contains(got, w) {
				t.Errorf("seed %s: %s missing from %v", c.seed, w, got)
			}
		}
	}
}

func TestInferPublicationSeed002(t *testing.T) {
	d, ok := InferPublication("hi", seed(t, "002"))
	if !ok || d.Year == 0 || d.Time().Before(day("2025-10-16")) || d.Time().After(day("2025-10-23")) {
		t.Fatalf("InferPublication(seed 002) = %v, %v; want a date in 2025-10-16..23", d, ok)
	}
	t.Logf("seed 002 inferred %v", d)
}

func TestInferPublication(t *testing.T) {
	cases := []struct {
		lang, text string
		want       string // "" means ok=false
	}{
		{"en", "No dates here at all, only 20:10 and 5-0.", ""},
		{"en", "WASHINGTON, Oct. 21, 2025 — Officials met. Talks began on Oct. 2, 2025.", "2025-10-21"},
		{"es", "BRUSELAS, 3 oct (Reuters) - El informe", "--10-03"},
		{"en", strings.Repeat("filler ", 60) + "On 16 October 2025 they spoke; on Monday he said; on Tuesday it ended.", "2025-10-21"},
		{"en", strings.Repeat("filler ", 60) + "In 2025, on 17 October they spoke.", "2025-10-17"},
		// A year named elsewhere does not date a year-less day.
		{"de", strings.Repeat("filler ", 60) + "Eine Warnung von 2018. Die Maschine stürzte am 12. Juni ab.", "--06-12"},
		// A full date in the body older than a year the text names is a
		// recollection.
		{"it", strings.Repeat("filler ", 60) + "Pregò nella basilica il 14 marzo 2013. Nel 2024 si ammalò.", ""},
	}
	for _, c := range cases {
		d, ok := InferPublication(c.lang, c.text)
		got := ""
		if ok {
			got = d.String()
		}
		if got != c.want {
			t.Errorf("InferPublication(%q, %.40q…) = %q, want %q", c.lang, c.text, got, c.want)
		}
	}
}

func TestWeekdayYear(t *testing.T) {
	now := day("2026-11-22")
	cases := []struct {
		d    Date
		wd   time.Weekday
		want string
	}{
		{Date{2021, time.April, 2}, time.Wednesday, "2025-04-02"}, // the guess recalled the 2021 coup
		{Date{2013, time.February, 23}, time.Sunday, "2025-02-23"},
		{Date{2025, time.April, 2}, time.Wednesday, "2025-04-02"}, // a guess that fits stays
		{Date{0, time.April, 2}, time.Wednesday, "2025-04-02"},
		{Date{2030, time.April, 2}, time.Wednesday, "--04-02"}, // no fitting year from the guess to now
	}
	for _, c := range cases {
		if got := weekdayYear(c.d, c.wd, now).String(); got != c.want {
			t.Errorf("weekdayYear(%v, %v) = %s, want %s", c.d, c.wd, got, c.want)
		}
	}
	// The scanner keeps the weekday written before a date.
	d, ok := InferPublication("fr", "La junte a annoncé, mercredi 2 avril, un cessez-le-feu.")
	if !ok || d.Month != time.April || d.Day != 2 || d.Year != 0 && d.Time().Weekday() != time.Wednesday {
		t.Errorf("InferPublication(mercredi 2 avril) = %v, %v", d, ok)
	}
}

func FuzzExtract(f *testing.F) {
	for _, s := range []string{"17 tetor", "2025年10月21日", "21.04.2025", "April 21, 2025", "hôm 16/10", "१६ अक्टूबर २०२५", "dje", "lundi 1er mai", "٢١ أكتوبر"} {
		f.Add("", s)
		f.Add("vi", s)
	}
	f.Fuzz(func(t *testing.T, lang, text string) {
		for _, ref := range []time.Time{{}, day("2025-10-21")} {
			for _, m := range Extract(lang, text, ref) {
				if m.Start < 0 || m.Start+len(m.Surface) > len(text) || text[m.Start:m.Start+len(m.Surface)] != m.Surface {
					t.Fatalf("Surface %q not at %d in %q", m.Surface, m.Start, text)
				}
				if !m.Date.valid() || m.Date.Year != 0 && (m.Date.Time().Year() != m.Date.Year) {
					t.Fatalf("invalid date %+v from %q", m.Date, text)
				}
				if !ref.IsZero() && m.Date.Year == 0 {
					t.Fatalf("unresolved year with ref: %+v", m)
				}
			}
		}
		InferPublication(lang, text)
	})
}

func BenchmarkExtract(b *testing.B) {
	arts := readDev(b)
	var bytes int64
	for _, a := range arts {
		bytes += int64(len(a.Text))
	}
	ref := day("2025-06-01")
	b.SetBytes(bytes / int64(len(arts)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		a := arts[i%len(arts)]
		Extract(a.Lang, a.Text, ref)
	}
}
