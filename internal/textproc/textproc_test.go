package textproc

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// corpusDir is the shared corpus, outside the repository on purpose: the
// articles belong to their publishers and are not copied into the project.
const corpusDir = "../../../shared/corpus"

type devArticle struct {
	ID, Lang, Title, Text, Event string
}

func readDev(tb testing.TB) []devArticle {
	tb.Helper()
	f, err := os.Open(filepath.Join(corpusDir, "dev", "dev.jsonl"))
	if err != nil {
		tb.Fatalf("dev set missing (expected at %s/dev/dev.jsonl): %v", corpusDir, err)
	}
	defer f.Close()
	var out []devArticle
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var a devArticle
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			tb.Fatal(err)
		}
		out = append(out, a)
	}
	if len(out) < 300 {
		tb.Fatalf("dev set has %d articles, want ≥300", len(out))
	}
	return out
}

func TestNameKeyAcrossScripts(t *testing.T) {
	// Each group: one name in several scripts and languages; every form's main
	// key must equal the first form's. lang is the form's language, used for
	// inflection stripping.
	type form struct{ lang, word string }
	groups := map[string][]form{
		"Trump":    {{"en", "Trump"}, {"sq", "Trumpit"}, {"hi", "ट्रम्प"}, {"ru", "Трамп"}, {"ar", "ترامب"}, {"ja", "トランプ"}, {"ko", "트럼프"}, {"ko", "트럼프는"}, {"tr", "Trump'ın"}, {"el", "Τραμπ"}, {"hi", "ट्रंप"}, {"ru", "Трампом"}},
		"Putin":    {{"en", "Putin"}, {"sq", "Putinit"}, {"hi", "पुतिन"}, {"ru", "Путин"}, {"ar", "بوتين"}, {"ru", "Путина"}, {"ko", "푸틴"}, {"sq", "Putin"}, {"hu", "Putyinnal"}},
		"Zelensky": {{"en", "Zelensky"}, {"ro", "Zelenski"}, {"ru", "Зеленский"}, {"uk", "Зеленського"}, {"hi", "ज़ेलेंस्की"}, {"ja", "ゼレンスキー"}, {"ko", "젤렌스키"}, {"ar", "زيلينسكي"}},
		"Budapest": {{"en", "Budapest"}, {"ro", "Budapesta"}, {"hi", "बुडापेस्ट"}, {"ru", "Будапешт"}, {"ko", "부다페스트"}},
		"Lavrov":   {{"en", "Lavrov"}, {"hi", "लावरोव"}, {"ru", "Лавров"}, {"sq", "Lavrovi"}, {"ja", "ラブロフ"}, {"ar", "لافروف"}},
		"Rubio":    {{"en", "Rubio"}, {"hi", "रुबियो"}, {"ru", "Рубио"}, {"ar", "روبيو"}},
		"Witkoff":  {{"en", "Witkoff"}, {"ro", "WitKoff"}, {"ru", "Уиткофф"}, {"hi", "विटकॉफ"}},
		"Modi":     {{"en", "Modi"}, {"hi", "मोदी"}, {"ur", "مودی"}},
		"Merz":     {{"de", "Merz"}, {"ru", "Мерц"}, {"de", "Merz'"}},
		"Ushakov":  {{"ru", "Ушаков"}, {"ro", "Ușakov"}, {"ro", "Uşakov"}},
	}
	keys := map[string]string{}
	for name, forms := range groups {
		want := NameKeys(forms[0].lang, forms[0].word)[0]
		if len(want) < 2 {
			t.Errorf("%s: key %q too short", name, want)
		}
		keys[name] = want
		for _, f := range forms[1:] {
			got := NameKeys(f.lang, f.word)
			if len(got) == 0 || got[0] != want {
				t.Errorf("%s: NameKeys(%q, %q) = %q, want main key %q (Latin %q)", name, f.lang, f.word, got, want, Latin(f.word))
			}
		}
	}
	// Different names must not share a key.
	seen := map[string]string{}
	for name, k := range keys {
		if other, ok := seen[k]; ok {
			t.Errorf("%s and %s share key %q", name, other, k)
		}
		seen[k] = name
	}
	// Not required and not faked: the pope's name differs by language.
	if NameKey("Francis") == NameKey("Franziskus") {
		t.Log("Francis and Franziskus collide (unexpected but harmless)")
	}
}

func TestNameKeyExamples(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Trump", "drmb"}, {"Putin", "bdm"}, {"Iran", "arm"}, {"Donald Trump", "dmrd drmb"},
		{"", ""}, {"!!!", ""}, {"AI171", "a171"}, {"B-2", "b 2"},
	} {
		if got := NameKey(tc.in); got != tc.want {
			t.Errorf("NameKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLatin(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Shtëpisë së Bardhë", "shtepise se bardhe"},
		{"Nhà Trắng", "nha trang"},
		{"ज़ेलेंस्की", "zelenskii"},
		{"Путин", "putin"},
		{"بوتين", "butin"},
		{"Ușakov", "usakov"},
		{"l'Iran", "liran"},
		{"  Hello,   World! ", "hello world"},
	} {
		if got := Latin(tc.in); got != tc.want {
			t.Errorf("Latin(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLemmas(t *testing.T) {
	for _, tc := range []struct {
		lang, in string
		want     []string
	}{
		{"sq", "trumpit", []string{"trump", "trumpit", "trumpi"}},
		{"sq", "putin", []string{"putin", "put", "puti"}},
		{"ro", "kremlinului", []string{"kremlin", "kremlinu", "kremlinului"}},
		{"ar", "والقدس", []string{"قدس", "والقدس"}},
		{"ar", "بوتين", []string{"بوتين", "وتين"}},
		{"ko", "트럼프는", []string{"트럼프", "트럼프는"}},
		{"en", "iran", []string{"iran"}},
		{"tr", "trump'ın", []string{"trump", "trump'ın"}},
	} {
		got := Lemmas(tc.lang, tc.in)
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("Lemmas(%q, %q) = %q, want %q", tc.lang, tc.in, got, tc.want)
		}
	}
}

func TestWords(t *testing.T) {
	ws := Words("Trump met Putin. The U.S. envoy, Dr. Witkoff, spoke l'Iran 314 times.\n美国总统 トランプ大統領は 트럼프는")
	var texts []string
	for _, w := range ws {
		texts = append(texts, w.Text)
	}
	want := "Trump met Putin The U.S envoy Dr Witkoff spoke Iran 314 times 美国 国总 总统 トランプ 大統 統領 は 트럼프는"
	if got := strings.Join(texts, " "); got != want {
		t.Fatalf("Words texts:\n got %s\nwant %s", got, want)
	}
	byText := map[string]Word{}
	for _, w := range ws {
		byText[w.Text] = w
	}
	checks := []struct {
		text      string
		cap, sent bool
		script    Script
	}{
		{"Trump", true, true, ScriptLatin},
		{"Putin", true, false, ScriptLatin},
		{"The", true, true, ScriptLatin},
		{"envoy", false, false, ScriptLatin},  // after "U.S." — an abbreviation, not a sentence end
		{"Witkoff", true, false, ScriptLatin}, // after "Dr."
		{"Iran", true, false, ScriptLatin},
		{"314", false, false, ScriptNumeric},
		{"美国", false, true, ScriptHan},
		{"トランプ", false, false, ScriptKatakana},
		{"트럼프는", false, false, ScriptHangul},
	}
	for _, c := range checks {
		w, ok := byText[c.text]
		if !ok {
			t.Errorf("word %q missing", c.text)
			continue
		}
		if w.Capitalized != c.cap || w.SentenceStart != c.sent || w.Script != c.script {
			t.Errorf("%q: got cap=%v sent=%v script=%v, want %v %v %v", c.text, w.Capitalized, w.SentenceStart, w.Script, c.cap, c.sent, c.script)
		}
	}
	src := Normalize("Trump met Putin. The U.S. envoy, Dr. Witkoff, spoke l'Iran 314 times.\n美国总统 トランプ大統領は 트럼프는")
	for _, w := range ws {
		if !strings.HasPrefix(src[w.Start:], w.Text) {
			t.Errorf("Start of %q is wrong: %d", w.Text, w.Start)
		}
	}
}

func TestStopwordsAndStem(t *testing.T) {
	for _, tc := range []struct {
		lang, w string
		want    bool
	}{
		{"sq", "dhe", true}, {"sq", "një", true}, {"sq", "trump", false},
		{"en", "the", true}, {"hi", "और", true}, {"ro", "și", true}, {"ro", "şi", true}, {"vi", "của", true},
		{"ru", "и", true}, {"xx", "the", false},
	} {
		if got := IsStopword(tc.lang, tc.w); got != tc.want {
			t.Errorf("IsStopword(%q, %q) = %v", tc.lang, tc.w, got)
		}
	}
	for _, tc := range []struct{ lang, in, want string }{
		{"ro", "negocierile", "negocier"},
		{"ru", "президентом", "президент"},
		{"en", "talks", "talk"},
		{"hi", "राष्ट्रपतियों", "राष्ट्रपत"},
		{"hi", "लड़कों", "लड़क"},
		{"sq", "bisedimet", "bisedimet"},
	} {
		if got := Stem(tc.lang, tc.in); got != tc.want {
			t.Errorf("Stem(%q, %q) = %q, want %q", tc.lang, tc.in, got, tc.want)
		}
	}
}

// TestWordsOnCorpus checks invariants on every real dev article: offsets point
// at the words, no word is empty or punctuation, and every text yields words.
func TestWordsOnCorpus(t *testing.T) {
	for _, a := range readDev(t) {
		src := Normalize(a.Text)
		ws := Words(a.Text)
		if len(ws) < 10 {
			t.Errorf("%s (%s): only %d words", a.ID, a.Lang, len(ws))
		}
		for _, w := range ws {
			if w.Text == "" || w.Script == ScriptOther || !strings.HasPrefix(src[w.Start:], w.Text) {
				t.Fatalf("%s: bad word %+v", a.ID, w)
			}
		}
	}
}

// TestKeyCollisions measures how many distinct words of the dev set share a
// NameKey with some other word, and fails if keys became so coarse that most
// words collide. Run with -v to see the numbers.
func TestKeyCollisions(t *testing.T) {
	byKey := map[string]map[string]bool{}
	words := map[string]bool{}
	for _, a := range readDev(t) {
		for _, w := range Words(a.Title + "\n" + a.Text) {
			if w.Script == ScriptNumeric || w.Script == ScriptHan {
				continue
			}
			lw := Lower(w.Text)
			if IsStopword(a.Lang, lw) || utf8.RuneCountInString(lw) < 3 {
				continue
			}
			l := Latin(lw)
			if words[l] {
				continue
			}
			words[l] = true
			k := NameKey(lw)
			if byKey[k] == nil {
				byKey[k] = map[string]bool{}
			}
			byKey[k][l] = true
		}
	}
	shared, short, biggest, bigKey := 0, 0, 0, ""
	for k, ws := range byKey {
		if len(ws) > 1 {
			shared += len(ws)
		}
		if len(ws) > biggest {
			biggest, bigKey = len(ws), k
		}
		if len(k) <= 2 {
			short += len(ws)
		}
	}
	frac := float64(shared) / float64(len(words))
	t.Logf("distinct transliterated words %d, distinct keys %d, words sharing a key %d (%.1f%%), words with keys ≤2 chars %d, largest bucket %q with %d words",
		len(words), len(byKey), shared, 100*frac, short, bigKey, biggest)
	if frac > 0.9 || len(byKey) < len(words)/5 {
		t.Errorf("keys too coarse: %.1f%% of words share a key", 100*frac)
	}
}

func FuzzWords(f *testing.F) {
	for _, s := range []string{"Trump met Putin.", "美国总统特朗普", "\xff\xfeabc", "l'", "ट्रम्प", "a\u0301", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		src := Normalize(s)
		for _, w := range Words(s) {
			if w.Text == "" || w.Start < 0 || w.Start+len(w.Text) > len(src) || src[w.Start:w.Start+len(w.Text)] != w.Text {
				t.Fatalf("bad word %+v in %q", w, s)
			}
			if !utf8.ValidString(w.Text) {
				t.Fatalf("invalid UTF-8 word %q", w.Text)
			}
		}
		k := NameKey(s)
		for i := 0; i < len(k); i++ {
			if k[i] >= utf8.RuneSelf {
				t.Fatalf("non-ASCII key %q", k)
			}
		}
		for _, l := range Lemmas("sq", Lower(s)) {
			if l == "" && s != "" {
				t.Fatalf("empty lemma for %q", s)
			}
		}
	})
}

func BenchmarkWords(b *testing.B) {
	arts := readDev(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a := arts[i%len(arts)]
		Words(a.Text)
	}
}
