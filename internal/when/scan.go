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

func isCharScript(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul,
		unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)
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
		case r < utf8.RuneSelf && ('a' <= r|0x20 && r|0x20 <= 'z') || r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)):
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
					if !(unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)) || isCharScript(r) {
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
