package textproc

import (
	"strings"
	"unicode/utf8"

	snowball "github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/arabic"
	"github.com/blevesearch/snowballstem/danish"
	"github.com/blevesearch/snowballstem/dutch"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/finnish"
	"github.com/blevesearch/snowballstem/french"
	"github.com/blevesearch/snowballstem/german"
	"github.com/blevesearch/snowballstem/hungarian"
	"github.com/blevesearch/snowballstem/irish"
	"github.com/blevesearch/snowballstem/italian"
	"github.com/blevesearch/snowballstem/norwegian"
	"github.com/blevesearch/snowballstem/portuguese"
	"github.com/blevesearch/snowballstem/romanian"
	"github.com/blevesearch/snowballstem/russian"
	"github.com/blevesearch/snowballstem/spanish"
	"github.com/blevesearch/snowballstem/swedish"
	"github.com/blevesearch/snowballstem/tamil"
	"github.com/blevesearch/snowballstem/turkish"
)

var snowballStemmers = map[string]func(*snowball.Env) bool{
	"ar": arabic.Stem, "da": danish.Stem, "nl": dutch.Stem, "en": english.Stem,
	"fi": finnish.Stem, "fr": french.Stem, "de": german.Stem, "hu": hungarian.Stem,
	"ga": irish.Stem, "it": italian.Stem, "no": norwegian.Stem, "nb": norwegian.Stem,
	"pt": portuguese.Stem, "ro": romanian.Stem, "ru": russian.Stem, "es": spanish.Stem,
	"sv": swedish.Stem, "ta": tamil.Stem, "tr": turkish.Stem,
}

// Stem returns the stem of lowerWord (lower-cased, NFC) in language lang:
// Snowball for the languages it covers, a light suffix stripper for Hindi and
// Marathi, and lowerWord unchanged otherwise (Vietnamese, Chinese and others
// need none; Albanian and Ukrainian have no stemmer here).
func Stem(lang, lowerWord string) string {
	if f, ok := snowballStemmers[lang]; ok {
		env := snowball.NewEnv(lowerWord)
		f(env)
		return env.Current()
	}
	if lang == "hi" || lang == "mr" {
		return stemHindi(lowerWord)
	}
	return lowerWord
}

// hindiSuffixes are inflectional endings of Hindi nouns, adjectives and
// verbs (plural and oblique -ों/-ें/-ियों, gender -ा/-ी/-े, participles -ता/-ते,
// infinitives -ना/-ने, future -ेगा…), longest first so that the longest
// applicable one is removed.
var hindiSuffixes = func() []string {
	s := strings.Fields(`ाएंगी ाएंगे ाऊंगी ाऊंगा ाइयाँ ाइयों ाइयां एंगी एंगे ऊंगी ऊंगा
		ियाँ ियों ियां ाओं ाएं ाती ाता ाते ाना ाने ानी ेगा ेगी ेंगे
		ों ें ीं ता ती ते ना ने नी या ये यी ओं एं ाओ ाए ी ा े ो ि ु ं`)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && len(s[j]) > len(s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}()

// stemHindi removes one inflectional ending, keeping at least two runes.
func stemHindi(w string) string {
	n := utf8.RuneCountInString(w)
	for _, s := range hindiSuffixes {
		if strings.HasSuffix(w, s) && n-utf8.RuneCountInString(s) >= 2 {
			return w[:len(w)-len(s)]
		}
	}
	return w
}
