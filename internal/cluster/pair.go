package cluster

import (
	"math"
	"time"
)

// PairFeatureNames names the features of a pair of articles that the pair
// model weighs, in order. The model is a logistic regression learned on
// labelled pairs (`storyline tune`): P(same event) = σ(Σ wᵢ·fᵢ).
var PairFeatureNames = []string{
	"bias",
	"names",        // cosine of name keys (cross-language: keys seen in several languages only)
	"names_sqrt",   // its square root, so that a little overlap can count
	"terms",        // cosine of same-language word stems (0 across languages)
	"terms_sqrt",   //
	"dates",        // cosine of dates mentioned
	"numbers",      // cosine of numbers
	"names_cross",  // names when the languages differ
	"same_lang",    // 1 when both articles are in one language
	"near",         // exp(-gap/3 days) when both dates are known
	"far",          // exp(-gap/30 days) when both dates are known
	"date_unknown", // 1 when either date is unknown
	"mention_near", // when one date is unknown: exp(-gap/3) from the nearest date its text mentions
	"mention_far",  // likewise exp(-gap/30)
	"no_evidence",  // 1 when neither dates nor mentions place the pair in time
	"concepts",     // cosine of event-type concepts (funeral, ceasefire, arrest…), in any language
	"concepts_sqrt",
}

// numPairFeatures is len(PairFeatureNames).
const numPairFeatures = 17

// PairSide is one article of a pair.
type PairSide struct {
	Lang      string
	Vec       Vector // weighted
	Date      time.Time
	Mentioned []Day
}

// PairFeatures computes the features of a pair of articles.
func (c *Clusterer) PairFeatures(x, y PairSide) [numPairFeatures]float64 {
	return c.pairFeatures(x, y, c.pack(x.Vec), c.pack(y.Vec))
}

// Key flags: the low bits hold a key's group index, flagCross marks a key
// that counts when the two articles' languages differ (not a word, and
// for a name, one seen in several languages or a canonical place);
// flagNone marks a key of no group.
const (
	flagGroup = 0x0f
	flagCross = 0x10
	flagNone  = 0xff
)

// keyFlags classifies every key of v once, so that comparing v with many
// others needs no key language lookup per pair.
func (c *Clusterer) keyFlags(v Vector) []uint8 {
	out := make([]uint8, len(v))
	for i, e := range v {
		g := e.Key.group()
		if g < 0 {
			out[i] = flagNone
			continue
		}
		f := uint8(g)
		if !(g == gTerms || g == gNames && c.DF[e.Key].Lang != LangMany && !e.Key.IsPlace()) {
			f |= flagCross
		}
		out[i] = f
	}
	return out
}

// packedEntry is one entry of a vector prepared for pair scoring: its key,
// its weight and its key flags.
type packedEntry struct {
	h uint64
	w float32
	f uint8
}

// packed is a vector prepared for pair scoring: its keys of some group,
// those that count across languages first, then those that count within
// one language only, each part sorted by key. A pair of articles in
// different languages — most pairs of a multilingual event — then walks
// the short cross part only. A key has the same flags in both vectors of
// a pair (they depend on the key and its language alone), so merging part
// with part finds every shared key.
type packed struct {
	e     []packedEntry
	cross int // e[:cross] count across languages
}

// pack prepares v for pairFeatures.
func (c *Clusterer) pack(v Vector) packed {
	flags := c.keyFlags(v)
	out := make([]packedEntry, 0, len(v))
	n := 0
	for i, e := range v {
		if flags[i] != flagNone && flags[i]&flagCross != 0 {
			out = append(out, packedEntry{h: uint64(e.Key), w: e.Weight, f: flags[i]})
			n++
		}
	}
	for i, e := range v {
		if flags[i] != flagNone && flags[i]&flagCross == 0 {
			out = append(out, packedEntry{h: uint64(e.Key), w: e.Weight, f: flags[i]})
		}
	}
	// v is sorted by key, so each part is too.
	return packed{e: out, cross: n}
}

// pairFeatures is PairFeatures with both sides packed.
func (c *Clusterer) pairFeatures(x, y PairSide, a, b packed) [numPairFeatures]float64 {
	la, da := x.Lang, x.Date
	lb, db := y.Lang, y.Date
	same := la == lb
	var dot, na, nb [numGroups]float64
	mergePacked(a.e[:a.cross], b.e[:b.cross], &dot, &na, &nb)
	if same {
		mergePacked(a.e[a.cross:], b.e[b.cross:], &dot, &na, &nb)
	}
	var cs [numGroups]float64
	for g := range cs {
		if na[g] > 0 && nb[g] > 0 {
			cs[g] = dot[g] / math.Sqrt(na[g]*nb[g])
		}
	}
	var f [numPairFeatures]float64
	f[0] = 1
	f[15], f[16] = cs[gConcepts], math.Sqrt(cs[gConcepts])
	f[1], f[2] = cs[gNames], math.Sqrt(cs[gNames])
	f[3], f[4] = cs[gTerms], math.Sqrt(cs[gTerms])
	f[5], f[6] = cs[gDates], cs[gNumbers]
	if same {
		f[8] = 1
	} else {
		f[7] = cs[gNames]
	}
	if da.IsZero() || db.IsZero() {
		f[11] = 1
		g := -1.0
		switch {
		case da.IsZero() && !db.IsZero():
			g = gapFrom(x.Mentioned, db)
		case db.IsZero() && !da.IsZero():
			g = gapFrom(y.Mentioned, da)
		}
		if g >= 0 {
			f[12] = math.Exp(-math.Max(0, g-1) / 3)
			f[13] = math.Exp(-g / 30)
		} else {
			f[14] = 1
		}
	} else {
		gap := math.Abs(da.Sub(db).Hours() / 24)
		f[9] = math.Exp(-math.Max(0, gap-1) / 3)
		f[10] = math.Exp(-gap / 30)
	}
	return f
}

// mergePacked adds the dot products and squared norms, per group, of two
// parts of packed vectors.
func mergePacked(a, b []packedEntry, dot, na, nb *[numGroups]float64) {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch x, y := a[i], b[j]; {
		case x.h < y.h:
			na[x.f&flagGroup] += float64(x.w) * float64(x.w)
			i++
		case x.h > y.h:
			nb[y.f&flagGroup] += float64(y.w) * float64(y.w)
			j++
		default:
			g := x.f & flagGroup
			wa, wb := float64(x.w), float64(y.w)
			dot[g] += wa * wb
			na[g] += wa * wa
			nb[g] += wb * wb
			i++
			j++
		}
	}
	for _, x := range a[i:] {
		na[x.f&flagGroup] += float64(x.w) * float64(x.w)
	}
	for _, y := range b[j:] {
		nb[y.f&flagGroup] += float64(y.w) * float64(y.w)
	}
}

// Prob is the pair model's probability that two articles report one event.
func (w Weights) Prob(f [numPairFeatures]float64) float64 {
	pw := w.pairVector()
	return pw.prob(f)
}

// pairWeights are the pair model's weights in feature order, looked up
// once rather than by name for every pair.
type pairWeights [numPairFeatures]float64

func (w Weights) pairVector() pairWeights {
	var pw pairWeights
	for i, name := range PairFeatureNames {
		pw[i] = w.Pair[name]
	}
	return pw
}

func (pw *pairWeights) prob(f [numPairFeatures]float64) float64 {
	var z float64
	for i := range pw {
		z += pw[i] * f[i]
	}
	return 1 / (1 + math.Exp(-z))
}

// Observe counts a batch's documents into the document frequencies and key
// languages, as Add does first, and into the batch's delta (TakeDelta).
func (c *Clusterer) Observe(docs []*Doc) {
	if c.pending == nil {
		c.pending = &DFBatch{}
		c.window = append(c.window, c.pending)
		c.pendingIdx = map[Key]int{}
	}
	p := c.pending
	for _, d := range docs {
		c.NDocs++
		p.NDocs++
		tag := LangGroup(d.Lang)
		if tag == "" {
			tag = "und"
		}
		lang := LangOf(tag)
		for _, e := range d.Vec {
			st := c.DF[e.Key]
			st.N++
			st.Lang = st.Lang.merge(lang)
			c.DF[e.Key] = st
			if i, ok := c.pendingIdx[e.Key]; ok {
				p.Keys[i].N++
				p.Keys[i].Lang = p.Keys[i].Lang.merge(lang)
			} else {
				c.pendingIdx[e.Key] = len(p.Keys)
				p.Keys = append(p.Keys, KeyCount{Key: e.Key, N: 1, Lang: lang})
			}
		}
	}
}

// merge returns the language of a key seen in l and then in m: the first
// group seen, LangMany once a second one has it.
func (l Lang) merge(m Lang) Lang {
	switch {
	case l == LangNone:
		return m
	case m == LangNone || l == m:
		return l
	}
	return LangMany
}

// LangGroup returns the group whose languages share so much written
// vocabulary that a word common to two of them proves nothing across
// languages: in uncased scripts every word is a name candidate, and Hindi
// and Marathi (or Arabic, Persian and Urdu) share everyday words, not
// only names.
func LangGroup(lang string) string {
	switch lang {
	case "hi", "mr", "ne":
		return "deva"
	case "ar", "fa", "ur", "ps":
		return "arab"
	}
	return lang
}
