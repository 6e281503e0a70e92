package textproc

import (
	"strings"
	"unicode/utf8"

	"github.com/mozillazg/go-unidecode"
)

// Lower returns s lower-cased (Unicode simple case mapping), without
// allocating when s has no upper-case ASCII and is pure ASCII lower case.
func Lower(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return strings.ToLower(s)
		}
	}
	return s
}

// arabicLatin maps letters of the Arabic script (Arabic, Persian, Urdu) to
// Latin. It is used instead of unidecode because unidecode renders و and ي
// as the consonants w and y, whereas in transcribed foreign names (بوتين
// Putin, روبيو Rubio) they nearly always write the vowels u/o and i/e.
// Word-initial و and ي are consonants and are handled in latinArabic.
var arabicLatin = map[rune]string{
	'ا': "a", 'أ': "a", 'إ': "i", 'آ': "a", 'ٱ': "a", 'ء': "", 'ؤ': "u", 'ئ': "i",
	'ب': "b", 'پ': "p", 'ت': "t", 'ث': "th", 'ج': "j", 'چ': "ch", 'ح': "h", 'خ': "kh",
	'د': "d", 'ذ': "dh", 'ر': "r", 'ز': "z", 'ژ': "zh", 'س': "s", 'ش': "sh", 'ص': "s",
	'ض': "d", 'ط': "t", 'ظ': "z", 'ع': "", 'غ': "gh", 'ف': "f", 'ق': "q", 'ك': "k",
	'ک': "k", 'گ': "g", 'ل': "l", 'م': "m", 'ن': "n", 'ه': "h", 'ة': "a", 'و': "u",
	'ي': "i", 'ی': "i", 'ى': "a", 'ے': "e", 'ۓ': "e", 'ٹ': "t", 'ڈ': "d", 'ڑ': "r",
	'ں': "n", 'ہ': "h", 'ھ': "h", 'ۃ': "a", 'ڤ': "v", 'ڨ': "g", 'ۆ': "o", 'ێ': "e",
	'ڵ': "l", 'ڕ': "r",
}

// Latin transliterates s from any script to lower-case ASCII Latin: letters
// lose their diacritics, other scripts go through unidecode (with a
// hand-written table for the Arabic script and small fixes for Devanagari and
// katakana), "j'" (unidecode's ज़) becomes "z", apostrophes vanish and any
// other non-alphanumeric run becomes one space. The result is for matching,
// not for display: Han comes out as space-separated pinyin syllables.
func Latin(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		s = preLatin(s)
		s = unidecode.Unidecode(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	space := true // suppress leading spaces
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
			fallthrough
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			if c == 'j' && i+1 < len(s) && s[i+1] == '\'' {
				c = 'z' // unidecode writes ज़/ژ-like sounds as j'
				i++
			}
			b.WriteByte(c)
			space = false
		case c == '\'' || c == '`':
			// Soft signs and elisions: no sound of their own.
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	out := b.String()
	return strings.TrimRight(out, " ")
}

// preLatin rewrites the runes that unidecode handles poorly for names.
func preLatin(s string) string {
	need := false
	for _, r := range s {
		if (r >= 0x0600 && r <= 0x06FF) || r == 0x0949 || r == 0x0945 || r == 'フ' || r == 'ヴ' || r == 'ー' {
			need = true
			break
		}
	}
	if !need {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	prevLetter := false
	for _, r := range s {
		switch {
		case r >= 0x064B && r <= 0x065F, r == 0x0670, r == 0x0640:
			continue // harakat, superscript alef and tatweel carry no consonant
		case r == 'و' && !prevLetter:
			b.WriteString("w")
		case (r == 'ي' || r == 'ی') && !prevLetter:
			b.WriteString("y")
		case r >= 0x0600 && r <= 0x06FF:
			if l, ok := arabicLatin[r]; ok {
				b.WriteString(l)
			} else {
				b.WriteRune(r)
			}
		case r == 0x0949: // Devanagari candra o (कॉ): unidecode gives "oN"
			b.WriteRune(0x094B)
		case r == 0x0945: // candra e
			b.WriteRune(0x0947)
		case r == 'フ': // unidecode gives "hu"; in loanwords it is f (ラブロフ Lavrov)
			b.WriteString("fu")
		case r == 'ヴ':
			b.WriteString("vu")
		case r == 'ー': // long-vowel mark: no consonant
		default:
			b.WriteRune(r)
		}
		prevLetter = r >= 0x0620 && r <= 0x06FF
	}
	return b.String()
}

// NameKey returns the phonetic consonant skeleton of a name, so that the
// spellings of one name in different scripts and languages collide: Trump,
// ट्रम्प, Трамп, ترامب, トランプ and 트럼프 all give "drmb".
//
// The key is computed on Latin(s): vowels are dropped (scripts disagree most
// on them, and Devanagari and Arabic often omit them); a word-initial vowel
// is kept as "a" so "Iran" and "Rana" differ; "h" is dropped after digraphs
// are read; doubled letters collapse; consonants fold into classes that
// transcriptions confuse:
//
//	b: p b f v w ph      d: t d th dh      g: k g c(hard) q ck kh gh x
//	s: s z c(soft) j ch sh zh ts tz cz sz dzh   r: l r     m: m n
//
// Word-initial "u"/"w" before a vowel are the consonant w (Уиткофф Witkoff).
// Multi-word input gives the word keys joined by one space. Digits are kept.
// The result is ASCII; it is "" when s has no letters or digits.
func NameKey(s string) string {
	l := Latin(s)
	if l == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(l))
	for len(l) > 0 {
		w := l
		if i := strings.IndexByte(l, ' '); i >= 0 {
			w, l = l[:i], l[i+1:]
		} else {
			l = ""
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		n := b.Len()
		skeleton(&b, w)
		if b.Len() == n && n > 0 { // a word of no consonants: drop its space
			s := b.String()[:n-1]
			b.Reset()
			b.WriteString(s)
		}
	}
	return b.String()
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

// skeleton writes the key of one lower-case ASCII word to b.
func skeleton(b *strings.Builder, w string) {
	var last byte
	emit := func(c byte) {
		if c != last {
			b.WriteByte(c)
			last = c
		}
	}
	at := func(i int) byte {
		if i < len(w) {
			return w[i]
		}
		return 0
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		next := at(i + 1)
		switch {
		case '0' <= c && c <= '9':
			emit(c)
		case i == 0 && (c == 'u' || c == 'w') && isVowel(next) && next != 'u':
			emit('b')
		case isVowel(c):
			if i == 0 {
				emit('a')
			} else {
				// A vowel separates equal classes: Lavrov keeps both b's.
				last = 0
			}
		case c == 'h':
			// aspirates (bh, dh), Arabic ح/ه and silent h carry little
		case c == 'p' || c == 'b' || c == 'f' || c == 'v' || c == 'w':
			emit('b')
			if c == 'p' && next == 'h' {
				i++
			}
		case c == 't' || c == 'd':
			switch {
			case next == 's' || next == 'z':
				emit('s')
				i++
			case c == 't' && next == 'c' && at(i+2) == 'h':
				emit('s')
				i += 2
			case c == 'd' && next == 'z' && at(i+2) == 'h':
				emit('s')
				i += 2
			case c == 'd' && next == 'j':
				emit('s')
				i++
			default:
				emit('d')
			}
		case c == 'c':
			switch next {
			case 'h', 'z', 's', 'e', 'i', 'y':
				emit('s')
				if next == 'h' || next == 'z' || next == 's' {
					i++
				}
			case 'k':
				emit('g')
				i++
			default:
				emit('g')
			}
		case c == 'k' || c == 'g' || c == 'q':
			emit('g')
		case c == 'x':
			emit('g')
			emit('s')
		case c == 's':
			if next == 'c' && at(i+2) == 'h' {
				i += 2
			}
			emit('s')
		case c == 'z' || c == 'j':
			emit('s')
		case c == 'l' || c == 'r':
			emit('r')
		case c == 'm' || c == 'n':
			emit('m')
		}
	}
}
