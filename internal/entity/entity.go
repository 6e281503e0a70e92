// Package entity finds name mentions in an article (people, places,
// organisations and unknown name-like words) and gives each a key that is
// equal across languages and scripts: a gazetteer or alias canonical id
// ("country:HU", "city:Budapest", "org:NATO") where one is known, otherwise
// the phonetic textproc.NameKey of the name's base form.
package entity

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"storyline/internal/textproc"
)

// Kind is the best-effort type of a mention.
type Kind string

// Kinds of mention. KindUnknown is a name-like word of no known type, the
// usual case in uncased scripts.
const (
	KindPerson  Kind = "person"
	KindPlace   Kind = "place"
	KindOrg     Kind = "org"
	KindUnknown Kind = "unknown"
)

// rank orders kinds by specificity, so a merged mention keeps the best.
func (k Kind) rank() int {
	switch k {
	case KindPlace, KindOrg:
		return 3
	case KindPerson:
		return 2
	case KindUnknown:
		return 1
	}
	return 0
}

// Mention is one entity of an article, merged over all its occurrences.
type Mention struct {
	// Surface is the first form seen in the text ("Trumpit", "ट्रम्प").
	Surface string
	// Key joins mentions across articles and languages: a canonical id
	// (contains ':') or a NameKey (ASCII; words separated by a space for
	// full names), or for Han text a character bigram.
	Key string
	// Kind is the best-effort type.
	Kind Kind
	// Count is the number of occurrences in title and text.
	Count int
	// Canonical is the gazetteer or alias id ("country:HU", "city:Budapest",
	// "person:Donald Trump"), or "" when the name is not in the tables.
	Canonical string
}

// maxSeq is the longest run of capitalised words read as one name; longer
// runs are headlines in title case or lists, and are read word by word.
const maxSeq = 4

// token is one word of the article with what Extract has worked out about it.
type token struct {
	w      textproc.Word
	lower  string
	title  bool // in the headline
	end    int  // byte offset after the word
	cand   bool
	person bool // preceded by a title such as "president"
}

// Extract returns the mentions in an article's title and text, in language
// lang (ISO 639-1; "" if unknown), merged per Key, most frequent first.
//
// Cased scripts: capitalised words not at a sentence start are names; at a
// sentence start or in the headline a capitalised word counts only if it is
// not a stopword and is also capitalised mid-sentence in the body, or is in
// the gazetteer. Runs of up to four such words separated only by spaces
// ("Donald Trump") give a full-name mention and a mention of the last word,
// so that "Trump" alone matches. Uncased scripts: every non-stopword word of
// reasonable length is a KindUnknown candidate; the clusterer weighs them by
// rarity. Han text gives bigrams, and gazetteer and alias names (Chinese and
// Japanese forms of leaders, organisations and places) are found by
// substring in Han and Thai text.
func Extract(lang, title, text string) []Mention {
	t := getTable()
	title = textproc.Normalize(title)
	text = textproc.Normalize(text)
	x := pool.Get().(*extractor)
	defer x.release()
	x.lang, x.t, x.stop = lang, t, textproc.Stopwords(lang)

	x.words = textproc.AppendWords(x.words[:0], title)
	nTitle := len(x.words)
	x.words = textproc.AppendWords(x.words, text)
	toks := x.toks[:0]
	for i, w := range x.words {
		toks = append(toks, token{w: w, title: i < nTitle, end: w.Start + len(w.Text)})
	}
	x.toks = toks

	// attested holds lower-cased forms seen as names in the body: capitalised
	// mid-sentence in cased scripts, any word in uncased ones. It decides
	// sentence-initial words and which lemma of an inflected form to use.
	attested := x.attested
	for i := range toks {
		tk := &toks[i]
		if tk.w.Script == textproc.ScriptNumeric || tk.w.Script == textproc.ScriptHan {
			continue
		}
		tk.lower = textproc.Lower(tk.w.Text)
		if !tk.title && (!tk.w.Script.Cased() || (tk.w.Capitalized && !tk.w.SentenceStart)) {
			attested[tk.lower] = true
			// Also its main lemma, so that "Trump's" or "Trumpit" attests "trump".
			if tk.w.Capitalized {
				if lem := textproc.Lemmas(lang, tk.lower); len(lem) > 1 {
					attested[lem[0]] = true
				}
			}
		}
	}

	for i := range toks {
		tk := &toks[i]
		if tk.lower == "" || tk.w.Script == textproc.ScriptHan {
			continue
		}
		if tk.w.Script.Cased() && !tk.w.Capitalized {
			continue
		}
		if i > 0 && titleWords[toks[i-1].lower] {
			tk.person = true
		}
		if !tk.w.Script.Cased() {
			continue
		}
		n := utf8.RuneCountInString(tk.lower)
		allCaps := n >= 2 && isAllCaps(tk.w.Text)
		if n < 2 || (x.stop.Has(tk.lower) && !allCaps) {
			continue
		}
		if allCaps || (!tk.w.SentenceStart && !tk.title) {
			tk.cand = true
			continue
		}
		// Sentence start or headline: need other evidence.
		lem := textproc.Lemmas(lang, tk.lower)
		for _, l := range lem {
			if attested[l] {
				tk.cand = true
				break
			}
		}
		if !tk.cand {
			if _, ok := t.lookupWord(lem, lang != "en"); ok {
				tk.cand = true
			}
		}
	}

	// Walk the tokens: gazetteer phrases first, then name runs (cased) or
	// single words (uncased).
	src := func(tk *token) string {
		if tk.title {
			return title
		}
		return text
	}
	for i := 0; i < len(toks); {
		tk := &toks[i]
		if tk.lower == "" || tk.w.Script == textproc.ScriptHan {
			i++
			continue
		}
		// Multi-word names start with a capital where there are capitals.
		if !tk.w.Script.Cased() || tk.w.Capitalized {
			if n := x.phrase(toks, i, src(tk)); n > 0 {
				i += n
				continue
			}
		}
		if !tk.w.Script.Cased() {
			x.uncased(tk)
			i++
			continue
		}
		if !tk.cand {
			i++
			continue
		}
		// Extend a run of candidates separated by spaces only, within one of
		// title or body.
		j := i + 1
		for j < len(toks) && j-i < maxSeq+1 && toks[j].cand && toks[j].title == tk.title &&
			onlySpaces(src(tk)[toks[j-1].end:toks[j].w.Start]) {
			j++
		}
		x.run(toks[i:j])
		i = j
	}

	// Han and Thai: names by substring, Han bigrams as unknown candidates.
	spaceless := false
	for i := range toks {
		if toks[i].w.Script == textproc.ScriptHan {
			x.hanBigram(toks[i].w.Text)
		}
		if sc := toks[i].w.Script; sc.Spaceless() && sc != textproc.ScriptKatakana {
			spaceless = true
		}
	}
	if spaceless {
		x.spaceless(title)
		x.spaceless(text)
	}
	return x.result()
}

// titleWords are words that announce a person's name in many languages.
var titleWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`president presidenti presidentit presedintele președintele președintelui präsident präsidenten
		président presidente presidenta prezydent prezident predsednik elnök cumhurbaşkanı президент президента президентом
		πρόεδρος الرئيس رئيس राष्ट्रपति प्रधानमंत्री पीएम मंत्री अध्यक्ष minister ministri ministrul ministre ministro minister
		ministra министр министра министр chancellor kanzler bundeskanzler kanzlerin cancelliere canciller chancelier канцлер
		secretary sekretari secretarul secretario secrétaire sekretär госсекретарь pope papa papst pape papież pápa папа
		cardinal kardinal cardenal cardinale kardynał кардинал premier prime premierminister senator senatorul governor
		general gen mr mrs ms dr sir lord king queen prince re rey roi könig король emir sheikh ayatollah ayatolá
		ông bà tổng thống thủ tướng ngoại trưởng envoy emisarul emisari zëvendësministri ministrit kryeministri
		leader lideri liderul führer chef chief spokesman sprecher spokesperson portavoz porte-parole`) {
		m[textproc.Lower(w)] = true
	}
	return m
}()

func isAllCaps(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) {
				return false
			}
			letters++
		}
	}
	return letters >= 2
}

func onlySpaces(s string) bool {
	for _, r := range s {
		if r != ' ' && r != '\u00a0' && r != '\t' {
			return false
		}
	}
	return true
}

// wordInfo caches the analysis of one lower-cased word within an article.
type wordInfo struct {
	key   string
	e     entry
	found bool
	ok    bool // usable at all (key long enough)
}

// extractor holds one Extract call's state. Instances are pooled: their
// slices and maps keep their capacity between articles, which halves the
// allocation and GC cost of Extract.
type extractor struct {
	lang     string
	t        *table
	stop     textproc.StopwordSet
	words    []textproc.Word
	toks     []token
	attested map[string]bool
	out      map[string]*Mention
	keyCache map[string]wordInfo
	buf      []byte
}

var pool = sync.Pool{New: func() any {
	return &extractor{
		attested: make(map[string]bool, 256),
		out:      make(map[string]*Mention, 128),
		keyCache: make(map[string]wordInfo, 256),
	}
}}

// release clears the state (dropping references into the article text) and
// returns x to the pool.
func (x *extractor) release() {
	clear(x.attested)
	clear(x.out)
	clear(x.keyCache)
	clear(x.toks)
	clear(x.words)
	x.stop, x.t = nil, nil
	pool.Put(x)
}

// minKey is the shortest NameKey accepted for a single-word mention: one
// consonant class matches thousands of unrelated words.
const minKey = 2

// info resolves a lower-cased word: gazetteer entry or NameKey of its best
// lemma, where the best lemma is the first one attested elsewhere in the
// article (Trumpin → Trump when "Trump" also occurs) or else the first.
func (x *extractor) info(lower string) wordInfo {
	if wi, ok := x.keyCache[lower]; ok {
		return wi
	}
	lem := textproc.Lemmas(x.lang, lower)
	var wi wordInfo
	if e, ok := x.t.lookupWord(lem, x.lang != "en" && x.lang != ""); ok {
		wi = wordInfo{key: e.key, e: e, found: true, ok: true}
	} else {
		best := lem[0]
		for _, l := range lem {
			if l != lower && x.attested[l] {
				best = l
				break
			}
		}
		k := textproc.NameKey(best)
		wi = wordInfo{key: k, ok: len(k) >= minKey}
	}
	x.keyCache[lower] = wi
	return wi
}

func (x *extractor) add(surface, key string, kind Kind, canonical string) {
	m := x.out[key]
	if m == nil {
		x.out[key] = &Mention{Surface: surface, Key: key, Kind: kind, Count: 1, Canonical: canonical}
		return
	}
	m.Count++
	if kind.rank() > m.Kind.rank() {
		m.Kind = kind
	}
	if m.Canonical == "" {
		m.Canonical = canonical
	}
}

func (x *extractor) addEntry(surface string, e entry) {
	x.add(surface, e.key, e.kind, e.canonical)
}

// phrase matches a multi-word gazetteer or alias name starting at toks[i]
// and returns the number of tokens it covers, or 0.
func (x *extractor) phrase(toks []token, i int, src string) int {
	maxN := x.t.phraseLen[toks[i].lower]
	if maxN == 0 {
		return 0
	}
	for n := min(maxN, len(toks)-i); n >= 2; n-- {
		b := x.buf[:0]
		ok := true
		for k := i; k < i+n; k++ {
			if k > i {
				if toks[k].title != toks[i].title || !onlySpaces(src[toks[k-1].end:toks[k].w.Start]) || toks[k].lower == "" {
					ok = false
					break
				}
				b = append(b, ' ')
			}
			b = append(b, toks[k].lower...)
		}
		x.buf = b
		if !ok {
			continue
		}
		if e, found := x.t.exact[string(b)]; found {
			x.addEntry(src[toks[i].w.Start:toks[i+n-1].end], e)
			return n
		}
	}
	return 0
}

// uncased handles one word of a script without case.
func (x *extractor) uncased(tk *token) {
	sc := tk.w.Script
	if sc == textproc.ScriptHiragana || sc == textproc.ScriptNumeric {
		return
	}
	n := utf8.RuneCountInString(tk.lower)
	minRunes := 2
	if sc == textproc.ScriptArabic || sc == textproc.ScriptHebrew {
		minRunes = 3
	}
	if sc.Spaceless() && sc != textproc.ScriptKatakana {
		return // Thai and similar runs: substring search only
	}
	if n < minRunes || x.stop.Has(tk.lower) {
		return
	}
	wi := x.info(tk.lower)
	if wi.found {
		x.addEntry(tk.w.Text, wi.e)
		return
	}
	if !wi.ok {
		return
	}
	kind := KindUnknown
	if tk.person {
		kind = KindPerson
	}
	x.add(tk.w.Text, wi.key, kind, "")
}

// run handles a run of capitalised candidate words in a cased script.
func (x *extractor) run(run []token) {
	if len(run) > maxSeq {
		for i := range run {
			x.run(run[i : i+1])
		}
		return
	}
	infos := make([]wordInfo, len(run))
	for i := range run {
		infos[i] = x.info(run[i].lower)
	}
	if len(run) == 1 {
		tk := &run[0]
		wi := infos[0]
		switch {
		case wi.found:
			x.addEntry(tk.w.Text, wi.e)
		case !wi.ok:
		case isAllCaps(tk.w.Text) && utf8.RuneCountInString(tk.w.Text) <= 6:
			x.add(tk.w.Text, wi.key, KindOrg, "")
		case tk.person:
			x.add(tk.w.Text, wi.key, KindPerson, "")
		default:
			x.add(tk.w.Text, wi.key, KindUnknown, "")
		}
		return
	}
	// A run containing a place is not a person's name: read it word by word.
	for _, wi := range infos {
		if wi.found {
			for i := range run {
				x.run(run[i : i+1])
			}
			return
		}
	}
	keys := make([]string, 0, len(run))
	surf := make([]string, 0, len(run))
	for i, wi := range infos {
		if wi.key != "" {
			keys = append(keys, wi.key)
		}
		surf = append(surf, run[i].w.Text)
	}
	last := run[len(run)-1]
	x.add(strings.Join(surf, " "), strings.Join(keys, " "), KindPerson, "")
	if wl := infos[len(infos)-1]; wl.ok {
		x.add(last.w.Text, wl.key, KindPerson, "")
	}
}

// spaceless finds gazetteer and alias names inside Han and Thai text.
func (x *extractor) spaceless(s string) {
	t := x.t
	for i := 0; i < len(s); {
		if s[i] < 0xE0 { // below U+0800: no Han, kana or Thai
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		maxN := t.maxRunes[r]
		if maxN == 0 {
			i += size
			continue
		}
		// Collect up to maxN rune boundaries and try longest first.
		var ends [32]int
		n := 0
		for j := i; j < len(s) && n < maxN && n < len(ends); {
			_, sz := utf8.DecodeRuneInString(s[j:])
			j += sz
			ends[n] = j
			n++
		}
		matched := false
		for k := n - 1; k >= 1; k-- { // names are at least two runes
			if e, ok := t.spaceless[s[i:ends[k]]]; ok {
				x.addEntry(s[i:ends[k]], e)
				i = ends[k]
				matched = true
				break
			}
		}
		if !matched {
			i += size
		}
	}
}

// hanStop holds single Han characters that are stopwords in Chinese or
// Japanese; bigrams containing one carry little content.
func (x *extractor) hanBigram(bg string) {
	if utf8.RuneCountInString(bg) != 2 {
		return
	}
	for _, r := range bg {
		s := string(r)
		if textproc.IsStopword("zh", s) || textproc.IsStopword("ja", s) {
			return
		}
	}
	x.add(bg, bg, KindUnknown, "")
}

func (x *extractor) result() []Mention {
	out := make([]Mention, 0, len(x.out))
	for _, m := range x.out {
		out = append(out, *m)
	}
	slices.SortFunc(out, func(a, b Mention) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}
