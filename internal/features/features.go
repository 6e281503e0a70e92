// Package features turns an article into what the clusterer compares:
// cross-script name keys, places, dates resolved against the publication
// date, numbers and same-language word stems.
package features

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"storyline/internal/article"
	"storyline/internal/cluster"
	"storyline/internal/concept"
	"storyline/internal/entity"
	"storyline/internal/textproc"
	"storyline/internal/when"
)

// Name is one named entity of an article.
type Name struct {
	Key     string `json:"key"`
	Surface string `json:"surface"`
	Kind    string `json:"kind"`
	Count   int    `json:"count"`
}

// Record is the feature record of one article, stored with it.
type Record struct {
	Names   []Name   `json:"names"`
	Dates   []string `json:"dates,omitempty"`   // YYYY-MM-DD, or --MM-DD without a year
	Numbers []string `json:"numbers,omitempty"` // normalised
	// Date and DateSource are the article's date and where it came from.
	Date       string `json:"date,omitempty"`
	DateSource string `json:"date_source"`
}

// Extract computes an article's features. The article's Lang must be set.
// It returns the record to store and the document the clusterer takes.
func Extract(a *article.Article) (*Record, *cluster.Doc) {
	rec := &Record{DateSource: article.DateUnknown}
	date := a.Date
	if !date.IsZero() {
		rec.DateSource = a.DateSource
		if rec.DateSource == "" {
			rec.DateSource = article.DateHeader
		}
	}
	text := a.Text
	if a.Title != "" && !strings.HasPrefix(a.Text, a.Title) {
		text = a.Title + "\n" + a.Text
	}
	if date.IsZero() {
		if d, ok := when.InferPublication(a.Lang, text); ok && d.Year != 0 {
			// An article is published after every past year it names:
			// a date placed in 2013 by an article that also speaks of
			// 2025 took its year from a recollection.
			if y := latestYear(text); y > d.Year {
				if moved := (when.Date{Year: y, Month: d.Month, Day: d.Day}); moved.Time().Day() == d.Day {
					d = moved
				}
			}
			date = d.Time()
			rec.DateSource = article.DateText
		}
	}
	if !date.IsZero() {
		rec.Date = date.Format(time.DateOnly)
	}

	x := scratchPool.Get().(*scratch)
	defer x.release()
	b := &x.b
	add := b.add

	// The headline and lead say what an article is about; later
	// paragraphs often recall earlier or coming happenings. Names and
	// words of the lead count LeadBoost times more.
	lead := clipBytes(a.Text, leadBytes)
	leadNames := map[string]int{}
	for _, m := range entity.Extract(a.Lang, a.Title, lead) {
		leadNames[m.Key] = m.Count
	}
	for _, m := range entity.Extract(a.Lang, a.Title, a.Text) {
		m.Count += (LeadBoost - 1) * leadNames[m.Key]
		rec.Names = append(rec.Names, Name{Key: m.Key, Surface: m.Surface, Kind: string(m.Kind), Count: m.Count})
		ns := cluster.NSName
		if m.Canonical != "" && (strings.HasPrefix(m.Canonical, "country:") || strings.HasPrefix(m.Canonical, "city:")) {
			ns = cluster.NSPlace
		}
		// A gazetteer or alias id reads as its English name, so that an
		// event's label reads the same whichever language came first.
		label := CanonicalName(m.Key)
		if label == "" {
			label = m.Surface
		}
		add(cluster.MakeKey(ns, 0, m.Key), float32(m.Count), label)
		if stem, ok := nameStem(m.Key); ok {
			add(cluster.MakeKey(cluster.NSName, 0, stem), float32(m.Count), m.Surface)
		}
	}

	// Event-type concepts; those of the headline and lead count more, as
	// names and words do.
	leadConcepts := concept.Find(a.Lang, a.Title+"\n"+lead)
	for cpt, n := range concept.Find(a.Lang, text) {
		add(cluster.MakeKey(cluster.NSConcept, 0, cpt), float32(n+(LeadBoost-1)*leadConcepts[cpt]), cpt)
	}

	seenDate := map[string]bool{}
	var mentioned []cluster.Day
	for _, m := range when.Extract(a.Lang, text, date) {
		s := m.Date.String()
		mentioned = append(mentioned, cluster.Day{Year: m.Date.Year, Month: m.Date.Month, Day: m.Date.Day})
		if !seenDate[s] {
			rec.Dates = append(rec.Dates, s)
			seenDate[s] = true
		}
		if m.Date.Year != 0 {
			add(cluster.MakeKey(cluster.NSDate, 0, s), 1, s)
		}
		md := s[len(s)-5:]
		add(cluster.MakeKey(cluster.NSDay, 0, md), 1, md)
	}

	lang := a.Lang
	if lang == "" {
		lang = "und"
	}
	langKey := cluster.LangOf(lang)
	stop := textproc.Stopwords(lang)
	seenNum := map[string]bool{}
	leadEnd := len(text) - len(a.Text) + len(lead)
	for _, w := range textproc.Words(text) {
		weight := float32(1)
		if w.Start < leadEnd {
			weight = LeadBoost
		}
		// Articles repeat their words; each distinct form is looked at once.
		t, ok := x.terms[w.Text]
		if !ok {
			t = x.term(w, lang, langKey, stop)
			x.terms[w.Text] = t
		}
		switch t.kind {
		case termNumber:
			if !seenNum[t.label] {
				rec.Numbers = append(rec.Numbers, t.label)
				seenNum[t.label] = true
			}
			add(t.key, 1, t.label)
		case termWord:
			add(t.key, weight, t.label)
		}
	}
	vec, labels := b.done()
	return rec, &cluster.Doc{ID: a.ID, Lang: a.Lang, Date: date, Vec: vec, Labels: labels, Mentioned: mentioned}
}

// scratch is the working memory of one Extract call, pooled so that its
// maps and slices keep their capacity from one article to the next.
type scratch struct {
	b     docBuilder
	terms map[string]term
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{
		b:     docBuilder{index: make(map[cluster.Key]int32, 512)},
		terms: make(map[string]term, 512),
	}
}}

// release drops the references into the article and returns x to the pool.
func (x *scratch) release() {
	x.b.reset()
	clear(x.terms)
	scratchPool.Put(x)
}

// Kinds of term.
const (
	termSkip   = iota // too short, a stopword, or a number of one digit
	termWord          // a word stem
	termNumber        // a normalised number
)

// term is what a word as written contributes.
type term struct {
	kind  int
	key   cluster.Key
	label string // the lower-cased word, or the normalised number
}

// term works out what the word w contributes in language lang.
func (x *scratch) term(w textproc.Word, lang string, langKey cluster.Lang, stop textproc.StopwordSet) term {
	if w.Script == textproc.ScriptNumeric {
		if n, ok := number(w.Text); ok {
			return term{termNumber, cluster.MakeKey(cluster.NSNumber, 0, n), n}
		}
		return term{kind: termSkip}
	}
	lw := textproc.Lower(w.Text)
	if utf8.RuneCountInString(lw) < 2 || stop.Has(lw) {
		return term{kind: termSkip}
	}
	return term{termWord, cluster.MakeKey(cluster.NSTerm, langKey, textproc.Stem(lang, lw)), lw}
}

// docBuilder collects an article's features with their labels, merging
// the entries of one key as they come.
type docBuilder struct {
	e     []labeled
	index map[cluster.Key]int32 // position of each key in e
}

type labeled struct {
	cluster.Entry
	label string
}

// add sums w into the key's entry; the key's label is the first non-empty
// one given.
func (b *docBuilder) add(key cluster.Key, w float32, label string) {
	if i, ok := b.index[key]; ok {
		e := &b.e[i]
		e.Weight += w
		if e.label == "" {
			e.label = label
		}
		return
	}
	b.index[key] = int32(len(b.e))
	b.e = append(b.e, labeled{cluster.Entry{Key: key, Weight: w}, label})
}

// done returns the vector, sorted by key, and each key's label.
func (b *docBuilder) done() (cluster.Vector, []string) {
	slices.SortFunc(b.e, func(x, y labeled) int { return cmp.Compare(x.Key, y.Key) })
	vec := make(cluster.Vector, len(b.e))
	labels := make([]string, len(b.e))
	for i, e := range b.e {
		vec[i], labels[i] = e.Entry, e.label
	}
	return vec, labels
}

func (b *docBuilder) reset() {
	clear(b.e)
	b.e = b.e[:0]
	clear(b.index)
}

// latestYear returns the latest year from 1900 up to the current one that
// text writes as a four-digit number, or 0.
func latestYear(text string) int {
	now := time.Now().Year()
	best := 0
	for i := 0; i+4 <= len(text); i++ {
		if i > 0 && text[i-1] >= '0' && text[i-1] <= '9' {
			continue
		}
		if i+4 < len(text) && text[i+4] >= '0' && text[i+4] <= '9' {
			continue
		}
		y := 0
		for j := i; j < i+4; j++ {
			c := text[j]
			if c < '0' || c > '9' {
				y = -1
				break
			}
			y = y*10 + int(c-'0')
		}
		if y >= 1900 && y <= now && y > best {
			best = y
		}
	}
	return best
}

// nameStemLen is how many consonant classes of a name key its stem keeps.
const nameStemLen = 4

// nameStem returns the first consonant classes of a one-word name key,
// marked with "~", for keys longer than that: languages give one name
// different endings (Francis, Franziskus, Francesco, Франциск, فرنسيس;
// Zelensky, Zelenskyi) that the full keys keep apart.
func nameStem(key string) (string, bool) {
	if len(key) <= nameStemLen {
		return "", false
	}
	// Only phonetic keys, which are ASCII letters: canonical ids and full
	// names are exact, and Han bigram keys must not be cut inside a
	// character.
	for i := 0; i < len(key); i++ {
		if key[i] < 'a' || key[i] > 'z' {
			return "", false
		}
	}
	return key[:nameStemLen] + "~", true
}

// leadBytes is how much of the text counts as the lead: about a
// paragraph (600 bytes did better on the dev set than 300 or 400).
const leadBytes = 600

// LeadBoost is how much more a name or word of the headline and lead counts.
const LeadBoost = 2

func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// number normalises a numeric word to ASCII digits ("٣١٤" → "314",
// "7,7" → "7.7"); single digits are too common to tell events apart.
func number(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			b.WriteByte(byte('0' + digitValue(r)))
		case r == ',' || r == '.' || r == '٫':
			b.WriteByte('.')
		}
	}
	n := strings.Trim(b.String(), ".")
	if strings.Count(n, ".") > 1 {
		// 1.400.000 or 1,400,000: thousands separators.
		n = strings.ReplaceAll(n, ".", "")
	}
	if len(n) < 2 {
		return "", false
	}
	if i := strings.IndexByte(n, '.'); i >= 0 && len(n)-i-1 == 3 {
		// "1.400" or "1,400" is a thousands group more often than a decimal.
		n = strings.ReplaceAll(n, ".", "")
	}
	if _, err := strconv.ParseFloat(n, 64); err != nil {
		return "", false
	}
	return strings.TrimLeft(n, "0"), true
}

func digitValue(r rune) int {
	// Every Unicode decimal digit block is contiguous from its zero.
	for z := r; z >= r-9; z-- {
		if !unicode.IsDigit(z) {
			return int(r - z - 1)
		}
	}
	return int(r - (r - 9))
}
