package when

import (
	"sync"
	"time"
)

// item is a date expression before it is resolved against a reference date.
type item struct {
	kind       byte // 'd' date (Year may be 0), kindWeekday or kindRelative
	date       Date
	value      int // weekday or day offset
	start, end int // byte offsets
	// weekday is, for a date written with its day of the week ("mercredi
	// 2 avril", "Sunday, Feb. 23"), that weekday plus one; 0 when none.
	weekday int
}

// scanner matches date expressions over the tokens of one text.
type scanner struct {
	s     string
	lang  string
	all   bool // language unknown: accept every table
	toks  []token
	buf   []byte
	buf2  []byte
	v     *vocabulary
	items []item
	// The table entries for the last word looked up: each word is tried as a
	// month, a weekday and a relative day, and one map lookup serves all three.
	lookedUp int
	phrases  []phrase
}

var scannerPool = sync.Pool{New: func() any { return new(scanner) }}

// dayFirstDotLangs write year-less dates as "21.04." (with the final dot).
var dayFirstDotLangs = map[string]bool{
	"de": true, "cs": true, "sk": true, "pl": true, "sl": true, "hr": true, "sr": true, "bs": true,
	"da": true, "nb": true, "nn": true, "fi": true, "et": true, "lv": true, "hu": true, "is": true,
}

// slashYearlessLangs write year-less dates as "20/10" often enough that a bare
// day/month pair is more likely a date than a fraction or a score.
var slashYearlessLangs = map[string]bool{"vi": true}

func scan(lang, text string, sc *scanner) []item {
	sc.s = text
	sc.lang = lang
	sc.v = loadVocabulary()
	sc.all = lang == "" || !sc.v.langs[lang]
	sc.toks = tokenize(text, sc.toks[:0])
	sc.items = sc.items[:0]
	sc.lookedUp = -1
	for i := 0; i < len(sc.toks); {
		if d, end, ok := sc.dateAt(i); ok {
			sc.items = append(sc.items, item{kind: 'd', date: d, start: sc.toks[i].start, end: sc.toks[end-1].end})
			i = end
			continue
		}
		if sc.toks[i].kind != tWord {
			i++
			continue
		}
		if v, end, ok := sc.phraseAt(i, kindWeekday); ok {
			// "lundi 21 avril 2025", "Tuesday, Oct. 21": the explicit date wins.
			k := end
			for n := 0; n < 2 && k < len(sc.toks) && sc.isConnector(k); n++ {
				k++
			}
			if d, dend, ok := sc.dateAt(k); ok {
				// The weekday pins the year of a year-less date (see
				// weekdayYear); keep it with the date.
				sc.items = append(sc.items, item{kind: 'd', date: d, start: sc.toks[k].start, end: sc.toks[dend-1].end, weekday: v + 1})
				i = dend
				continue
			}
			sc.items = append(sc.items, item{kind: kindWeekday, value: v, start: sc.toks[i].start, end: sc.toks[end-1].end})
			i = end
			continue
		}
		if v, end, ok := sc.phraseAt(i, kindRelative); ok {
			sc.items = append(sc.items, item{kind: kindRelative, value: v, start: sc.toks[i].start, end: sc.toks[end-1].end})
			i = end
			continue
		}
		i++
	}
	return sc.items
}

// isConnector reports whether token k may stand between a weekday and the
// date it names: a comma, or an article such as "den", "le", "the".
func (sc *scanner) isConnector(k int) bool {
	switch sc.toks[k].text(sc.s) {
	case ",", "،", "den", "le", "the", "el", "il", "o", "de":
		return true
	}
	return false
}

func (sc *scanner) tok(i int) (token, bool) {
	if i < 0 || i >= len(sc.toks) {
		return token{}, false
	}
	return sc.toks[i], true
}

// punctAt reports whether token i is the punctuation p written directly after
// the previous token (no space).
func (sc *scanner) punctAt(i int, p string) bool {
	t, ok := sc.tok(i)
	return ok && t.kind == tPunct && !t.space && t.text(sc.s) == p
}

func (sc *scanner) wordIs(i int, words ...string) bool {
	t, ok := sc.tok(i)
	if !ok || t.kind != tWord {
		return false
	}
	sc.buf = fold(sc.buf[:0], t.text(sc.s))
	for _, w := range words {
		if string(sc.buf) == w {
			return true
		}
	}
	return false
}

// phraseAt matches the longest table phrase of the given kind starting at
// token i. Phrases of different value and equal length (possible only when
// all languages are tried) cancel out.
func (sc *scanner) phraseAt(i int, kind byte) (value, end int, ok bool) {
	if sc.lookedUp != i {
		sc.buf = fold(sc.buf[:0], sc.toks[i].text(sc.s))
		sc.phrases, sc.lookedUp = sc.v.first[string(sc.buf)], i
	}
	ps := sc.phrases
	if len(ps) == 0 {
		return 0, 0, false
	}
	best, bestLen, ambiguous := 0, -1, false
	for _, p := range ps {
		if p.kind != kind || !(sc.all || p.lang == sc.lang) || len(p.rest) < bestLen {
			continue
		}
		if !sc.restMatches(i+1, p.rest) {
			continue
		}
		switch {
		case len(p.rest) > bestLen:
			best, bestLen, ambiguous = p.value, len(p.rest), false
		case p.value != best:
			ambiguous = true
		}
	}
	if bestLen < 0 || ambiguous {
		return 0, 0, false
	}
	return best, i + 1 + bestLen, true
}

func (sc *scanner) restMatches(i int, rest []string) bool {
	for k, want := range rest {
		t, ok := sc.tok(i + k)
		if !ok {
			return false
		}
		sc.buf2 = fold(sc.buf2[:0], t.text(sc.s))
		if string(sc.buf2) != want {
			return false
		}
	}
	return true
}

func (sc *scanner) num(i int) (token, bool) {
	t, ok := sc.tok(i)
	return t, ok && t.kind == tNum
}

// dateAt matches an explicit date starting at token i and returns it with the
// index just past its last token.
func (sc *scanner) dateAt(i int) (Date, int, bool) {
	t, ok := sc.tok(i)
	if !ok {
		return Date{}, 0, false
	}
	if t.kind == tWord {
		return sc.monthFirst(i)
	}
	if t.kind != tNum {
		return Date{}, 0, false
	}
	if d, end, ok := sc.cjk(i); ok {
		return d, end, ok
	}
	if d, end, ok := sc.numeric(i); ok {
		return d, end, ok
	}
	if t.ndig <= 2 {
		return sc.dayFirst(i)
	}
	if t.ndig == 4 {
		return sc.yearFirst(i)
	}
	return Date{}, 0, false
}

func isCJKUnit(s string, units ...string) bool {
	for _, u := range units {
		if s == u {
			return true
		}
	}
	return false
}

// cjk matches 2025年10月21日, 10月21日 and 2025년 10월 21일.
func (sc *scanner) cjk(i int) (Date, int, bool) {
	unit := func(k int, units ...string) bool {
		t, ok := sc.tok(k)
		return ok && t.kind == tWord && !t.space && isCJKUnit(t.text(sc.s), units...)
	}
	var d Date
	k := i
	if unit(k+1, "年", "년") && sc.toks[k].ndig == 4 {
		d.Year = sc.toks[k].num
		k += 2
	}
	m, ok := sc.num(k)
	if !ok || m.ndig > 2 || !unit(k+1, "月", "월") {
		return Date{}, 0, false
	}
	day, ok := sc.num(k + 2)
	if !ok || day.ndig > 2 || !unit(k+3, "日", "일") {
		return Date{}, 0, false
	}
	d.Month, d.Day = time.Month(m.num), day.num
	if !d.valid() {
		return Date{}, 0, false
	}
	return d, k + 4, true
}

// numeric matches 2025-10-21, 21.04.2025, 21/04/2025 and, in languages that
// write them, year-less 20/10 and 21.04.
func (sc *scanner) numeric(i int) (Date, int, bool) {
	a := sc.toks[i]
	sepTok, ok := sc.tok(i + 1)
	if !ok || sepTok.kind != tPunct || sepTok.space {
		return Date{}, 0, false
	}
	sep := sepTok.text(sc.s)
	if sep != "." && sep != "/" && sep != "-" {
		return Date{}, 0, false
	}
	b, ok := sc.num(i + 2)
	if !ok || b.space || b.ndig > 2 {
		return Date{}, 0, false
	}
	// Part of a longer number such as 1.21.04.2025 or 10/20/30.
	if p, ok := sc.tok(i - 1); ok && !a.space && p.kind == tPunct && (p.text(sc.s) == sep || p.text(sc.s) == ":") {
		return Date{}, 0, false
	}
	if p, ok := sc.tok(i - 1); ok && !a.space && p.kind == tNum {
		return Date{}, 0, false
	}
	longer := sc.gluedNumber // another separator and digits follow directly
	if sc.punctAt(i+3, sep) {
		c, ok := sc.num(i + 4)
		if ok && !c.space && !longer(i+5) {
			var d Date
			switch {
			case a.ndig == 4 && c.ndig <= 2:
				d = Date{Year: a.num, Month: time.Month(b.num), Day: c.num}
			case a.ndig <= 2 && c.ndig == 4:
				d = Date{Year: c.num, Month: time.Month(b.num), Day: a.num}
				if b.num > 12 && a.num <= 12 { // US month/day/year
					d.Month, d.Day = time.Month(a.num), b.num
				}
			default:
				return Date{}, 0, false
			}
			if d.Year < 1900 || d.Year > 2100 || !d.valid() {
				return Date{}, 0, false
			}
			return d, i + 5, true
		}
	}
	if a.ndig > 2 || longer(i+3) {
		return Date{}, 0, false
	}
	// Year-less forms: "3 1/2" or "5-0" are not dates, so only the forms a
	// language really uses count.
	if p, ok := sc.tok(i - 1); ok && p.kind == tNum {
		return Date{}, 0, false
	}
	d := Date{Month: time.Month(b.num), Day: a.num}
	if !d.valid() {
		return Date{}, 0, false
	}
	switch {
	case sep == "/" && slashYearlessLangs[sc.lang]:
		return d, i + 3, true
	case sep == "." && dayFirstDotLangs[sc.lang] && sc.punctAt(i+3, "."):
		if n, ok := sc.tok(i + 4); ok && n.kind == tNum {
			return Date{}, 0, false
		}
		return d, i + 4, true
	}
	return Date{}, 0, false
}

// ordinal suffixes written directly after a day number: 21st, 1er, 2º.
var ordinals = map[string]bool{"st": true, "nd": true, "rd": true, "th": true, "er": true, "re": true, "ère": true, "e": true, "º": true, "ª": true, "η": true, "ο": true}

func (sc *scanner) skipDaySuffix(k int) int {
	t, ok := sc.tok(k)
	if !ok || t.space {
		return k
	}
	if t.kind == tPunct && t.text(sc.s) == "." {
		return k + 1
	}
	if ordinals[t.text(sc.s)] {
		return k + 1
	}
	return k
}

// year reads an optional year at token k: four digits in 1900–2100, not
// glued to further digits or to a time ("2025-26", "20:10").
func (sc *scanner) year(k int) (int, int, bool) {
	t, ok := sc.num(k)
	if !ok || t.ndig != 4 {
		return 0, k, false
	}
	y := t.num
	if sc.lang == "th" && y > 2400 {
		y -= 543 // Thai news counts years in the Buddhist Era
	}
	if y < 1900 || y > 2100 {
		return 0, k, false
	}
	if n, ok := sc.tok(k + 1); ok && !n.space && n.kind == tPunct {
		if nn, ok := sc.tok(k + 2); ok && nn.kind == tNum && !nn.space {
			return 0, k, false
		}
	}
	return y, k + 1, true
}

// yearAfterMonth reads "[,|de|năm] 2025" after a month name.
func (sc *scanner) yearAfterMonth(k int) (int, int) {
	j := k
	if t, ok := sc.tok(j); ok && (t.kind == tPunct && (t.text(sc.s) == "," || t.text(sc.s) == "،") || sc.wordIs(j, "de", "del", "năm", "of", "den")) {
		j++
	}
	if y, end, ok := sc.year(j); ok {
		return y, end
	}
	return 0, k
}

// dayFirst matches "21 April 2025", "21. April", "1er mai", "21 de abril de
// 2025", "ngày 21 tháng 10 năm 2025", "10 अक्टूबर, 2025".
func (sc *scanner) dayFirst(i int) (Date, int, bool) {
	day := sc.toks[i]
	if p, ok := sc.tok(i - 1); ok && !day.space && (p.kind == tNum || p.kind == tPunct && (p.text(sc.s) == "." || p.text(sc.s) == ",")) {
		return Date{}, 0, false // 1.4 Milliarden, 3,21 …
	}
	k := sc.skipDaySuffix(i + 1)
	if sc.wordIs(k, "de", "del", "di", "of", "d'") {
		k++
	}
	if k >= len(sc.toks) || sc.toks[k].kind != tWord {
		return Date{}, 0, false
	}
	m, end, ok := sc.phraseAt(k, kindMonth)
	if !ok {
		return Date{}, 0, false
	}
	d := Date{Month: time.Month(m), Day: day.num}
	d.Year, end = sc.yearAfterMonth(end)
	if !d.valid() {
		return Date{}, 0, false
	}
	return d, end, true
}

// yearFirst matches "2025. október 21." (Hungarian order).
func (sc *scanner) yearFirst(i int) (Date, int, bool) {
	y, k, ok := sc.year(i)
	if !ok {
		return Date{}, 0, false
	}
	if sc.punctAt(k, ".") {
		k++
	}
	if k >= len(sc.toks) || sc.toks[k].kind != tWord {
		return Date{}, 0, false
	}
	m, end, ok := sc.phraseAt(k, kindMonth)
	if !ok {
		return Date{}, 0, false
	}
	day, ok := sc.num(end)
	if !ok || day.ndig > 2 {
		return Date{}, 0, false
	}
	d := Date{Year: y, Month: time.Month(m), Day: day.num}
	if !d.valid() || sc.gluedNumber(end+1) {
		return Date{}, 0, false
	}
	return d, sc.skipDaySuffix(end + 1), true
}

// gluedNumber reports whether token k continues a number (":30", ".5", ",5").
func (sc *scanner) gluedNumber(k int) bool {
	t, ok := sc.tok(k)
	if !ok || t.space || t.kind != tPunct {
		return false
	}
	switch t.text(sc.s) {
	case ":", ".", ",", "/", "-":
	default:
		return false
	}
	n, ok := sc.tok(k + 1)
	return ok && n.kind == tNum && !n.space
}

// monthFirst matches "April 21, 2025", "Oct. 21", "octombrie 21".
func (sc *scanner) monthFirst(i int) (Date, int, bool) {
	m, k, ok := sc.phraseAt(i, kindMonth)
	if !ok {
		return Date{}, 0, false
	}
	if sc.punctAt(k, ".") {
		k++
	}
	day, ok := sc.num(k)
	if !ok || day.ndig > 2 || !day.space || sc.gluedNumber(k+1) {
		return Date{}, 0, false
	}
	d := Date{Month: time.Month(m), Day: day.num}
	k = sc.skipDaySuffix(k + 1)
	if !d.valid() {
		return Date{}, 0, false
	}
	if sc.punctAt(k, ",") || sc.punctAt(k, "،") {
		if y, end, ok := sc.year(k + 1); ok {
			d.Year = y
			return d, end, true
		}
	} else if y, end, ok := sc.year(k); ok {
		d.Year = y
		return d, end, true
	}
	return d, k, true
}
