// Package lang identifies the language of an article.
//
// Identification uses lingua-go's n-gram models for its 75 languages in low
// accuracy mode (trigrams only), which is right on whole paragraphs, loads in
// well under a second and keeps about 100 MB resident; the high accuracy
// models need over a gigabyte and are only better on short headlines. Text in
// a script that none of those languages uses is reported as undetermined
// rather than forced into a wrong language.
package lang

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/pemistahl/lingua-go"
	"github.com/shopspring/decimal"
)

// Undetermined is the code for text whose language is not known.
const Undetermined = "und"

// sampleBytes is how much of an article the detector reads: a headline and
// the opening paragraph decide the language; reading the whole article costs
// time in proportion and rarely changes the answer.
const sampleBytes = 1500

var (
	once     sync.Once
	detector lingua.LanguageDetector
	// cyrillicDetector uses the full models for the Cyrillic languages
	// but Kazakh, for Cyrillic text without a letter only Kazakh uses:
	// lingua's rules otherwise give short Ukrainian to Kazakh with full
	// confidence, and the trigram models alone mistake it for Bulgarian.
	// The full models of these few languages cost far less memory than
	// those of all 75.
	cyrillicDetector lingua.LanguageDetector
)

func load() {
	// lingua computes probabilities with shopspring/decimal's ExpTaylor,
	// which grows a package-level factorial cache without a lock. Filling
	// the cache now, past any exponent a 1500-byte sample can produce,
	// makes concurrent Detect calls only read it.
	if _, err := decimal.NewFromInt(-400).ExpTaylor(25); err != nil {
		panic(err)
	}
	detector = lingua.NewLanguageDetectorBuilder().
		FromAllLanguages().
		WithLowAccuracyMode().
		Build()
	cyrillicDetector = lingua.NewLanguageDetectorBuilder().
		FromLanguages(lingua.Belarusian, lingua.Bulgarian, lingua.Macedonian, lingua.Mongolian,
			lingua.Russian, lingua.Serbian, lingua.Ukrainian).
		Build()
}

// Warm loads the models now, so that the first Detect call is not slow.
func Warm() { once.Do(load) }

// Detect returns the ISO 639-1 code of the language of title and text, or
// Undetermined.
func Detect(title, text string) string {
	sample := title + "\n" + clip(text, sampleBytes)
	sc := dominantScript(sample)
	if sc != nil && !knownScript(sc) {
		return Undetermined
	}
	once.Do(load)
	detector := detector
	if sc == unicode.Cyrillic && !strings.ContainsAny(sample, kazakhLetters) {
		detector = cyrillicDetector
	}
	l, ok := detector.DetectLanguageOf(sample)
	if !ok {
		// lingua declines when two languages score alike (Hindi and
		// Marathi share script and much vocabulary); the better of the
		// two is still a far better guess than none.
		conf := detector.ComputeLanguageConfidenceValues(sample)
		if len(conf) == 0 || conf[0].Value() == 0 {
			return Undetermined
		}
		l = conf[0].Language()
	}
	code := strings.ToLower(l.IsoCode639_1().String())
	return code
}

// kazakhLetters are Cyrillic letters of Kazakh that its neighbours lack.
const kazakhLetters = "әғқңөұүһӘҒҚҢӨҰҮҺ"

// Supported lists the ISO 639-1 codes the identifier knows.
func Supported() []string {
	var out []string
	for _, l := range lingua.AllLanguages() {
		out = append(out, strings.ToLower(l.IsoCode639_1().String()))
	}
	return out
}

// Normalize turns a user-given language tag ("EN", "pt-BR", "zh_Hant") into
// the ISO 639-1 code Storyline uses, or "" when it is not a language code.
func Normalize(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	if len(tag) < 2 || len(tag) > 3 {
		return ""
	}
	for _, r := range tag {
		if r < 'a' || r > 'z' {
			return ""
		}
	}
	return tag
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// scripts lingua has models for; text in any other script is undetermined.
var linguaScripts = []*unicode.RangeTable{
	unicode.Latin, unicode.Cyrillic, unicode.Greek, unicode.Arabic, unicode.Hebrew,
	unicode.Armenian, unicode.Georgian, unicode.Devanagari, unicode.Bengali,
	unicode.Gurmukhi, unicode.Gujarati, unicode.Tamil, unicode.Telugu, unicode.Thai,
	unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul,
}

var otherScripts = []*unicode.RangeTable{
	unicode.Malayalam, unicode.Kannada, unicode.Sinhala, unicode.Myanmar, unicode.Khmer,
	unicode.Lao, unicode.Tibetan, unicode.Ethiopic, unicode.Oriya, unicode.Thaana,
	unicode.Mongolian, unicode.Syriac, unicode.Cherokee, unicode.Tifinagh,
}

// dominantScript returns the script most letters of s are written in.
func dominantScript(s string) *unicode.RangeTable {
	counts := map[*unicode.RangeTable]int{}
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		for _, t := range linguaScripts {
			if unicode.Is(t, r) {
				counts[t]++
				goto next
			}
		}
		for _, t := range otherScripts {
			if unicode.Is(t, r) {
				counts[t]++
				break
			}
		}
	next:
	}
	var best *unicode.RangeTable
	n := 0
	for t, c := range counts {
		if c > n {
			best, n = t, c
		}
	}
	return best
}

func knownScript(t *unicode.RangeTable) bool {
	for _, k := range linguaScripts {
		if k == t {
			return true
		}
	}
	return false
}
