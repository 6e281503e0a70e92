// Package concept finds news event-type concepts (death, funeral, ceasefire,
// earthquake, arrest, verdict, ...) in article text of many languages with a
// hand-written multilingual lexicon. Concept ids are language-independent, so
// two articles in different languages that mention the same concepts probably
// report the same kind of event; this separates events of one story that share
// all their names ("Pope Francis dies" and "Pope Francis's funeral") without
// machine translation.
//
// The lexicon (lexicon.tsv) has one line per concept and language:
//
//	concept<TAB>lang<TAB>form1|form2|...
//
// A form is a lower-case word prefix ("beerdig" matches "Beerdigung"), a form
// ending in "$" must match a whole word ("tod$"), and a form of several words
// ("alto el fuego") matches consecutive words, each word a prefix except short
// inner words (under four letters), which must match exactly. For languages
// written without spaces between words (Chinese, Japanese, Thai) and for Korean,
// whose words carry attached particles, forms match as substrings.
package concept

import (
	_ "embed"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

//go:embed lexicon.tsv
var lexiconTSV string

// form is one lexicon entry, normalised like article text.
type form struct {
	concept int      // index into lexicon.concepts
	parts   []string // words of the form (one for single-word forms)
	text    string   // the whole normalised form, for substring languages
	exact   bool     // the last word must match a whole word
	// whole[j] reports that word j must match exactly rather than by prefix.
	whole []bool
}

// matcher finds the forms of one language.
type matcher struct {
	substring bool
	// byKey maps the first three runes of a form's first word (fewer, padded
	// with 0, for shorter words) to the forms that start with them.
	byKey map[uint64][]*form
}

type lexicon struct {
	concepts []string
	langs    map[string]*matcher
	counts   map[string]int
}

var (
	lexOnce sync.Once
	lex     *lexicon
)

func load() *lexicon {
	lexOnce.Do(func() { lex = parse(lexiconTSV) })
	return lex
}

// substringLangs are matched by substring rather than by word.
var substringLangs = map[string]bool{"zh": true, "ja": true, "th": true, "ko": true}

func parse(tsv string) *lexicon {
	l := &lexicon{langs: map[string]*matcher{}, counts: map[string]int{}}
	ids := map[string]int{}
	for line := range strings.Lines(tsv) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 3 {
			continue
		}
		name, lang := fields[0], fields[1]
		id, ok := ids[name]
		if !ok {
			id = len(l.concepts)
			ids[name] = id
			l.concepts = append(l.concepts, name)
		}
		m := l.langs[lang]
		if m == nil {
			m = &matcher{substring: substringLangs[lang], byKey: map[uint64][]*form{}}
			l.langs[lang] = m
		}
		added := false
		for raw := range strings.SplitSeq(fields[2], "|") {
			f := newForm(lang, id, raw)
			if f == nil {
				continue
			}
			key := runeKey(f.text)
			m.byKey[key] = append(m.byKey[key], f)
			added = true
		}
		if added {
			l.counts[lang]++
		}
	}
	return l
}

func newForm(lang string, id int, raw string) *form {
	raw = strings.TrimSpace(raw)
	exact := strings.HasSuffix(raw, "$")
	raw = strings.TrimSuffix(raw, "$")
	text := strings.TrimSpace(normalize(lang, raw))
	if text == "" {
		return nil
	}
	f := &form{concept: id, parts: strings.Fields(text), text: text, exact: exact}
	for j, p := range f.parts {
		last := j == len(f.parts)-1
		n := utf8.RuneCountInString(p)
		f.whole = append(f.whole, (last && exact) || n == 1 || (j > 0 && !last && n < 4))
	}
	return f
}

// runeKey packs the first three runes of s, up to a space, padding with 0.
func runeKey(s string) uint64 {
	var k uint64
	n := 0
	for _, r := range s {
		if r == ' ' || n == 3 {
			break
		}
		k |= uint64(r) << (42 - 21*n)
		n++
	}
	return k
}

// keys returns the lookup keys for text starting with s: its first one, two
// and three runes, the longest first; n is how many are valid.
func keys(s string) (ks [3]uint64, n int) {
	var k uint64
	for _, r := range s {
		if r == ' ' || n == 3 {
			break
		}
		k |= uint64(r) << (42 - 21*n)
		ks[2-n] = k
		n++
	}
	return [3]uint64{ks[2], ks[1], ks[0]}, n
}

// normalize lower-cases s and reduces everything but letters, marks and digits
// to single spaces. It also folds spelling variants that the lexicon should
// not have to list: Greek final sigma, the Devanagari nukta, and, in the
// Arabic script, short-vowel marks, tatweel and hamza forms of alef.
func normalize(lang string, s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	space := true
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			c := byte(r)
			switch {
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			default:
				if !space {
					b.WriteByte(' ')
					space = true
				}
				continue
			}
			b.WriteByte(c)
			space = false
			continue
		case r == 'ς':
			r = 'σ'
		case r == '\u093C' || r == '\u0640' || (r >= '\u064B' && r <= '\u065F') || r == '\u0670':
			continue
		case r == 'أ' || r == 'إ' || r == 'آ' || r == 'ٱ':
			r = 'ا'
		case unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r):
			r = unicode.ToLower(r)
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
			continue
		}
		b.WriteRune(r)
		space = false
	}
	return b.String()
}

// Find returns the concepts an article of language lang (ISO 639-1) mentions,
// each with the number of mentions. It returns nil for a language the lexicon
// does not cover or a text that mentions no concept.
func Find(lang, text string) map[string]int {
	l := load()
	m := l.langs[lang]
	if m == nil {
		return nil
	}
	norm := normalize(lang, text)
	var counts []int
	hit := func(c int) {
		if counts == nil {
			counts = make([]int, len(l.concepts))
		}
		counts[c]++
	}
	if m.substring {
		m.findSubstrings(norm, hit)
	} else {
		m.findWords(lang, norm, hit)
	}
	if counts == nil {
		return nil
	}
	out := make(map[string]int)
	for c, n := range counts {
		if n > 0 {
			out[l.concepts[c]] = n
		}
	}
	return out
}

// findSubstrings reports every occurrence of a form in s; overlapping
// occurrences of one concept count once.
func (m *matcher) findSubstrings(s string, hit func(int)) {
	lastEnd := map[int]int{}
	for i, r := range s {
		if r == ' ' {
			continue
		}
		ks, n := keys(s[i:])
		for _, k := range ks[3-n:] {
			for _, f := range m.byKey[k] {
				if !strings.HasPrefix(s[i:], f.text) {
					continue
				}
				if end, ok := lastEnd[f.concept]; ok && i < end {
					continue
				}
				lastEnd[f.concept] = i + len(f.text)
				hit(f.concept)
			}
		}
	}
}

// findWords matches forms word by word. A multi-word match consumes its words,
// so "cease fire" is not also a "fire".
func (m *matcher) findWords(lang, s string, hit func(int)) {
	words := strings.Fields(s)
	var seen [8]int
	var one [1]string
	for i := 0; i < len(words); {
		nseen, longest := 0, 1
		vs := variants(lang, words[i])
		if vs == nil {
			vs = one[:]
			one[0] = words[i]
		}
		for _, v := range vs {
			ks, n := keys(v)
			for _, k := range ks[3-n:] {
				for _, f := range m.byKey[k] {
					if !f.matchAt(v, words[i+1:]) {
						continue
					}
					longest = max(longest, len(f.parts))
					dup := false
					for _, c := range seen[:nseen] {
						dup = dup || c == f.concept
					}
					if !dup && nseen < len(seen) {
						seen[nseen] = f.concept
						nseen++
						hit(f.concept)
					}
				}
			}
		}
		i += longest
	}
}

// matchAt reports whether f matches the word first followed by rest.
func (f *form) matchAt(first string, rest []string) bool {
	if len(rest) < len(f.parts)-1 {
		return false
	}
	for j, p := range f.parts {
		w := first
		if j > 0 {
			w = rest[j-1]
		}
		if f.whole[j] {
			if w != p {
				return false
			}
		} else if !strings.HasPrefix(w, p) {
			return false
		}
	}
	return true
}

// variants returns nil for languages other than Arabic, else w and, for Arabic, w without the conjunctions و and ف,
// the article ال and the prepositions ب, ل and ك attached in front of it.
func variants(lang, w string) []string {
	if lang != "ar" {
		return nil
	}
	out := []string{w}
	add := func(v string) {
		if utf8.RuneCountInString(v) < 2 {
			return
		}
		for _, o := range out {
			if o == v {
				return
			}
		}
		out = append(out, v)
	}
	bases := []string{w}
	for _, p := range []string{"و", "ف"} {
		if v, ok := strings.CutPrefix(w, p); ok && utf8.RuneCountInString(v) > 2 {
			add(v)
			bases = append(bases, v)
		}
	}
	for _, b := range bases {
		for _, p := range []string{"ال", "بال", "كال", "لل", "ب", "ل"} {
			if v, ok := strings.CutPrefix(b, p); ok && utf8.RuneCountInString(v) > 2 {
				add(v)
				if p == "لل" {
					add("ال" + v)
				}
			}
		}
	}
	return out
}

// Concepts lists the concept ids in lexicon order.
func Concepts() []string {
	return append([]string(nil), load().concepts...)
}

// Languages lists the languages the lexicon covers, with the number of
// concepts for each.
func Languages() map[string]int {
	out := make(map[string]int, len(load().counts))
	for k, v := range load().counts {
		out[k] = v
	}
	return out
}

// Shared returns the concepts present in both a and b, sorted.
func Shared(a, b map[string]int) []string {
	var out []string
	for c := range a {
		if b[c] > 0 {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}
