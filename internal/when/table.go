package when

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// names.tsv is generated from Unicode CLDR by ./gen; see gen/main.go.
//
//go:embed names.tsv
var namesTSV string

// Kinds of vocabulary entries.
const (
	kindMonth    = 'm'
	kindWeekday  = 'w'
	kindRelative = 'r'
)

// phrase is one month name, weekday name or relative-day word, split into the
// folded tokens the scanner produces, so matching is a map lookup on the first
// token followed by comparisons of the rest.
type phrase struct {
	lang  string
	kind  byte
	value int // month 1–12, weekday (Sunday 0), or day offset
	rest  []string
}

type vocabulary struct {
	first map[string][]phrase // folded first token → phrases starting with it
	langs map[string]bool     // languages with any entry
}

var (
	vocabOnce sync.Once
	vocab     vocabulary
)

func loadVocabulary() *vocabulary {
	vocabOnce.Do(func() {
		vocab.first = make(map[string][]phrase, 2600)
		vocab.langs = make(map[string]bool, 80)
		var toks []token
		var buf []byte
		for line := range strings.Lines(namesTSV) {
			line = strings.TrimRight(line, "\n")
			if line == "" || line[0] == '#' {
				continue
			}
			f := strings.Split(line, "\t")
			if len(f) != 4 {
				panic("when: malformed names.tsv line: " + line)
			}
			v, err := strconv.Atoi(f[2])
			if err != nil {
				panic("when: malformed names.tsv line: " + line)
			}
			toks = tokenize(f[3], toks[:0])
			if len(toks) == 0 {
				continue
			}
			keys := make([]string, len(toks))
			for i, t := range toks {
				buf = fold(buf[:0], f[3][t.start:t.end])
				keys[i] = string(buf)
			}
			p := phrase{lang: f[0], kind: f[1][0], value: v, rest: keys[1:]}
			vocab.first[keys[0]] = append(vocab.first[keys[0]], p)
			vocab.langs[f[0]] = true
		}
	})
	return &vocab
}

// fold appends the matching key of s to dst: lower case, one apostrophe, the
// comma-below Romanian letters for their cedilla look-alikes, and no Arabic
// vowel marks, tatweel or hamza-carrying alef variants, no Devanagari nukta, so
// that common spelling variants meet the same table entry.
func fold(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if hasCase(r) {
			r = unicode.ToLower(r)
		}
		switch {
		case r == '’' || r == 'ʼ' || r == '‘':
			r = '\''
		case r == 'ţ':
			r = 'ț'
		case r == 'ş':
			r = 'ș'
		case r == 'أ' || r == 'إ' || r == 'آ':
			r = 'ا'
		case r >= 0x064B && r <= 0x0652, r == 0x0640, r == 0x093C:
			continue
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

// hasCase reports whether r may have a lower-case form; it spares the case
// tables for the caseless scripts (Arabic, Indic, CJK, Thai …).
func hasCase(r rune) bool {
	return r < 0x590 || 0x10A0 <= r && r <= 0x10FF || 0x1E00 <= r && r <= 0x1FFF ||
		0x2C00 <= r && r <= 0x2DFF || 0xA640 <= r && r <= 0xA7FF || 0xFF21 <= r && r <= 0xFF3A || r >= 0x10400
}
