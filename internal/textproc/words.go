package textproc

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/clipperhouse/uax29/v2/words"
	"golang.org/x/text/unicode/norm"
)

// Word is one word of a text as produced by Words.
type Word struct {
	// Text is the word as written (NFC), not lower-cased.
	Text string
	// Start is the byte offset of Text in the normalised text (see Words).
	Start int
	// Script is the script of the word's first letter, or ScriptNumeric.
	Script Script
	// Capitalized reports whether the first letter is upper or title case.
	Capitalized bool
	// SentenceStart reports whether the word opens a sentence, a line or the
	// text, where capitals say nothing about names.
	SentenceStart bool
}

// Normalize returns s in NFC with invalid UTF-8 replaced by U+FFFD. It returns
// s itself, without allocating, when s is already valid NFC.
func Normalize(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if norm.NFC.IsNormalString(s) {
		return s
	}
	return norm.NFC.String(s)
}

// Words splits text into words with UAX #29 word boundaries, skipping spaces,
// punctuation and symbols. Numbers ("314", "3.5", "20/10" gives "20" and "10")
// are words too, with Script ScriptNumeric.
//
// Start offsets refer to Normalize(text), which is text itself whenever text
// is valid NFC (the usual case).
//
// Adjustments to plain UAX #29, each because later stages need it:
//   - Runs of Han characters (which UAX #29 splits into single characters)
//     become overlapping character bigrams ("美国总统" → 美国, 国总, 总统), the
//     standard indexing unit for Chinese without a dictionary; a lone Han
//     character stays a unigram.
//   - Runs of Hiragana become one word (mostly particles and inflections).
//   - Thai, Lao, Khmer and Myanmar runs, which UAX #29 leaves to dictionary
//     segmentation and this package splits per cluster, become one word per
//     run; callers search such runs by substring.
//   - Elided articles and prepositions ("l'Iran", "dell'Ucraina", "d'Israël")
//     are split off, so the word is "Iran" and its capital counts.
func Words(text string) []Word {
	return WordsNormalized(Normalize(text))
}

// WordsNormalized is Words for text that is already the result of Normalize,
// for callers that keep the normalised text and want to skip a second pass.
func WordsNormalized(text string) []Word {
	return AppendWords(make([]Word, 0, len(text)/6+1), text)
}

// AppendWords appends the words of text, which must already be the result of
// Normalize, to dst and returns the extended slice; hot loops reuse dst to
// avoid an allocation per article.
func AppendWords(dst []Word, text string) []Word {
	out := dst
	sentStart := true
	// run accumulates a spaceless-script run: [runStart, runEnd) with runScript.
	runStart, runEnd := -1, -1
	var runScript Script
	runSent := false
	flush := func() {
		if runStart < 0 {
			return
		}
		out = appendRun(out, text[runStart:runEnd], runStart, runScript, runSent)
		runStart, runEnd = -1, -1
	}
	prevAbbrev := false
	it := words.FromString(text)
	for it.Next() {
		tok := it.Value()
		start := it.Start()
		sc, first := tokenScript(tok)
		if sc == ScriptOther {
			flush()
			if tok != " " && (endsSentence(tok) && !(prevAbbrev && strings.HasPrefix(tok, ".")) || strings.IndexByte(tok, '\n') >= 0) {
				sentStart = true
			}
			prevAbbrev = false
			continue
		}
		if sc == ScriptHan || sc == ScriptHiragana || sc == ScriptThai || sc == ScriptLao || sc == ScriptKhmer || sc == ScriptMyanmar {
			if runStart >= 0 && runScript == sc && runEnd == start {
				runEnd = it.End()
				continue
			}
			flush()
			runStart, runEnd, runScript, runSent = start, it.End(), sc, sentStart
			sentStart = false
			prevAbbrev = false
			continue
		}
		flush()
		if sc != ScriptLatin || len(tok) < 3 {
			// no elision outside Latin script
		} else if i := elision(tok); i > 0 {
			tok = tok[i:]
			start += i
			first, _ = utf8.DecodeRuneInString(tok)
		}
		out = append(out, Word{
			Text:          tok,
			Start:         start,
			Script:        sc,
			Capitalized:   unicode.IsUpper(first) || unicode.IsTitle(first),
			SentenceStart: sentStart,
		})
		sentStart = false
		prevAbbrev = isAbbrev(tok)
	}
	flush()
	return out
}

// tokenScript returns the script of the first letter or digit of tok and that
// rune, or ScriptOther if tok has none (space, punctuation, symbols).
func tokenScript(tok string) (Script, rune) {
	if c := tok[0]; c < utf8.RuneSelf {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
			return ScriptLatin, rune(c)
		case '0' <= c && c <= '9':
			return ScriptNumeric, rune(c)
		case c == ' ' && len(tok) == 1:
			return ScriptOther, 0
		}
	}
	for _, r := range tok {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return ScriptOf(r), r
		}
		if unicode.IsMark(r) || r == 0x30FC {
			// A run that starts with a combining mark still belongs to its script.
			if s := ScriptOf(r); s != ScriptOther {
				return s, r
			}
		}
	}
	return ScriptOther, 0
}

func endsSentence(tok string) bool {
	for _, r := range tok {
		switch r {
		case '.', '!', '?', '…', '।', '॥', '。', '！', '？', '؟', '۔', '։', ';':
			return true
		}
	}
	return false
}

// isAbbrev reports whether a following full stop probably ends an
// abbreviation (initials, "U.S", "Dr") rather than a sentence.
func isAbbrev(tok string) bool {
	if strings.Contains(tok, ".") {
		return true
	}
	if r, size := utf8.DecodeRuneInString(tok); size == len(tok) {
		return unicode.IsUpper(r)
	}
	if len(tok) > 5 {
		return false
	}
	switch tok {
	case "Dr", "Mr", "Mrs", "Ms", "St", "Prof", "Gen", "Sen", "Rep", "Jr", "Sr", "Nr", "Hr", "Fr", "Mme", "Mlle", "Sgt", "Col", "Lt", "Gov", "Pres", "Sh", "Smt":
		return true
	}
	return false
}

// elision returns the byte length of an elided prefix such as "l'" or
// "dell’" when tok starts with one and continues with a letter, else 0.
func elision(tok string) int {
	i := -1
	for k := 0; k < len(tok) && k <= 5; k++ {
		if tok[k] == '\'' || (tok[k] == 0xE2 && strings.HasPrefix(tok[k:], "’")) {
			i = k
			break
		}
	}
	if i <= 0 {
		return 0
	}
	_, size := utf8.DecodeRuneInString(tok[i:])
	rest := tok[i+size:]
	if rest == "" {
		return 0
	}
	switch strings.ToLower(tok[:i]) {
	case "l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu",
		"dell", "nell", "sull", "all", "dall", "coll", "un", "quell", "quest", "po":
		r, _ := utf8.DecodeRuneInString(rest)
		if unicode.IsLetter(r) {
			return i + size
		}
	}
	return 0
}

// appendRun appends the words of one spaceless-script run.
func appendRun(out []Word, run string, start int, sc Script, sent bool) []Word {
	if sc != ScriptHan {
		return append(out, Word{Text: run, Start: start, Script: sc, SentenceStart: sent})
	}
	// Han: overlapping bigrams. offs holds the byte offset of each rune.
	var offs [64]int
	idx := offs[:0]
	for i := range run {
		idx = append(idx, i)
	}
	if len(idx) == 1 {
		return append(out, Word{Text: run, Start: start, Script: sc, SentenceStart: sent})
	}
	idx = append(idx, len(run))
	for k := 0; k+2 < len(idx); k++ {
		out = append(out, Word{Text: run[idx[k]:idx[k+2]], Start: start + idx[k], Script: sc, SentenceStart: sent && k == 0})
	}
	return out
}
