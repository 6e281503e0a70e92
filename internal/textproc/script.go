package textproc

import "unicode"

// Script is the writing system of a word, reduced to the distinctions the
// pipeline acts on (cased or not, spaces between words or not).
type Script uint8

// Scripts Storyline distinguishes. ScriptNumeric marks words made of digits
// (in any script's digits) rather than letters.
const (
	ScriptOther Script = iota
	ScriptNumeric
	ScriptLatin
	ScriptCyrillic
	ScriptGreek
	ScriptArmenian
	ScriptGeorgian
	ScriptArabic
	ScriptHebrew
	ScriptDevanagari
	ScriptBengali
	ScriptGujarati
	ScriptGurmukhi
	ScriptTamil
	ScriptTelugu
	ScriptKannada
	ScriptMalayalam
	ScriptSinhala
	ScriptThai
	ScriptLao
	ScriptKhmer
	ScriptMyanmar
	ScriptHangul
	ScriptHiragana
	ScriptKatakana
	ScriptHan
	ScriptEthiopic
)

var scriptNames = [...]string{"Other", "Numeric", "Latin", "Cyrillic", "Greek", "Armenian", "Georgian",
	"Arabic", "Hebrew", "Devanagari", "Bengali", "Gujarati", "Gurmukhi", "Tamil", "Telugu", "Kannada",
	"Malayalam", "Sinhala", "Thai", "Lao", "Khmer", "Myanmar", "Hangul", "Hiragana", "Katakana", "Han", "Ethiopic"}

// String returns the script's English name.
func (s Script) String() string {
	if int(s) < len(scriptNames) {
		return scriptNames[s]
	}
	return "Other"
}

// Cased reports whether the script distinguishes upper and lower case, which
// is what lets capitalisation mark names.
func (s Script) Cased() bool {
	switch s {
	case ScriptLatin, ScriptCyrillic, ScriptGreek, ScriptArmenian, ScriptGeorgian:
		return true
	}
	return false
}

// Spaceless reports whether the script is written without spaces between
// words, so that names must be found by substring rather than by token.
func (s Script) Spaceless() bool {
	switch s {
	case ScriptHan, ScriptHiragana, ScriptKatakana, ScriptThai, ScriptLao, ScriptKhmer, ScriptMyanmar:
		return true
	}
	return false
}

// scriptTables is ordered roughly by frequency in news text so that the
// linear search in ScriptOf stops early.
var scriptTables = []struct {
	s Script
	t *unicode.RangeTable
}{
	{ScriptLatin, unicode.Latin},
	{ScriptCyrillic, unicode.Cyrillic},
	{ScriptArabic, unicode.Arabic},
	{ScriptDevanagari, unicode.Devanagari},
	{ScriptHan, unicode.Han},
	{ScriptHiragana, unicode.Hiragana},
	{ScriptKatakana, unicode.Katakana},
	{ScriptHangul, unicode.Hangul},
	{ScriptGreek, unicode.Greek},
	{ScriptHebrew, unicode.Hebrew},
	{ScriptThai, unicode.Thai},
	{ScriptTamil, unicode.Tamil},
	{ScriptGujarati, unicode.Gujarati},
	{ScriptBengali, unicode.Bengali},
	{ScriptGurmukhi, unicode.Gurmukhi},
	{ScriptTelugu, unicode.Telugu},
	{ScriptKannada, unicode.Kannada},
	{ScriptMalayalam, unicode.Malayalam},
	{ScriptSinhala, unicode.Sinhala},
	{ScriptArmenian, unicode.Armenian},
	{ScriptGeorgian, unicode.Georgian},
	{ScriptLao, unicode.Lao},
	{ScriptKhmer, unicode.Khmer},
	{ScriptMyanmar, unicode.Myanmar},
	{ScriptEthiopic, unicode.Ethiopic},
}

// ScriptOf returns the script of a single rune; digits give ScriptNumeric,
// and runes of no listed script (punctuation, symbols) give ScriptOther.
func ScriptOf(r rune) Script {
	if r < 0x80 {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
			return ScriptLatin
		case '0' <= r && r <= '9':
			return ScriptNumeric
		}
		return ScriptOther
	}
	// Fast paths for the blocks that make up nearly all news text.
	switch {
	case r >= 0xC0 && r <= 0x24F && r != 0xD7 && r != 0xF7:
		return ScriptLatin
	case r >= 0x400 && r <= 0x4FF:
		return ScriptCyrillic
	case r >= 0x900 && r <= 0x963, r >= 0x970 && r <= 0x97F:
		return ScriptDevanagari
	case r >= 0xAC00 && r <= 0xD7A3:
		return ScriptHangul
	case r >= 0x4E00 && r <= 0x9FFF:
		return ScriptHan
	case r >= 0x3041 && r <= 0x3096:
		return ScriptHiragana
	case r >= 0x30A1 && r <= 0x30FA:
		return ScriptKatakana
	case r >= 0x1E00 && r <= 0x1EFF:
		return ScriptLatin
	}
	if unicode.IsDigit(r) {
		return ScriptNumeric
	}
	// The prolonged sound mark ー is Common script but lives inside katakana words.
	if r == 0x30FC {
		return ScriptKatakana
	}
	for _, st := range scriptTables {
		if unicode.Is(st.t, r) {
			return st.s
		}
	}
	return ScriptOther
}
