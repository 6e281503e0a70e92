package entity

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"storyline/internal/textproc"
)

// corpusDir is the shared corpus, read in place: the articles belong to their
// publishers and are not copied into the repository.
const corpusDir = "../../../shared/corpus"

func readSeed(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, "seeds", name))
	if err != nil {
		t.Fatalf("seed article missing (expected under %s/seeds): %v", corpusDir, err)
	}
	s := strings.TrimSpace(string(b))
	// Drop the optional "date YYYY-MM-DD" header of the plain-text format.
	if strings.HasPrefix(s, "date ") && len(s) >= 15 {
		s = s[15:]
	}
	return s
}

type devArticle struct {
	ID, Lang, Title, Text, Event string
}

func readDev(t testing.TB) []devArticle {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir, "dev", "dev.jsonl"))
	if err != nil {
		t.Fatalf("dev set missing (expected at %s/dev/dev.jsonl): %v", corpusDir, err)
	}
	defer f.Close()
	var out []devArticle
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var a devArticle
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	if len(out) < 300 {
		t.Fatalf("dev set has %d articles, want ≥300", len(out))
	}
	return out
}

func byKey(ms []Mention) map[string]Mention {
	m := make(map[string]Mention, len(ms))
	for _, x := range ms {
		m[x.Key] = x
	}
	return m
}

// TestSeedsShareKeys checks the cross-lingual promise on one real story told
// in Albanian, Hindi and Vietnamese (and Romanian for Witkoff and Putin).
func TestSeedsShareKeys(t *testing.T) {
	sq := byKey(Extract("sq", "", readSeed(t, "000_033f43149ed6165c.txt")))
	hi := byKey(Extract("hi", "", readSeed(t, "002_bcae2b8bd87c75f4.txt")))
	vi := byKey(Extract("vi", "", readSeed(t, "004_283ece869d43165f.txt")))
	ro := byKey(Extract("ro", "", readSeed(t, "003_aade9f3352086e29.txt")))
	sq1 := byKey(Extract("sq", "", readSeed(t, "001_726e88254833a723.txt")))

	for _, tc := range []struct {
		name string
		kind Kind
		in   []map[string]Mention
	}{
		{"Trump", KindPerson, []map[string]Mention{sq, hi, vi, ro}},
		{"Putin", KindPerson, []map[string]Mention{sq, hi, vi, ro}},
		{"Rubio", KindPerson, []map[string]Mention{sq, hi, vi}},
		{"Lavrov", KindPerson, []map[string]Mention{sq, hi, vi}},
		{"Witkoff", KindPerson, []map[string]Mention{sq1, ro}},
		{"Zelensky", "", []map[string]Mention{hi, vi, ro}},
	} {
		key := textproc.NameKey(tc.name)
		for i, m := range tc.in {
			got, ok := m[key]
			if !ok {
				t.Errorf("%s (key %q) not found in article %d", tc.name, key, i)
				continue
			}
			if i == 0 && tc.kind != "" && got.Kind != tc.kind {
				t.Errorf("%s: kind %q, want %q", tc.name, got.Kind, tc.kind)
			}
		}
	}
	for _, tc := range []struct {
		canon string
		in    []map[string]Mention
	}{
		{"city:Budapest", []map[string]Mention{sq, hi, vi}},
		{"country:RU", []map[string]Mention{sq, hi, vi, ro}}, // Rusisë, रूस, Nga, Rusia
		{"country:UA", []map[string]Mention{sq, hi, vi, ro}},
		{"city:Moscow", []map[string]Mention{sq, hi, vi, ro}}, // Moskën, मॉस्को, Moscow, Moscova
		{"org:White House", []map[string]Mention{sq, hi, vi}},
		{"country:US", []map[string]Mention{sq, ro, vi}},
	} {
		for i, m := range tc.in {
			got, ok := m[tc.canon]
			if !ok {
				t.Errorf("%s not found in article %d", tc.canon, i)
				continue
			}
			if got.Canonical != tc.canon || (got.Kind != KindPlace && got.Kind != KindOrg) {
				t.Errorf("%s: got %+v", tc.canon, got)
			}
		}
	}
	// Multi-word names give the full name and the surname.
	if m, ok := sq[textproc.NameKey("Donald Trump")]; !ok || m.Kind != KindPerson {
		t.Errorf("full name Donald Trump missing in sq seed: %+v", m)
	}
	// Counts merge inflected forms: Trump, Trumpit, Trump… in the sq seed.
	if c := sq[textproc.NameKey("Trump")].Count; c < 3 {
		t.Errorf("Trump counted %d times in sq seed, want ≥3", c)
	}
	// Sentence-initial common words must not become names.
	for _, w := range []string{"Një", "Ky", "Ne"} {
		if m, ok := sq[textproc.NameKey(w)]; ok && strings.EqualFold(m.Surface, w) {
			t.Errorf("sentence-initial %q extracted as %+v", w, m)
		}
	}
}

func TestExtractCasesAndScripts(t *testing.T) {
	for _, tc := range []struct {
		lang, title, text string
		wantKeys          []string
		notKeys           []string
	}{
		{"en", "", "Yesterday the president met Putin. Trump said the talks in Budapest with Trump's team went well.",
			[]string{textproc.NameKey("Putin"), textproc.NameKey("Trump"), "city:Budapest"},
			[]string{textproc.NameKey("Yesterday")}},
		{"zh", "", "美国总统特朗普今天在布达佩斯与俄罗斯总统普京会面。北约秘书长也出席。",
			[]string{textproc.NameKey("Trump"), textproc.NameKey("Putin"), "city:Budapest", "country:RU", "country:US", "org:NATO"}, nil},
		{"ja", "", "トランプ大統領はブダペストでプーチン大統領と会談した。",
			[]string{textproc.NameKey("Trump"), textproc.NameKey("Putin"), "city:Budapest"}, nil},
		{"ko", "", "트럼프는 부다페스트에서 푸틴과 만났다.",
			[]string{textproc.NameKey("Trump"), textproc.NameKey("Putin"), "city:Budapest"}, nil},
		{"ru", "", "Президент России Владимир Путин встретился с Трампом в Будапеште.",
			[]string{textproc.NameKey("Putin"), textproc.NameKey("Trump"), "city:Budapest", "country:RU"}, nil},
		{"ar", "", "التقى الرئيس الأمريكي دونالد ترامب بالرئيس الروسي فلاديمير بوتين في بودابست.",
			[]string{textproc.NameKey("Trump"), textproc.NameKey("Putin"), "city:Budapest"}, nil},
		{"tr", "", "ABD Başkanı Trump'ın Putin ile görüşmesi iptal edildi.",
			[]string{textproc.NameKey("Trump"), textproc.NameKey("Putin")}, nil},
		{"fr", "", "Le président a parlé de l'Iran et d'Israël hier.",
			[]string{"country:IR", "country:IL"}, []string{textproc.NameKey("Le")}},
	} {
		got := byKey(Extract(tc.lang, tc.title, tc.text))
		for _, k := range tc.wantKeys {
			if _, ok := got[k]; !ok {
				t.Errorf("%s %q: key %q missing; got %v", tc.lang, tc.text, k, keysOf(got))
			}
		}
		for _, k := range tc.notKeys {
			if m, ok := got[k]; ok {
				t.Errorf("%s %q: unexpected %+v", tc.lang, tc.text, m)
			}
		}
	}
}

func keysOf(m map[string]Mention) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v.Surface)
	}
	return out
}

// TestDevSet runs Extract over every dev article and checks invariants, and
// that events in several languages share at least one non-trivial key more
// often than not (the signal the clusterer depends on).
func TestDevSet(t *testing.T) {
	arts := readDev(t)
	keysByArticle := make([]map[string]bool, len(arts))
	// surfaces per phonetic key of single-word, non-canonical mentions in cased
	// scripts: how often do different names collide?
	bucket := map[string]map[string]bool{}
	for i, a := range arts {
		ms := Extract(a.Lang, a.Title, a.Text)
		for _, m := range ms {
			if strings.Contains(m.Key, ":") || strings.Contains(m.Key, " ") || !isASCIIKey(m.Key) {
				continue
			}
			if bucket[m.Key] == nil {
				bucket[m.Key] = map[string]bool{}
			}
			bucket[m.Key][textproc.Latin(textproc.Lemmas(a.Lang, textproc.Lower(m.Surface))[0])] = true
		}
		if len(ms) == 0 {
			t.Errorf("%s (%s): no mentions", a.ID, a.Lang)
		}
		ks := map[string]bool{}
		for _, m := range ms {
			if m.Key == "" || m.Count < 1 || m.Surface == "" || !utf8.ValidString(m.Surface) {
				t.Fatalf("%s: bad mention %+v", a.ID, m)
			}
			if ks[m.Key] {
				t.Fatalf("%s: key %q not merged", a.ID, m.Key)
			}
			ks[m.Key] = true
		}
		keysByArticle[i] = ks
	}
	// Cross-language pairs of the same event that share a place/person key.
	// Han bigrams and gazetteer ids aside, keys shorter than 3 are ignored.
	same, sharing, diff, diffSharing := 0, 0, 0, 0
	for i := range arts {
		for j := i + 1; j < len(arts); j++ {
			if arts[i].Lang == arts[j].Lang {
				continue
			}
			shared := false
			for k := range keysByArticle[i] {
				if (len(k) >= 4 || strings.Contains(k, ":")) && keysByArticle[j][k] && isASCIIKey(k) {
					shared = true
					break
				}
			}
			if arts[i].Event == arts[j].Event {
				same++
				if shared {
					sharing++
				}
			} else {
				diff++
				if shared {
					diffSharing++
				}
			}
		}
	}
	names, shared, big := 0, 0, ""
	for k, b := range bucket {
		names += len(b)
		if len(b) > 1 {
			shared += len(b)
		}
		if big == "" || len(b) > len(bucket[big]) {
			big = k
		}
	}
	t.Logf("name keys: %d distinct transliterated mention lemmas under %d keys; %d (%.0f%%) share their key with another; largest bucket %q has %d",
		names, len(bucket), shared, 100*float64(shared)/float64(names), big, len(bucket[big]))
	t.Logf("cross-language pairs: same event %d, sharing a key %d (%.0f%%); different events %d, sharing %d (%.0f%%)",
		same, sharing, 100*float64(sharing)/float64(same), diff, diffSharing, 100*float64(diffSharing)/float64(diff))
	if float64(sharing)/float64(same) < 0.6 {
		t.Errorf("only %d of %d same-event cross-language pairs share a key", sharing, same)
	}
}

func isASCIIKey(k string) bool {
	for i := 0; i < len(k); i++ {
		if k[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func FuzzExtract(f *testing.F) {
	for _, s := range []string{"Donald Trump met Putin in Budapest.", "美国总统特朗普", "\xff\xfe Trump", "ट्रम्प और पुतिन", "", "A B C D E F G"} {
		f.Add("en", s)
	}
	f.Fuzz(func(t *testing.T, lang, s string) {
		for _, m := range Extract(lang, s, s) {
			if m.Key == "" || m.Count < 1 || !utf8.ValidString(m.Surface) || !utf8.ValidString(m.Key) {
				t.Fatalf("bad mention %+v", m)
			}
		}
	})
}

func BenchmarkExtract(b *testing.B) {
	arts := readDev(b)
	getTable() // the one-off table build is not what is measured
	var bytes int64
	for _, a := range arts {
		bytes += int64(len(a.Title) + len(a.Text))
	}
	b.SetBytes(bytes / int64(len(arts)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a := arts[i%len(arts)]
		Extract(a.Lang, a.Title, a.Text)
	}
}

// TestCountryForms checks that inflected and foreign forms of one country
// resolve to the same canonical id.
func TestCountryForms(t *testing.T) {
	for _, tc := range []struct{ lang, text, want string }{
		{"sq", "Presidenti i Rusisë foli sot.", "country:RU"},
		{"sq", "Lufta në Ukrainë vazhdon, tha ai për Rusinë.", "country:UA"},
		{"ro", "Negocierile dintre Rusia și Ucraina continuă.", "country:RU"},
		{"ro", "Președintele Ucrainei a vorbit.", "country:UA"},
		{"hi", "रूस के राष्ट्रपति ने कहा।", "country:RU"},
		{"vi", "Ngoại trưởng Nga nói hôm qua.", "country:RU"},
		{"ru", "Президент России заявил сегодня.", "country:RU"},
		{"uk", "Президент України заявив.", "country:UA"},
		{"de", "Die Regierung in Ungarn sagte.", "country:HU"},
		{"ar", "قال الرئيس إن روسيا مستعدة.", "country:RU"},
		{"zh", "俄罗斯总统今天表示。", "country:RU"},
		{"ja", "ロシアの大統領は述べた。", "country:RU"},
		{"th", "เครื่องบินของแอร์อินเดียตก", "country:IN"},
		{"en", "Fighting continued in Myanmar on Friday.", "country:MM"},
		{"ja", "ミャンマーで地震が発生した。", "country:MM"},
	} {
		got := byKey(Extract(tc.lang, "", tc.text))
		if m, ok := got[tc.want]; !ok || m.Kind != KindPlace {
			t.Errorf("%s %q: %s missing; got %v", tc.lang, tc.text, tc.want, keysOf(got))
		}
	}
}

func BenchmarkTableBuild(b *testing.B) {
	for i := 0; i < b.N; i++ {
		buildTable()
	}
}
