package cluster

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Doc is one article as the clusterer sees it.
type Doc struct {
	ID   string
	Lang string
	// Date is the article's best known date (publication, or resolved from
	// its text); zero when unknown.
	Date time.Time
	// Vec holds raw feature weights (term frequencies); the clusterer
	// scales them by rarity when the batch is added.
	Vec Vector
	// Labels holds a readable form of each entry of Vec ("Trump" for the
	// name key drmb, "summit" for the word stem summit), in Vec's order,
	// for evidence and event labels; "" where there is none.
	Labels []string
	// Mentioned are the dates the text names, Year 0 when it gives none.
	// For an undated article they stand in, weakly, for its date.
	Mentioned []Day
}

// Day is a civil date whose year may be unknown (0).
type Day struct {
	Year  int        `json:"y,omitempty"`
	Month time.Month `json:"m"`
	Day   int        `json:"d"`
}

// gapFrom returns how many days the nearest mentioned date lies from t
// (a year-less date taking the year that brings it nearest), or -1.
func gapFrom(ms []Day, t time.Time) float64 {
	best := -1.0
	for _, m := range ms {
		y0, y1 := m.Year, m.Year
		if m.Year == 0 {
			y0, y1 = t.Year()-1, t.Year()+1
		}
		for y := y0; y <= y1; y++ {
			d := time.Date(y, m.Month, m.Day, 0, 0, 0, 0, time.UTC)
			g := math.Abs(d.Sub(t).Hours() / 24)
			if best < 0 || g < best {
				best = g
			}
		}
	}
	return best
}

// Event is a group of articles reporting one happening.
type Event struct {
	ID      string
	StoryID string
	C       *Centroid
	N       int
	Langs   map[string]int
	// dateSum and dateN give the mean date of members with a known date;
	// Min and Max bound them.
	DateSum  float64
	DateN    int
	Min, Max time.Time
	// Labels gives the names and places of the centroid a readable form:
	// the first spelling seen in a cased script, else the first. Words,
	// dates and numbers are labelled from the article they are shared
	// with; an event keeping a label for each of its words took more
	// memory and store than its centroid.
	Labels map[Key]string
	// Dirty marks events changed since they were last stored.
	Dirty bool
	// Blocked lists articles a person moved out of this event; they are
	// never put back by the clusterer.
	Blocked map[string]bool
	// Members holds the weighted vectors of up to maxMembers articles: an
	// article is compared with the members most like it rather than with
	// the centroid alone, which in a multilingual event mixes words of
	// many languages and dilutes every cosine.
	Members []Member
	// MembersStored reports that the store holds Members as they are:
	// members stop changing once an event has maxMembers of them, so a
	// big event's members need not be written again with every article.
	// Whatever changes Members clears it.
	MembersStored bool

	// Touched is the newest date the clusterer had seen when the event
	// last gained an article (evict.go). It is stored, so that a writer
	// starting on a big store reads the undated events that are recent,
	// not all of them.
	Touched time.Time

	// rev changes whenever what an article's score against the event
	// depends on does (its members, its date): the score cache (score)
	// holds a score for the rev it was computed at.
	rev uint64
	// rankGen and rankHits accumulate the event's hits in rank without a
	// map: rankHits counts for the rank call numbered rankGen.
	rankGen  uint64
	rankHits float64
}

// Member is one article's vector kept in its event for comparison.
type Member struct {
	ID        string    `json:"id"`
	Lang      string    `json:"lang"`
	Vec       Vector    `json:"vec"`
	Date      time.Time `json:"date"`
	Mentioned []Day     `json:"mentioned,omitempty"`
}

// maxMembers bounds the member vectors an event keeps; the first articles
// of an event are kept, as they define it.
const maxMembers = 24

// Date returns the event's date: the mean date of its dated articles.
func (e *Event) Date() time.Time {
	if e.DateN == 0 {
		return time.Time{}
	}
	return dayTime(int64(math.Round(e.DateSum / float64(e.DateN))))
}

// Story is a chain of events that continue one another.
type Story struct {
	ID string
	C  *Centroid
	// Events are the story's events in memory; Base is the untrimmed sum
	// of the story vectors of its events no longer in memory (evicted, or
	// never loaded), nil when there are none. C is Base plus the story
	// vectors of Events, trimmed.
	Events   []*Event
	Base     *Centroid
	Min, Max time.Time
	Dirty    bool
}

// Assignment records where an article went and why.
type Assignment struct {
	DocID      string
	EventID    string
	NewEvent   bool
	Score      float64
	Components map[string]float64
	Shared     []Shared
	// InferredDate is set for an undated article that took its event's date.
	InferredDate time.Time
}

// StoryLink records where an event went and why.
type StoryLink struct {
	EventID    string
	StoryID    string
	NewStory   bool
	Score      float64
	Components map[string]float64
	Shared     []Shared
}

// Clusterer holds the online clustering state: events, stories, document
// frequencies and the inverted index from selective keys to events.
type Clusterer struct {
	W       Weights
	Events  map[string]*Event
	Stories map[string]*Story
	// DF holds the document frequency of each key within the window of
	// the latest articles (df.go), and the language group it was seen in,
	// or LangMany when seen in several: only keys seen in several
	// languages can join articles of different languages, so only they
	// count when such articles meet.
	DF map[Key]KeyStat
	// NDocs is how many documents DF counts.
	NDocs int
	// window holds the batches DF counts, oldest first; pending, the
	// batch being counted (with the index of each key in it).
	window     []*DFBatch
	pending    *DFBatch
	pendingIdx map[Key]int
	dfWindow   int // DFWindow; smaller in tests
	// Newest is the latest article date seen; events and stories that
	// fell out of the window behind it are evicted from memory (evict.go).
	Newest time.Time
	// recent holds the day numbers of the latest dated articles, a ring
	// from recentPos once full.
	recent    []int64
	recentPos int

	postings      map[Key]*posting
	storyPostings map[Key][]*Story

	// flags caches keyFlags of the vectors compared during one Add
	// (keyed by a vector's first entry): KeyLang does not change while a
	// batch is clustered, and an article meets the same members many
	// times. Nil outside Add.
	flags map[*Entry]packed
	// pw caches the pair model's weights in feature order during Add.
	pw *pairWeights
	// probs caches pair probabilities during Add (cachedProb).
	probs map[pairKey]float64
	// sel caches selectiveOf during Add.
	sel map[*Entry][]selKey
	// scores caches score during Add: an article meets the same events,
	// unchanged, in every pass.
	scores map[scoreKey]scoreVal
	// revs numbers event changes (Event.rev); rankGen numbers rank calls.
	revs, rankGen uint64
	// serial turns prescore off (tests compare the two).
	serial bool
}

// packOf returns pack(v), cached during Add.
func (c *Clusterer) packOf(v Vector) packed {
	if len(v) == 0 {
		return packed{}
	}
	if c.flags == nil {
		return c.pack(v)
	}
	f, ok := c.flags[&v[0]]
	if !ok {
		f = c.pack(v)
		c.flags[&v[0]] = f
	}
	return f
}

// posting is the list of events indexed under a key, oldest first. It is
// held by pointer so that a list found once for an article stays current
// as events join it during the batch.
type posting struct {
	events []*Event
}

// selKey is a selective key of an article with its posting list.
type selKey struct {
	Entry
	p *posting
}

// selectiveOf returns the entries of v whose keys are selective, each with
// its posting list (made empty when the key has none yet), cached during
// Add: document frequencies do not change while a batch is clustered, and
// an article looks for candidates in every pass.
func (c *Clusterer) selectiveOf(v Vector) []selKey {
	if len(v) > 0 && c.sel != nil {
		if s, ok := c.sel[&v[0]]; ok {
			return s
		}
	}
	var s []selKey
	for _, en := range v {
		if c.selective(en.Key) {
			p := c.postings[en.Key]
			if p == nil {
				p = &posting{}
				c.postings[en.Key] = p
			}
			s = append(s, selKey{en, p})
		}
	}
	if len(v) > 0 && c.sel != nil {
		c.sel[&v[0]] = s
	}
	return s
}

// pairWeights returns the pair model's weights, cached during Add.
func (c *Clusterer) pairWeights() *pairWeights {
	if c.pw != nil {
		return c.pw
	}
	pw := c.W.pairVector()
	return &pw
}

// New returns an empty clusterer with weights w.
func New(w Weights) *Clusterer {
	return &Clusterer{
		W:             w,
		Events:        map[string]*Event{},
		Stories:       map[string]*Story{},
		DF:            map[Key]KeyStat{},
		dfWindow:      DFWindow,
		postings:      map[Key]*posting{},
		storyPostings: map[Key][]*Story{},
	}
}

// maxPostings bounds an index list: a key shared by more events than this
// is not selective, and the oldest events drop out of its list first.
const maxPostings = 256

// centroidSize bounds the features an event keeps.
const centroidSize = 600

// Restore puts a stored event and story back into the clusterer's state and
// index. Stories must be restored before their events.
func (c *Clusterer) Restore(stories []*Story, events []*Event) {
	for _, s := range stories {
		c.Stories[s.ID] = s
		c.indexStory(s)
	}
	// Without the dates of the latest articles (SetRecent), the events'
	// latest dates stand in for them.
	note := len(c.recent) == 0
	for _, e := range events {
		c.Events[e.ID] = e
		if note {
			c.noteDate(e.Max)
		}
		c.index(e, nil)
		if s := c.Stories[e.StoryID]; s != nil {
			s.Events = append(s.Events, e)
		}
	}
	c.advance()
	for _, e := range events {
		if e.Max.IsZero() && e.Touched.IsZero() { // stored before it was kept
			e.Touched = c.Newest
		}
	}
	for _, s := range stories {
		c.rebase(s)
	}
}

// idf is the rarity of a key among all documents seen.
func (c *Clusterer) idf(key Key) float64 {
	return math.Log((float64(c.NDocs) + 1) / (float64(c.DF[key].N) + 0.5))
}

// selective reports whether a key may be used to find candidates: names,
// places, dates and numbers always (unless they are everywhere), words only
// when rare.
func (c *Clusterer) selective(key Key) bool {
	df := int(c.DF[key].N)
	limit := max(20, c.NDocs/10)
	switch key.group() {
	case gTerms:
		limit = max(3, c.NDocs/100)
	case gConcepts:
		// Event types are shared by unrelated happenings everywhere;
		// they weigh a comparison but never find candidates.
		return false
	}
	return df <= limit
}

// Add clusters a batch of documents. The batch is processed in a canonical
// order (by date, then id) so that the result does not depend on the order
// of the input within a batch, and document frequencies are counted for the
// whole batch first so that every document is weighed alike.
func (c *Clusterer) Add(docs []*Doc) ([]Assignment, []StoryLink) {
	docs = slices.Clone(docs)
	slices.SortFunc(docs, func(a, b *Doc) int {
		if a.Date.IsZero() != b.Date.IsZero() {
			if a.Date.IsZero() {
				return 1
			}
			return -1
		}
		if n := a.Date.Compare(b.Date); n != 0 {
			return n
		}
		return strings.Compare(a.ID, b.ID)
	})
	c.Observe(docs)
	for _, d := range docs {
		c.noteDate(d.Date)
	}
	c.advance()
	c.flags = map[*Entry]packed{}
	pw := c.W.pairVector()
	c.pw = &pw
	c.probs = map[pairKey]float64{}
	c.sel = map[*Entry][]selKey{}
	c.scores = map[scoreKey]scoreVal{}
	defer func() { c.flags, c.pw, c.probs, c.sel, c.scores = nil, nil, nil, nil, nil }()
	weighted := make([]Vector, len(docs))
	for i, d := range docs {
		weighted[i] = c.weigh(d.Vec)
	}

	c.prescore(docs, weighted)
	var out []Assignment
	for i, d := range docs {
		out = append(out, c.assign(d, weighted[i]))
	}
	c.reassignSingletons(docs, weighted, out)
	c.refine(docs, weighted, out)
	c.mergeFragments(docs, weighted, out)
	touched := map[*Event]bool{}
	for _, a := range out {
		touched[c.Events[a.EventID]] = true
	}
	// Undated articles take the date of the event they joined.
	for i, d := range docs {
		if d.Date.IsZero() {
			if ed := c.Events[out[i].EventID].Date(); !ed.IsZero() {
				out[i].InferredDate = ed
			}
		}
	}
	links := c.linkStories(touched)
	return out, links
}

// reassignSingletons gives every article that opened an event of its own
// in this batch a second chance to join another event, now that the
// events of the batch have grown: an article compared early with a lone
// member may clear the bar against the two or three that joined later.
func (c *Clusterer) reassignSingletons(docs []*Doc, weighted []Vector, out []Assignment) {
	for i, d := range docs {
		a := &out[i]
		e := c.Events[a.EventID]
		if !a.NewEvent || e.N != 1 {
			continue
		}
		var best *Event
		bestScore := c.W.Threshold
		var bestM *Member
		for _, cand := range c.candidates(d, weighted[i]) {
			if cand.e == e || cand.e.N == 0 || cand.e.Blocked[d.ID] {
				continue
			}
			score, m := c.score(d, weighted[i], cand.e)
			if score >= bestScore {
				best, bestScore, bestM = cand.e, score, m
			}
		}
		if best == nil {
			continue
		}
		// Retire the singleton: emptied, it matches no key in the index.
		delete(c.Events, e.ID)
		e.N, e.C, e.Members, e.MembersStored = 0, NewCentroid(), nil, false
		_, shared := cosines(weighted[i], norms(weighted[i]), best.C)
		components := c.evidence(d, weighted[i], best, bestM)
		c.join(best, d, weighted[i])
		*a = Assignment{DocID: d.ID, EventID: best.ID, Score: bestScore, Components: components,
			Shared: c.label(shared, best, d, 8)}
	}
}

// mergeFragments folds small events formed in this batch into another
// event when their articles, on average, fit there: an event reported in
// several languages often starts as one fragment per language, each
// article of which was, alone, just short of the bar against the others.
func (c *Clusterer) mergeFragments(docs []*Doc, weighted []Vector, out []Assignment) {
	byEvent := map[*Event][]int{}
	for i := range out {
		if e := c.Events[out[i].EventID]; e != nil {
			byEvent[e] = append(byEvent[e], i)
		}
	}
	var frags []*Event
	for e, idx := range byEvent {
		// Only events made wholly of this batch's articles can go: the
		// store has nothing else of them to move.
		if e.N == len(idx) && e.N <= maxFragment {
			frags = append(frags, e)
		}
	}
	slices.SortFunc(frags, func(a, b *Event) int {
		if a.N != b.N {
			return cmp.Compare(a.N, b.N)
		}
		return strings.Compare(a.ID, b.ID)
	})
	for _, e := range frags {
		if c.Events[e.ID] != e {
			continue // already merged away
		}
		idx := byEvent[e]
		cands := map[*Event]bool{}
		for _, i := range idx {
			for _, cand := range c.candidates(docs[i], weighted[i]) {
				if cand.e != e && cand.e.N > 0 && c.Events[cand.e.ID] == cand.e {
					cands[cand.e] = true
				}
			}
		}
		var best *Event
		bestScore := c.W.MergeThreshold
		for f := range cands {
			var sum float64
			blocked := false
			for _, i := range idx {
				// A dated article goes nowhere outside the time window,
				// as in assign: without this, the undated articles of a
				// fragment found it candidates from other years (2013's
				// conclave joined 2025's) and dragged the dated ones
				// along by the mean.
				if f.Blocked[docs[i].ID] || !c.W.inWindow(docs[i].Date, f.Min, f.Max, c.W.WindowDays) {
					blocked = true
					break
				}
				sc, _ := c.score(docs[i], weighted[i], f)
				sum += sc
			}
			if blocked {
				continue
			}
			if s := sum / float64(len(idx)); s > bestScore || s == bestScore && best != nil && f.ID < best.ID {
				best, bestScore = f, s
			}
		}
		if best == nil {
			continue
		}
		for _, i := range idx {
			// The evidence is what the article shares with the event
			// before it joins, not with itself.
			_, shared := cosines(weighted[i], norms(weighted[i]), best.C)
			c.leave(e, docs[i], weighted[i])
			c.join(best, docs[i], weighted[i])
			out[i] = Assignment{DocID: docs[i].ID, EventID: best.ID, Score: bestScore,
				Shared: c.label(shared, best, docs[i], 8)}
			byEvent[best] = append(byEvent[best], i)
		}
	}
}

// maxFragment is the largest event mergeFragments folds into another:
// larger ones have formed around a happening of their own.
const maxFragment = 6

// refine moves an article of the batch to another event when it fits
// there better than in its own, judged without itself: the first articles
// of a batch were placed before the events they belong to had formed.
// One pass is enough: on the dev set a second moves nothing.
func (c *Clusterer) refine(docs []*Doc, weighted []Vector, out []Assignment) {
	for i, d := range docs {
		a := &out[i]
		e := c.Events[a.EventID]
		if e == nil || e.N < 2 {
			continue
		}
		own, _ := c.score(d, weighted[i], e)
		var best *Event
		bestScore := math.Max(c.W.Threshold, own)
		var bestM *Member
		for _, cand := range c.candidates(d, weighted[i]) {
			if cand.e == e || cand.e.N == 0 || cand.e.Blocked[d.ID] {
				continue
			}
			score, m := c.score(d, weighted[i], cand.e)
			if score > bestScore {
				best, bestScore, bestM = cand.e, score, m
			}
		}
		if best == nil {
			continue
		}
		_, shared := cosines(weighted[i], norms(weighted[i]), best.C)
		components := c.evidence(d, weighted[i], best, bestM)
		c.leave(e, d, weighted[i])
		c.join(best, d, weighted[i])
		*a = Assignment{DocID: d.ID, EventID: best.ID, Score: bestScore, Components: components,
			Shared: c.label(shared, best, d, 8)}
	}
}

// leave takes a document out of an event (the inverse of join; the
// event's date span and labels keep what it brought).
func (c *Clusterer) leave(e *Event, d *Doc, v Vector) {
	e.C.Add(v, -1)
	var gone []Key
	for k, w := range e.C.W {
		if w <= 1e-6 {
			delete(e.C.W, k)
			delete(e.Labels, k)
			gone = append(gone, k)
		}
	}
	c.unindex(e, gone)
	for i := range e.Members {
		if e.Members[i].ID == d.ID {
			e.Members = append(e.Members[:i:i], e.Members[i+1:]...)
			e.MembersStored = false
			break
		}
	}
	e.N--
	c.changed(e)
	if e.Langs[d.Lang]--; e.Langs[d.Lang] <= 0 {
		delete(e.Langs, d.Lang)
	}
	if !d.Date.IsZero() {
		e.DateSum -= float64(dayNumber(d.Date))
		e.DateN--
	}
	e.Dirty = true
	if e.N == 0 {
		delete(c.Events, e.ID)
	}
}

// weigh scales term frequencies by rarity: w = (1 + ln tf) · idf, with
// the namespace's weight folded in later by the similarity.
func (c *Clusterer) weigh(v Vector) Vector {
	out := make(Vector, 0, len(v))
	for _, e := range v {
		if e.Weight <= 0 {
			continue
		}
		idf := c.idf(e.Key)
		if idf <= 0 {
			continue
		}
		w := (1 + math.Log(float64(e.Weight))) * idf
		out = append(out, Entry{e.Key, float32(w)})
	}
	return out
}

// candidate is an event found through the index with the count of keys
// it shares with the article.
type candidate struct {
	e    *Event
	hits float64
}

func (c *Clusterer) assign(d *Doc, v Vector) Assignment {
	best := Assignment{DocID: d.ID, Score: -1}
	var bestEvent *Event
	var bestM *Member
	for _, cand := range c.candidates(d, v) {
		if cand.e.Blocked[d.ID] {
			continue
		}
		score, m := c.score(d, v, cand.e)
		if score > best.Score || (score == best.Score && bestEvent != nil && cand.e.ID < bestEvent.ID) {
			best = Assignment{DocID: d.ID, EventID: cand.e.ID, Score: score}
			bestEvent, bestM = cand.e, m
		}
	}
	if bestEvent != nil && best.Score >= c.W.Threshold {
		// The evidence: the features the article shares with the event.
		_, best.Shared = cosines(v, norms(v), bestEvent.C)
		best.Components = c.evidence(d, v, bestEvent, bestM)
	}
	if bestEvent == nil || best.Score < c.W.Threshold {
		bestEvent = &Event{ID: "e_" + d.ID, C: NewCentroid(), Langs: map[string]int{}, Labels: map[Key]string{}}
		c.Events[bestEvent.ID] = bestEvent
		best = Assignment{DocID: d.ID, EventID: bestEvent.ID, NewEvent: true, Score: 1}
	}
	c.join(bestEvent, d, v)
	best.Shared = c.label(best.Shared, bestEvent, d, 8)
	return best
}

// join adds a document to an event and indexes the keys it brought.
func (c *Clusterer) join(e *Event, d *Doc, v Vector) {
	before := len(e.C.W)
	var fresh []Key
	for _, en := range v {
		if _, ok := e.C.W[en.Key]; !ok {
			fresh = append(fresh, en.Key)
		}
	}
	e.C.Add(v, 1)
	if len(e.Members) < maxMembers {
		e.Members = append(e.Members, Member{ID: d.ID, Lang: d.Lang, Vec: v, Date: d.Date, Mentioned: d.Mentioned})
		e.MembersStored = false
	}
	e.N++
	e.Langs[d.Lang]++
	e.Touched = c.Newest
	c.changed(e)
	if !d.Date.IsZero() {
		day := float64(dayNumber(d.Date))
		e.DateSum += day
		e.DateN++
		if e.Min.IsZero() || d.Date.Before(e.Min) {
			e.Min = d.Date
		}
		if d.Date.After(e.Max) {
			e.Max = d.Date
		}
	}
	if e.Labels == nil {
		e.Labels = map[Key]string{}
	}
	if len(d.Labels) == len(d.Vec) {
		for i, en := range d.Vec {
			l := d.Labels[i]
			if l == "" || !en.Key.IsName() {
				continue
			}
			// A Latin or other cased spelling reads for more users than
			// one in Devanagari or Han; keep the first cased one seen.
			if old, ok := e.Labels[en.Key]; !ok || !cased(old) && cased(l) {
				e.Labels[en.Key] = l
			}
		}
	}
	if len(e.C.W) > 2*centroidSize {
		old := e.C.W
		e.C.Trim(centroidSize)
		var gone []Key
		for k := range old {
			if _, ok := e.C.W[k]; !ok {
				gone = append(gone, k)
				delete(e.Labels, k)
			}
		}
		c.unindex(e, gone)
		// A key the article brought may be among those trimmed.
		fresh = slices.DeleteFunc(fresh, func(k Key) bool {
			_, ok := e.C.W[k]
			return !ok
		})
	}
	e.Dirty = true
	if before == 0 {
		fresh = nil
	}
	c.index(e, fresh)
}

// index adds an event to the lists of the given keys, or of all its keys
// when keys is nil.
func (c *Clusterer) index(e *Event, keys []Key) {
	if keys == nil {
		for k := range e.C.W {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if g := k.group(); (g == gTerms || g == gConcepts) && !c.selective(k) {
			continue
		}
		p := c.postings[k]
		if p == nil {
			p = &posting{}
			c.postings[k] = p
		}
		if len(p.events) >= maxPostings {
			p.events = p.events[1:]
		}
		p.events = append(p.events, e)
	}
}

// unindex takes an event off the lists of keys it no longer holds.
func (c *Clusterer) unindex(e *Event, keys []Key) {
	for _, k := range keys {
		if p := c.postings[k]; p != nil {
			p.events = slices.DeleteFunc(p.events, func(x *Event) bool { return x == e })
		}
	}
}

// candidates returns the events sharing selective keys with the document
// inside the time window, the most promising first.
func (c *Clusterer) candidates(d *Doc, v Vector) []candidate {
	return c.rank(d, c.selectiveOf(v))
}

// rank returns the events on the posting lists of an article's selective
// keys that lie inside its time window, the most promising first.
func (c *Clusterer) rank(d *Doc, sel []selKey) []candidate {
	// The hits are summed on the events themselves: a map per call was
	// a good part of the search.
	c.rankGen++
	gen := c.rankGen
	var out []candidate
	c.eachInWindow(d, sel, func(e *Event, w float64) {
		if e.rankGen != gen {
			e.rankGen, e.rankHits = gen, 0
			out = append(out, candidate{e: e})
		}
		e.rankHits += w
	})
	for i := range out {
		out[i].hits = out[i].e.rankHits
	}
	return c.best(out)
}

// rankShared is rank for callers that run at once (prescore's workers),
// with a map of their own.
func (c *Clusterer) rankShared(d *Doc, sel []selKey, hits map[*Event]float64) []candidate {
	clear(hits)
	var out []candidate
	c.eachInWindow(d, sel, func(e *Event, w float64) {
		if _, ok := hits[e]; !ok {
			out = append(out, candidate{e: e})
		}
		hits[e] += w
	})
	for i := range out {
		out[i].hits = hits[out[i].e]
	}
	return c.best(out)
}

// eachInWindow calls fn for every live event on the lists of the selective
// keys whose date span lies within the article's window (or either is
// undated), with the key's weight, once per list the event is on.
func (c *Clusterer) eachInWindow(d *Doc, sel []selKey, fn func(*Event, float64)) {
	dated := !d.Date.IsZero()
	win := time.Duration(c.W.WindowDays * float64(24*time.Hour))
	lo, hi := d.Date.Add(-win), d.Date.Add(win)
	for _, en := range sel {
		w := float64(en.Weight)
		for _, e := range en.p.events {
			// The time window first: it is cheaper, and most events of a
			// busy key's list are out of it.
			if dated && !e.Min.IsZero() && (e.Min.After(hi) || e.Max.Before(lo)) {
				continue
			}
			if e.N == 0 {
				continue // emptied: merged away or retired
			}
			fn(e, w)
		}
	}
}

// best orders candidates, the most hits first (then by id), and keeps
// MaxCandidates of them.
func (c *Clusterer) best(out []candidate) []candidate {
	slices.SortFunc(out, func(a, b candidate) int {
		if n := cmp.Compare(b.hits, a.hits); n != 0 {
			return n
		}
		return strings.Compare(a.e.ID, b.e.ID)
	})
	if len(out) > c.W.MaxCandidates {
		out = out[:c.W.MaxCandidates]
	}
	return out
}

// score is the similarity of a document to an event: the mean of the pair
// model's probabilities for the (up to) TopK most similar members. It
// returns the most similar member too, for evidence. During Add a score
// is cached until the event changes.
func (c *Clusterer) score(d *Doc, v Vector, e *Event) (float64, *Member) {
	var key scoreKey
	if c.scores != nil && len(v) > 0 {
		key = scoreKey{&v[0], e}
		if sv, ok := c.scores[key]; ok && sv.rev == e.rev {
			if sv.best < 0 {
				return 0, nil
			}
			return sv.score, &e.Members[sv.best]
		}
	}
	pw := c.pairWeights()
	da := PairSide{Lang: d.Lang, Vec: v, Date: d.Date, Mentioned: d.Mentioned}
	fa := c.packOf(v)
	sc, best := c.eventScore(d.ID, e, func(m *Member, db PairSide) float64 {
		p, ok := c.cachedProb(v, m.Vec, db.Date)
		if !ok {
			p = pw.prob(c.pairFeatures(da, db, fa, c.packOf(m.Vec)))
			c.cacheProb(v, m.Vec, db.Date, p)
		}
		return p
	})
	if c.scores != nil && len(v) > 0 {
		c.scores[key] = scoreVal{rev: e.rev, score: sc, best: int32(best)}
	}
	if best < 0 {
		return 0, nil
	}
	return sc, &e.Members[best]
}

// eventScore is score given the pair probability of the article with a
// member (standing at the date db gives): the mean of the TopK highest,
// and the index of the most similar member (-1 when none was compared).
func (c *Clusterer) eventScore(docID string, e *Event, prob func(m *Member, db PairSide) float64) (float64, int) {
	var buf [maxMembers]float64
	probs := buf[:0]
	best, bestP := -1, -1.0
	var evDate time.Time
	for i := range e.Members {
		m := &e.Members[i]
		if m.ID == docID {
			continue // an article is not compared with itself
		}
		db := PairSide{Lang: m.Lang, Vec: m.Vec, Date: m.Date, Mentioned: m.Mentioned}
		if db.Date.IsZero() {
			// An undated member stands at its event's date.
			if evDate.IsZero() {
				evDate = e.Date()
			}
			db.Date = evDate
		}
		p := prob(m, db)
		probs = append(probs, p)
		if p > bestP {
			best, bestP = i, p
		}
	}
	if best < 0 {
		return 0, -1
	}
	slices.SortFunc(probs, func(a, b float64) int { return cmp.Compare(b, a) })
	k := min(len(probs), max(1, c.W.TopK))
	var sum float64
	for _, p := range probs[:k] {
		sum += p
	}
	return sum / float64(k), best
}

// scoreKey identifies a score cached during Add: an article's weighted
// vector (by its first entry; vectors do not change during Add) and an
// event; scoreVal is the score with the event's rev it holds for.
type scoreKey struct {
	v *Entry
	e *Event
}

type scoreVal struct {
	rev   uint64
	score float64
	best  int32
}

// changed notes that what an article's score against e depends on has
// changed.
func (c *Clusterer) changed(e *Event) {
	c.revs++
	e.rev = c.revs
}

// evidence returns the components of the pair of d and its most similar
// member m of e (score's second result), for the event chosen only: the
// features of every pair scored would cost as much again as scoring.
func (c *Clusterer) evidence(d *Doc, v Vector, e *Event, m *Member) map[string]float64 {
	if m == nil {
		return nil
	}
	da := PairSide{Lang: d.Lang, Vec: v, Date: d.Date, Mentioned: d.Mentioned}
	return comps(c.pairFeatures(da, c.memberSide(m, e), c.packOf(v), c.packOf(m.Vec)))
}

// memberSide is a member of e as one side of a pair.
func (c *Clusterer) memberSide(m *Member, e *Event) PairSide {
	s := PairSide{Lang: m.Lang, Vec: m.Vec, Date: m.Date, Mentioned: m.Mentioned}
	if s.Date.IsZero() {
		// An undated member stands at its event's date.
		s.Date = e.Date()
	}
	return s
}

// pairKey identifies a pair of vectors compared during one Add (by their
// first entries: the vectors do not change during Add) and the date the
// second stands at, which moves with its event's when it has none.
type pairKey struct {
	a, b *Entry
	day  int64
}

// cachedProb returns the pair probability computed earlier in this Add:
// an article meets the same members when it is placed, refined and
// merged, and each comparison is most of the clustering's cost.
func (c *Clusterer) cachedProb(a, b Vector, t time.Time) (float64, bool) {
	if c.probs == nil || len(a) == 0 || len(b) == 0 {
		return 0, false
	}
	p, ok := c.probs[pairKey{&a[0], &b[0], dayKey(t)}]
	return p, ok
}

func (c *Clusterer) cacheProb(a, b Vector, t time.Time, p float64) {
	if c.probs == nil || len(a) == 0 || len(b) == 0 {
		return
	}
	c.probs[pairKey{&a[0], &b[0], dayKey(t)}] = p
}

// dayKey is t's day number, or a value no date has when t is zero.
func dayKey(t time.Time) int64 {
	if t.IsZero() {
		return math.MinInt64
	}
	return t.Unix()
}

// comps names the features of a pair (score's second result), rounded,
// for evidence; nil when there was no pair.
func comps(f [numPairFeatures]float64) map[string]float64 {
	if f[0] == 0 {
		return nil
	}
	out := map[string]float64{}
	for i, name := range PairFeatureNames[1:] {
		if v := f[i+1]; v != 0 {
			out[name] = math.Round(v*1000) / 1000
		}
	}
	return out
}

const (
	gNames = iota
	gTerms
	gDates
	gNumbers
	gConcepts
	numGroups
)

var groupNames = [numGroups]string{"names", "terms", "dates", "numbers", "concepts"}

// label gives the top shared keys their readable form, from the event's
// labels or else the article's (dates, numbers and event types, which an
// event does not keep), leaving out keys with neither.
func (c *Clusterer) label(shared []Shared, e *Event, d *Doc, n int) []Shared {
	out := make([]Shared, 0, min(n, len(shared)))
	for _, s := range shared {
		if len(out) == n {
			break
		}
		l := e.Labels[s.key]
		if l == "" && d != nil && len(d.Labels) == len(d.Vec) {
			if i := d.Vec.find(s.key); i >= 0 {
				l = d.Labels[i]
			}
		}
		if l == "" {
			continue
		}
		s.Label, s.Key = l, s.key.Letter()+":"+l
		out = append(out, s)
	}
	var total float64
	for _, s := range out {
		total += s.Contribution
	}
	for i := range out {
		if total > 0 {
			out[i].Contribution = math.Round(out[i].Contribution/total*1000) / 1000
		}
	}
	return out
}

// linkStories puts every event of the batch that has no story yet into the
// best matching story or a new one, in date order, and refreshes the
// centroids of the stories that changed.
func (c *Clusterer) linkStories(touched map[*Event]bool) []StoryLink {
	var fresh []*Event
	changed := map[*Story]bool{}
	for e := range touched {
		if e.StoryID == "" {
			fresh = append(fresh, e)
		} else if s := c.Stories[e.StoryID]; s != nil {
			changed[s] = true
		}
	}
	sort.Slice(fresh, func(i, j int) bool {
		a, b := fresh[i].Date(), fresh[j].Date()
		if a.IsZero() != b.IsZero() {
			return !a.IsZero()
		}
		if !a.Equal(b) {
			return a.Before(b)
		}
		return fresh[i].ID < fresh[j].ID
	})
	var links []StoryLink
	rs := &storyRefresh{vecs: map[*Event]Vector{}, sums: map[*Story]*storySum{}}
	for _, e := range fresh {
		l := c.linkStory(e, rs)
		links = append(links, l)
		changed[c.Stories[l.StoryID]] = true
	}
	for s := range changed {
		if sum := rs.sums[s]; sum != nil && sum.n == len(s.Events) {
			continue // refreshed since its last event joined: unchanged
		}
		c.refreshStoryWith(s, rs)
	}
	return links
}

// storyRefresh carries story centroid sums from one refresh to the next
// within one linkStories: events and key languages do not change while
// events are linked, and a story only gains events at the end of its
// list, so a story's sum is extended with the new events rather than
// recomputed from all of them (which made linking a batch quadratic in the
// length of long stories). Sums are over the same vectors in the same
// order as a recomputation, so the centroids are the same, bit for bit.
type storyRefresh struct {
	vecs map[*Event]Vector // storyVector of each event
	sums map[*Story]*storySum
}

// storySum is the untrimmed sum of the story vectors of a story's first n
// events, and their date span.
type storySum struct {
	c        *Centroid
	n        int
	min, max time.Time
}

// storyVector is the part of an event that speaks for its story: the
// names seen in several languages, places, and words, as a mean article
// vector so that big events do not drown small ones. Names seen in one
// language only are left out: in uncased scripts they are mostly common
// words, and a story is told in many languages.
func (c *Clusterer) storyVector(e *Event) Vector {
	v := make(Vector, 0, len(e.C.W))
	f := float32(1 / float64(max(e.N, 1)))
	for k, w := range e.C.W {
		switch k.group() {
		case gNames:
			if c.MultiLingual(k) {
				v = append(v, Entry{k, w * f})
			}
		case gTerms:
			v = append(v, Entry{k, w * f})
		}
	}
	return v.Sort()
}

func (c *Clusterer) linkStory(e *Event, rs *storyRefresh) StoryLink {
	v := c.storyVector(e)
	vn := norms(v)
	hits := map[*Story]float64{}
	for _, en := range v {
		if !en.Key.IsName() || !c.selective(en.Key) {
			continue
		}
		for _, s := range c.storyPostings[en.Key] {
			hits[s] += float64(en.Weight)
		}
	}
	cands := make([]*Story, 0, len(hits))
	for s := range hits {
		if c.W.inWindow(e.Date(), s.Min, s.Max, c.W.StoryWindowDays) {
			cands = append(cands, s)
		}
	}
	slices.SortFunc(cands, func(a, b *Story) int {
		if n := cmp.Compare(hits[b], hits[a]); n != 0 {
			return n
		}
		return strings.Compare(a.ID, b.ID)
	})
	if len(cands) > c.W.MaxCandidates {
		cands = cands[:c.W.MaxCandidates]
	}
	best := StoryLink{EventID: e.ID, Score: -1}
	var bestStory *Story
	var bestCos groupCos
	var bestDecay float64
	for _, s := range cands {
		cos, shared := cosines(v, vn, s.C)
		score := c.W.StoryNames*cos.get(gNames) + c.W.StoryTerms*cos.get(gTerms)
		if cos.get(gTerms) == 0 {
			score = cos.get(gNames) * (c.W.StoryNames + c.W.StoryTerms)
		}
		decay := c.W.decay(e.Date(), s.Min, s.Max, c.W.StoryTauDays)
		score *= decay
		if score > best.Score {
			best = StoryLink{EventID: e.ID, StoryID: s.ID, Score: score, Shared: shared}
			bestStory, bestCos, bestDecay = s, cos, decay
		}
	}
	if bestStory != nil {
		best.Components = bestCos.components()
		best.Components["decay"] = bestDecay
	}
	if bestStory == nil || best.Score < c.W.StoryThreshold {
		bestStory = &Story{ID: "s_" + strings.TrimPrefix(e.ID, "e_"), C: NewCentroid()}
		c.Stories[bestStory.ID] = bestStory
		best = StoryLink{EventID: e.ID, StoryID: bestStory.ID, NewStory: true, Score: 1}
	}
	e.StoryID = bestStory.ID
	e.Dirty = true
	bestStory.Events = append(bestStory.Events, e)
	c.refreshStoryWith(bestStory, rs)
	best.Shared = c.label(best.Shared, e, nil, 8)
	return best
}

// refreshStory recomputes a story's centroid and date span from its events.
func (c *Clusterer) refreshStory(s *Story) {
	c.refreshStoryWith(s, nil)
}

// refreshStoryWith is refreshStory, reusing (when rs is not nil) the sum
// of the story's events of an earlier refresh in the same linkStories.
func (c *Clusterer) refreshStoryWith(s *Story, rs *storyRefresh) {
	old := s.C
	var sum *storySum
	if rs != nil {
		sum = rs.sums[s]
	}
	if sum == nil || sum.n > len(s.Events) {
		sum = &storySum{c: NewCentroid()}
		if s.Base != nil {
			sum.c = s.Base.clone()
			sum.min, sum.max = s.Min, s.Max
		}
		if rs != nil {
			rs.sums[s] = sum
		}
	}
	for _, e := range s.Events[sum.n:] {
		var v Vector
		if rs != nil {
			var ok bool
			if v, ok = rs.vecs[e]; !ok {
				v = c.storyVector(e)
				rs.vecs[e] = v
			}
		} else {
			v = c.storyVector(e)
		}
		sum.c.Add(v, 1)
		if !e.Min.IsZero() && (sum.min.IsZero() || e.Min.Before(sum.min)) {
			sum.min = e.Min
		}
		if e.Max.After(sum.max) {
			sum.max = e.Max
		}
	}
	sum.n = len(s.Events)
	s.Min, s.Max = sum.min, sum.max
	s.C = sum.c.trimmed(centroidSize)
	s.Dirty = true
	var fresh []Key
	for k := range s.C.W {
		if k.IsName() && (old == nil || old.W[k] == 0) {
			fresh = append(fresh, k)
		}
	}
	slices.Sort(fresh)
	for _, k := range fresh {
		list := c.storyPostings[k]
		if len(list) >= maxPostings {
			list = list[1:]
		}
		c.storyPostings[k] = append(list, s)
	}
}

func (c *Clusterer) indexStory(s *Story) {
	for k := range s.C.W {
		if k.IsName() {
			c.storyPostings[k] = append(c.storyPostings[k], s)
		}
	}
}

var epoch = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

func dayNumber(t time.Time) int64 { return int64(t.Sub(epoch).Hours() / 24) }
func dayTime(n int64) time.Time   { return epoch.AddDate(0, 0, int(n)) }

// Rebuild recomputes an event from the documents that now belong to it,
// after a person moved articles in or out.
func (c *Clusterer) Rebuild(e *Event, docs []*Doc) {
	// Off every list first: join indexes the rebuilt event under all the
	// keys it then holds.
	if e.C != nil {
		keys := make([]Key, 0, len(e.C.W))
		for k := range e.C.W {
			keys = append(keys, k)
		}
		c.unindex(e, keys)
	}
	e.C = NewCentroid()
	e.N, e.DateSum, e.DateN = 0, 0, 0
	e.Min, e.Max = time.Time{}, time.Time{}
	e.Langs = map[string]int{}
	e.Labels = map[Key]string{}
	e.Members = nil
	e.MembersStored = false
	for _, d := range docs {
		c.join(e, d, c.weigh(d.Vec))
	}
	e.Dirty = true
}

// Adopt puts an event made by a correction (split off, and built with
// Rebuild, which indexed it) into the clusterer's state and its story.
func (c *Clusterer) Adopt(e *Event) {
	c.Events[e.ID] = e
	if s := c.Stories[e.StoryID]; s != nil {
		s.Events = append(s.Events, e)
	}
	e.Touched = c.Newest
}

// Reindex adds an event to the lists of the keys it holds where it is
// missing (after a correction folded other events into it).
func (c *Clusterer) Reindex(e *Event) {
	var keys []Key
	for k := range e.C.W {
		if p := c.postings[k]; p == nil || !slices.Contains(p.events, e) {
			keys = append(keys, k)
		}
	}
	c.index(e, keys)
}

// MultiLingual reports whether a key has been seen in several languages,
// or is a canonical place: such keys name a group for every reader.
func (c *Clusterer) MultiLingual(key Key) bool {
	return c.DF[key].Lang == LangMany || key.IsPlace()
}

// cased reports whether s starts with a letter of a script with case.
func cased(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r) || unicode.IsLower(r)
}

// Snapshot returns a copy of e that later changes to e do not reach: what
// a commit running while the next batch is clustered stores. Member
// vectors are shared; they never change once made.
func (e *Event) Snapshot() *Event {
	x := *e
	x.C = e.C.clone()
	x.Langs = maps.Clone(e.Langs)
	x.Labels = maps.Clone(e.Labels)
	x.Blocked = maps.Clone(e.Blocked)
	x.Members = slices.Clone(e.Members)
	return &x
}

// Snapshot returns a copy of s that later changes to s do not reach (see
// Event.Snapshot). The copy has no events and no base: a commit stores
// each event's story link with the event, and a story's base is never
// stored.
func (s *Story) Snapshot() *Story {
	x := *s
	x.C = s.C.clone()
	x.Events, x.Base = nil, nil
	return &x
}
