package textproc

import (
	"strings"
	"unicode/utf8"
)

// suffixRule is one inflectional ending. Strong endings are rarely the end
// of a name itself (Albanian -it in Trumpit); weak ones often are (-in is
// Albanian accusative but also ends Putin), so a weak strip is only offered
// after the unstripped word.
type suffixRule struct {
	suffix string
	strong bool
	runes  int // rune count of suffix
}

// suffixRules lists, per language, the case and article endings that attach
// to proper names. Endings that are pure vowels are mostly omitted: NameKey
// ignores vowels anyway. Lists are ordered longest first at init.
var suffixRules = map[string][]suffixRule{}

var rawSuffixes = map[string]struct{ strong, weak string }{
	"sq": {"it ve ës së ët ën ut ës", "in un n t s"},
	"ro": {"ului lui ul ei elor ilor lor", "le"},
	"ru": {"ого его ому ему ым им ом ем ой ей ах ях ами ями", ""},
	"uk": {"ого ому им ою ею ом ем ів", "ій"},
	"be": {"ага ам ым ай ой", ""},
	"bg": {"ът ят", "та то те"},
	"mk": {"от от от", "та то"},
	"sr": {"ом ем ов ова ови ог ом", "ом"},
	"pl": {"owi ego emu ach ami iem", "em om ów"},
	"cs": {"ovi ého ému ým em ou", ""},
	"sk": {"ovi ého ému ým om", ""},
	"sl": {"om ovi ega emu em", ""},
	"hr": {"om ovi ega emu em og", ""},
	"bs": {"om ovi ega emu em og", ""},
	"hu": {"nak nek ban ben hoz hez höz nál nél ról ről tól től val vel nal nel ért ként tal tel ból ből ba be ra re", "ot et öt at t on en ön"},
	"fi": {"ssa ssä sta stä lla llä lta ltä lle ksi", "n"},
	"et": {"ga le lt st s", ""},
	"lt": {"ui", "as is"},
	"lv": {"am", "s"},
	"el": {"ου", "ς ν"},
	"de": {"", "s"},
	"nl": {"", "s"},
	"sv": {"", "s"},
	"da": {"", "s"},
	"no": {"", "s"},
	"ga": {"", ""},
	"ko": {"에서 에게 께서 으로 은 는 을 를 와 과 의", "이 가 도 로 에 만"},
	"mr": {"ांच्या च्या चे ची चा ला ने नी मध्ये वर कडून कडे ांनी", "त"},
	"gu": {"માં થી નું ના ની ને", "એ"},
	"ta": {"வின் இன் ின் க்கு ுக்கு ால் உடன் ுடன் இல் ில் ை", ""},
	"bn": {"এর ের কে য়ের তে", "র"},
	"tr": {"", ""},
	"ur": {"", ""},
}

// arabicPrefixes are clitics written joined to the next word in Arabic
// script: the article and the conjunction/prepositions before it are strong,
// a lone و/ب/ل/ف is weak because many names start with those letters (بوتين).
var arabicPrefixes = []suffixRule{
	{"وبال", true, 4}, {"وال", true, 3}, {"بال", true, 3}, {"فال", true, 3}, {"كال", true, 3}, {"لل", true, 2}, {"ال", true, 2},
	{"و", false, 1}, {"ب", false, 1}, {"ل", false, 1}, {"ف", false, 1},
}

func init() {
	for lang, r := range rawSuffixes {
		var rules []suffixRule
		for _, s := range strings.Fields(r.strong) {
			rules = append(rules, suffixRule{s, true, utf8.RuneCountInString(s)})
		}
		for _, s := range strings.Fields(r.weak) {
			rules = append(rules, suffixRule{s, false, utf8.RuneCountInString(s)})
		}
		// Longest first, so Romanian -ului wins over -ul.
		for i := 1; i < len(rules); i++ {
			for j := i; j > 0 && len(rules[j].suffix) > len(rules[j-1].suffix); j-- {
				rules[j], rules[j-1] = rules[j-1], rules[j]
			}
		}
		suffixRules[lang] = rules
	}
}

// minStem is the least number of runes a stripped name may keep; shorter
// stems are more likely a different word than an inflected name.
const minStem = 3

// Lemmas returns candidate base forms of the lower-case word w in language
// lang, best first: strongly inflected forms first stripped ("trumpit" →
// "trump", "зеленського" → "зеленськ", "트럼프는" → "트럼프", "بالقدس" → "قدس"),
// then w itself, then weakly stripped forms ("putin" → "put" in Albanian).
// Apostrophe suffixes (Turkish "trump'ın", English "trump's") are always
// stripped. The result always contains w and never an empty string.
func Lemmas(lang, w string) []string {
	rules := suffixRules[lang]
	apos := apostrophe(w)
	isArabic := lang == "ar" || lang == "fa" || lang == "ur" || lang == "ps" || lang == "ckb"
	if apos < 0 && len(rules) == 0 && !isArabic {
		return []string{w} // the common case: nothing to strip
	}
	out := make([]string, 0, 3)
	// Turkish/Azerbaijani case endings and English/German possessives follow an
	// apostrophe; elided prefixes were already split by Words.
	if apos > 0 {
		_, size := utf8.DecodeRuneInString(w[apos:])
		if rest := w[apos+size:]; utf8.RuneCountInString(rest) <= 5 {
			out = append(out, w[:apos])
		}
	}
	var weak []string
	switch {
	case isArabic:
		for _, p := range arabicPrefixes {
			if stem, ok := strings.CutPrefix(w, p.suffix); ok && utf8.RuneCountInString(stem) >= minStem {
				if p.strong {
					out = append(out, stem)
					break
				}
				weak = append(weak, stem)
			}
		}
	default:
		n := utf8.RuneCountInString(w)
		min := minStem
		if lang == "ko" {
			min = 2 // Hangul syllables carry two or three sounds each
		}
		for _, r := range rules {
			stem, ok := strings.CutSuffix(w, r.suffix)
			if !ok || n-r.runes < min {
				continue
			}
			if r.strong {
				out = append(out, stem)
			} else {
				weak = append(weak, stem)
			}
		}
	}
	out = appendUniq(out, w)
	for _, s := range weak {
		out = appendUniq(out, s)
	}
	return out
}

// apostrophe returns the byte index of the first ' or ’ in w, or -1.
func apostrophe(w string) int {
	for i := 0; i < len(w); i++ {
		if w[i] == '\'' || (w[i] == 0xE2 && strings.HasPrefix(w[i:], "’")) {
			return i
		}
	}
	return -1
}

func appendUniq(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// NameKeys returns the NameKeys of the Lemmas of word (any case) in language
// lang, best first and without duplicates or empty keys. NameKeys(lang, w)[0]
// is the main key: for "Trumpit" (sq), "Зеленського" (uk), "Trump'ın" (tr) or
// "트럼프는" (ko) it equals NameKey("Trump") / NameKey("Zelensky").
func NameKeys(lang, word string) []string {
	lem := Lemmas(lang, Lower(word))
	out := make([]string, 0, len(lem))
	for _, l := range lem {
		if k := NameKey(l); k != "" {
			out = appendUniq(out, k)
		}
	}
	return out
}
