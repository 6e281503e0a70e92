package when

import (
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tWord tokKind = iota
	tNum
	tPunct
)

// token is a word, a run of decimal digits in any script, or one punctuation
// rune. Scripts written without spaces (Han, kana, Hangul, Thai and its
// neighbours) give one token per character so that names inside longer runs
// still start a token.
type token struct {
	start, end int
	num        int  // value of a tNum token (saturates well above any year)
	ndig       int8 // digits in a tNum token
	kind       tokKind
	space      bool // white space separates it from the previous token
}

func (t token) text(s string) string { return s[t.start:t.end] }

// digitValue maps every Unicode decimal digit to its value; unicode.Nd lists
// them in contiguous runs of ten.
func digitValue(r rune) int {
	if r >= '0' && r <= '9' {
		return int(r - '0')
	}
	for _, rg := range unicode.Nd.R16 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10
		}
	}
	return -1
}

// isCharScript reports whether r belongs to a script written without spaces
// between words. Plain range checks: this runs for every letter scanned.
func isCharScript(r rune) bool {
	switch {
	case r < 0x0E00:
		return false
	case r <= 0x0EFF, // Thai, Lao
		0x1000 <= r && r <= 0x109F,   // Myanmar
		0x1100 <= r && r <= 0x11FF,   // Hangul Jamo
		0x1780 <= r && r <= 0x17FF,   // Khmer
		0x2E80 <= r && r <= 0x9FFF,   // CJK radicals, kana, Hangul compatibility, Han
		0xAC00 <= r && r <= 0xD7AF,   // Hangul syllables
		0xF900 <= r && r <= 0xFAFF,   // CJK compatibility ideographs
		0xFF66 <= r && r <= 0xFF9F,   // half-width katakana
		0x20000 <= r && r <= 0x3FFFF: // Han extensions
		return true
	}
	return false
}

// isWordRune reports whether r (not ASCII) continues a word: a letter or a
// combining mark. The ranges up front cover most news text without the
// table search unicode.IsLetter needs.
func isWordRune(r rune) bool {
	switch {
	case 0xC0 <= r && r <= 0x24F:
		return r != 0xD7 && r != 0xF7
	case 0x400 <= r && r <= 0x52F: // Cyrillic
		return r < 0x482 || r > 0x489
	case 0x900 <= r && r <= 0x963: // Devanagari before the dandas and digits
		return true
	case 0x621 <= r && r <= 0x65F: // Arabic letters and harakat
		return true
	case 0x1E00 <= r && r <= 0x1EFF: // Latin Extended Additional (Vietnamese)
		return true
	}
	return unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == 'ʼ' }

// tokenize appends the tokens of s to dst.
func tokenize(s string, dst []token) []token {
	space := true
	for i := 0; i < len(s); {
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		switch {
		case r < utf8.RuneSelf && (r == ' ' || r == '\n' || r == '\t' || r == '\r') || r >= utf8.RuneSelf && unicode.IsSpace(r):
			space = true
			i += n
		case r >= '0' && r <= '9' || r >= utf8.RuneSelf && unicode.Is(unicode.Nd, r):
			t := token{start: i, kind: tNum, space: space}
			for i < len(s) {
				r, n := rune(s[i]), 1
				if r >= utf8.RuneSelf {
					r, n = utf8.DecodeRuneInString(s[i:])
				}
				d := digitValue(r)
				if d < 0 {
					break
				}
				if t.num < 1e8 {
					t.num = t.num*10 + d
				}
				if t.ndig < 100 {
					t.ndig++
				}
				i += n
			}
			t.end = i
			dst = append(dst, t)
			space = false
		case r < utf8.RuneSelf && ('a' <= r|0x20 && r|0x20 <= 'z') || r >= utf8.RuneSelf && (isCharScript(r) || isWordRune(r)):
			t := token{start: i, kind: tWord, space: space}
			if r >= utf8.RuneSelf && isCharScript(r) {
				i += n
				// Combining marks (Thai vowels and tones) stay with their base.
				for i < len(s) {
					r, n := utf8.DecodeRuneInString(s[i:])
					if !unicode.Is(unicode.Mn, r) && !unicode.Is(unicode.Mc, r) {
						break
					}
					i += n
				}
			} else {
				i += n // the first rune always belongs to the word, even an apostrophe-like ʼ
				for i < len(s) {
					r, n := rune(s[i]), 1
					if r >= utf8.RuneSelf {
						r, n = utf8.DecodeRuneInString(s[i:])
					}
					if r < utf8.RuneSelf {
						if 'a' <= r|0x20 && r|0x20 <= 'z' {
							i += n
							continue
						}
						if r != '\'' {
							break
						}
					}
					if isApostrophe(r) {
						// Keep d'abril and aujourd'hui whole only if a letter follows.
						r2, _ := utf8.DecodeRuneInString(s[i+n:])
						if i+n < len(s) && unicode.IsLetter(r2) && !isCharScript(r2) {
							i += n
							continue
						}
						break
					}
					if !isWordRune(r) || isCharScript(r) {
						break
					}
					i += n
				}
			}
			t.end = i
			dst = append(dst, t)
			space = false
		default:
			dst = append(dst, token{start: i, end: i + n, kind: tPunct, space: space})
			space = false
			i += n
		}
	}
	return dst
}
