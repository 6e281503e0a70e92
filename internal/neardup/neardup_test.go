package neardup

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

const devPath = "../../../shared/corpus/dev/dev.jsonl"

type devArticle struct {
	ID    string `json:"id"`
	Text  string `json:"text"`
	Event string `json:"event"`
	Lang  string `json:"lang"`
}

func loadDev(t testing.TB) []devArticle {
	t.Helper()
	f, err := os.Open(devPath)
	if err != nil {
		t.Skipf("dev corpus not available: %v", err)
	}
	defer f.Close()
	var out []devArticle
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var a devArticle
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// knownCopies are pairs of dev articles that are themselves syndicated copies
// of one wire story (the corpus README says such copies were kept). Found by
// listing all pairs with 3-shingle containment > 0.5 and reading them; a match
// between them is correct, not a false positive.
var knownCopies = map[[2]string]bool{
	{"5d6a2a6fd3c921d0", "00d444d23468aa25"}: true,
	{"ba04b29a766d85df", "d2bc3de2c2866172"}: true,
}

func isKnownCopy(a, b string) bool {
	return knownCopies[[2]string{a, b}] || knownCopies[[2]string{b, a}]
}

// tokens splits text into editable units: words where the script uses spaces,
// single characters where it does not (so a 10% edit means the same in
// Chinese as in English).
func tokens(text string) (toks []string, sep string) {
	if len(strings.Fields(text)) >= len([]rune(text))/15 {
		return strings.Fields(text), " "
	}
	for _, r := range text {
		toks = append(toks, string(r))
	}
	return toks, ""
}

var bylines = []string{"By Staff Reporter, Wire Desk", "Reuters —", "(AFP)", "Von unserem Korrespondenten", "Por la redacción |", "Редакция:"}

// edit returns a copy of text as another outlet would run it, and the share of
// words touched. The edits are the ones syndication makes: a new byline, a
// dropped or added sentence, two paragraphs swapped, typos, substituted words.
// Word-level edits are sized so the total lands in 5–15% of the words.
func edit(rng *rand.Rand, text, otherText string) (string, float64) {
	toks, sep := tokens(text)
	n := len(toks)
	touched := 0
	budget := int(float64(n) * (0.05 + 0.10*rng.Float64()))
	// 1. byline replaced or added at the top.
	by := strings.Fields(bylines[rng.IntN(len(bylines))])
	toks = append(by, toks...)
	touched += len(by)
	// 2. drop one sentence or add one from another article, when the budget allows.
	switch rng.IntN(3) {
	case 0: // drop a short run ending in a full stop
		for try := 0; try < 10; try++ {
			i := len(by) + rng.IntN(max(1, len(toks)-len(by)))
			j := i
			for j < len(toks) && j-i < 40 && !strings.HasSuffix(toks[j], ".") && !strings.HasSuffix(toks[j], "。") {
				j++
			}
			if j < len(toks) && touched+(j-i+1) <= budget {
				touched += j - i + 1
				toks = append(toks[:i:i], toks[j+1:]...)
				break
			}
		}
	case 1: // add a sentence from elsewhere
		ot, _ := tokens(otherText)
		k := min(len(ot), max(3, budget-touched)/2)
		if k > 0 {
			i := rng.IntN(len(toks) + 1)
			add := append([]string{}, ot[:k]...)
			toks = append(toks[:i], append(add, toks[i:]...)...)
			touched += k
		}
	}
	// 3. swap two paragraphs (a reorder changes no words, only shingles at the seams).
	if paras := strings.Split(strings.Join(toks, sep), "\n"); len(paras) > 2 {
		i, j := 1+rng.IntN(len(paras)-1), 1+rng.IntN(len(paras)-1)
		paras[i], paras[j] = paras[j], paras[i]
		toks, sep = tokensKeep(strings.Join(paras, "\n"), sep)
	}
	// 4. typos and substituted words until the budget is spent.
	for touched < budget && len(toks) > 0 {
		i := rng.IntN(len(toks))
		r := []rune(toks[i])
		if rng.IntN(2) == 0 && len(r) > 3 { // typo: swap two letters
			k := rng.IntN(len(r) - 1)
			r[k], r[k+1] = r[k+1], r[k]
			toks[i] = string(r)
		} else {
			toks[i] = toks[rng.IntN(len(toks))]
		}
		touched++
	}
	return strings.Join(toks, sep), float64(touched) / float64(max(1, n))
}

// tokensKeep re-splits joined text without losing the newline structure.
func tokensKeep(text, sep string) ([]string, string) {
	if sep == "" {
		var toks []string
		for _, r := range text {
			toks = append(toks, string(r))
		}
		return toks, ""
	}
	return strings.Split(text, " "), " "
}

type counts struct{ tp, fn, fp, tn int }

func (c counts) precision() float64 { return float64(c.tp) / float64(max(1, c.tp+c.fp)) }
func (c counts) recall() float64    { return float64(c.tp) / float64(max(1, c.tp+c.fn)) }

// evaluate runs the copy-detection test set: every dev article in an index;
// for each article, copiesPer edited copies must be found and point at it
// (positives); then each article, queried against an index of all the other
// articles, must find nothing unless it hits a known wire-copy partner
// (negatives, which include the same-event hard negatives).
func evaluate(t testing.TB, arts []devArticle, copiesPer int) (c counts, hardNeg, hardFP int, m margins, worst []string) {
	m.lowCopy = 2
	rng := rand.New(rand.NewPCG(1, 2))
	idx := NewIndex()
	sigs := make([]Signature, len(arts))
	for i, a := range arts {
		sigs[i] = Sketch(a.Text)
		idx.AddSignature(a.ID, sigs[i])
	}
	for i, a := range arts {
		for range copiesPer {
			other := arts[rng.IntN(len(arts))].Text
			cp, _ := edit(rng, a.Text, other)
			csig := Sketch(cp)
			if s, _ := csig.IsCopy(sigs[i]); s < m.lowCopy {
				m.lowCopy, m.lowCopyOf = s, a.ID
			}
			id, sim, ok := idx.FindSignature(csig)
			if ok && (id == a.ID || isKnownCopy(id, a.ID)) {
				c.tp++
			} else {
				c.fn++
				worst = append(worst, fmt.Sprintf("missed copy of %s (%s, %d shingles): got %q %.2f",
					a.ID, a.Lang, sigs[i].Shingles, id, sim))
				if ok {
					c.fp++ // a wrong article was named
				}
			}
		}
	}
	// Leave-one-out negatives: article i against all the others.
	for i, a := range arts {
		sameEvent := false
		for j, b := range arts {
			if j != i && b.Event == a.Event {
				sameEvent = true
			}
		}
		if sameEvent {
			hardNeg++
		}
		n, sim := idx.find(sigs[i], int32(i))
		ok, id := n >= 0, ""
		if ok {
			id = idx.ids[n]
		}
		switch {
		case ok && isKnownCopy(id, a.ID):
			// a real wire copy in the corpus: correct, not counted either way
		case ok:
			c.fp++
			if sameEvent {
				hardFP++
			}
			worst = append(worst, fmt.Sprintf("false copy %s -> %s %.2f", a.ID, id, sim))
		default:
			c.tn++
		}
	}
	// The closest non-copy pair over all pairs, not only the ones the index
	// makes candidates, so the margin does not depend on the banding.
	for i, a := range arts {
		for j := i + 1; j < len(arts); j++ {
			if isKnownCopy(a.ID, arts[j].ID) {
				continue
			}
			if s, _ := sigs[i].IsCopy(sigs[j]); s > m.highNeg {
				m.highNeg, m.highNegPair = s, a.ID+"/"+arts[j].ID
			}
		}
	}
	return c, hardNeg, hardFP, m, worst
}

// margins are the closest calls of an evaluation: the edited copy least
// similar to its original and the most similar pair of distinct articles
// (among those long enough to be compared at all).
type margins struct {
	lowCopy     float64
	lowCopyOf   string
	highNeg     float64
	highNegPair string
}

// TestCopyDetection is the measured precision/recall of the package on the
// dev corpus with controlled edits. Run with -v to see the numbers.
func TestCopyDetection(t *testing.T) {
	arts := loadDev(t)
	c, hardNeg, hardFP, m, worst := evaluate(t, arts, 3)
	t.Logf("positives %d: found %d, missed %d; negatives %d (hard, same event: %d): false copies %d (hard %d)",
		c.tp+c.fn, c.tp, c.fn, c.tn+c.fp, hardNeg, c.fp, hardFP)
	t.Logf("precision %.4f recall %.4f at threshold %.2f", c.precision(), c.recall(), Threshold)
	t.Logf("closest calls: least similar copy %.3f (of %s); most similar non-copy pair %.3f (%s)",
		m.lowCopy, m.lowCopyOf, m.highNeg, m.highNegPair)
	for _, w := range worst {
		t.Log(w)
	}
	if p := c.precision(); p < 0.98 {
		t.Errorf("precision %.4f < 0.98", p)
	}
	if r := c.recall(); r < 0.95 {
		t.Errorf("recall %.4f < 0.95", r)
	}
}

// TestSimilarityDistribution logs how copies and same-event articles spread
// around the threshold, to justify it.
func TestSimilarityDistribution(t *testing.T) {
	arts := loadDev(t)
	rng := rand.New(rand.NewPCG(3, 4))
	var copyMin, negMax = 1.0, 0.0
	var negPair string
	for i, a := range arts {
		cp, _ := edit(rng, a.Text, arts[rng.IntN(len(arts))].Text)
		sa, sc := Sketch(a.Text), Sketch(cp)
		if sa.Shingles >= MinShingles {
			copyMin = min(copyMin, sa.Similarity(sc))
		}
		for j := i + 1; j < len(arts); j++ {
			b := arts[j]
			if b.Event != a.Event || isKnownCopy(a.ID, b.ID) {
				continue
			}
			if s, _ := sa.IsCopy(Sketch(b.Text)); s > negMax {
				negMax, negPair = s, a.ID+"/"+b.ID
			}
		}
	}
	t.Logf("lowest copy similarity %.2f; highest same-event non-copy similarity %.2f (%s); threshold %.2f",
		copyMin, negMax, negPair, Threshold)
	if negMax >= Threshold {
		t.Errorf("a same-event article pair reaches the threshold: %.2f", negMax)
	}
}

func TestEditSize(t *testing.T) {
	arts := loadDev(t)
	rng := rand.New(rand.NewPCG(5, 6))
	var sum float64
	for _, a := range arts {
		_, f := edit(rng, a.Text, arts[0].Text)
		sum += f
	}
	mean := sum / float64(len(arts))
	t.Logf("mean share of words touched by edit: %.3f", mean)
	if mean < 0.05 || mean > 0.2 {
		t.Errorf("edits are not small: mean %.3f", mean)
	}
}

func TestObserveChainsToFirst(t *testing.T) {
	base := strings.Repeat("the quick brown fox jumps over the lazy dog near the river bank today ", 5) +
		"officials said on tuesday that the bridge would reopen next week after repairs were finished"
	idx := NewIndex()
	if cp, _ := idx.Observe("a", base); cp != "" {
		t.Fatalf("first text reported as copy of %q", cp)
	}
	b := strings.Replace(base, "tuesday", "monday", 1)
	if cp, sim := idx.Observe("b", b); cp != "a" || sim < Threshold {
		t.Fatalf("b: copyOf %q sim %.2f, want a", cp, sim)
	}
	c := strings.Replace(b, "next week", "soon", 1) + " Reporting by Staff"
	if cp, _ := idx.Observe("c", c); cp != "a" {
		t.Fatalf("c: copyOf %q, want the first text a", cp)
	}
	if cp, _ := idx.Observe("d", "a completely different text about elections in a faraway country where many people voted for new leaders this spring"); cp != "" {
		t.Fatalf("unrelated text reported as copy of %q", cp)
	}
	if cp, _ := idx.Observe("b", b); cp != "a" {
		t.Fatalf("re-observing b: %q", cp)
	}
}

func TestShortAndEmpty(t *testing.T) {
	idx := NewIndex()
	idx.Add("e", "")
	idx.Add("s", "Breaking news")
	if _, _, ok := idx.Find("Breaking news"); ok {
		t.Error("a two-word text matched: short texts must not count as copies")
	}
	if _, _, ok := idx.Find(""); ok {
		t.Error("empty text matched")
	}
}

func TestSignatureRoundTrip(t *testing.T) {
	s := Sketch("Der Vatikan hat heute Morgen den Tod von Papst Franziskus bestätigt, sagte ein Sprecher.")
	b, _ := s.MarshalBinary()
	var u Signature
	if err := u.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if u != s {
		t.Fatal("signature changed in a round trip")
	}
	if err := u.UnmarshalBinary(b[:10]); err == nil {
		t.Fatal("short input accepted")
	}
}

func TestWordsUnspacedScripts(t *testing.T) {
	got := Words("緬甸地震 Myanmar-Beben, 2025")
	want := []string{"緬", "甸", "地", "震", "myanmar", "beben", "2025"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("Words = %q, want %q", got, want)
	}
}

func BenchmarkFind(b *testing.B) {
	arts := loadDev(b)
	idx := NewIndex()
	for _, a := range arts {
		idx.Add(a.ID, a.Text)
	}
	b.ResetTimer()
	for i := range b.N {
		idx.Find(arts[i%len(arts)].Text)
	}
}

// BenchmarkSketch measures Sketch per dev-corpus article (about 1.7 KB each).
func BenchmarkSketch(b *testing.B) {
	arts := loadDev(b)
	var size int64
	for _, a := range arts {
		size += int64(len(a.Text))
	}
	b.SetBytes(size / int64(len(arts)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		Sketch(arts[i%len(arts)].Text)
		i++
	}
}

// BenchmarkIndex measures one find followed by one add, the pipeline's work
// per article and index, on a stream of the dev articles and three edited
// copies of each (1,388 texts, about one generation of the pipeline's copy
// window): each op looks a signature up and then adds it. The index starts
// over once the stream is used up, so its growth is part of the cost.
func BenchmarkIndex(b *testing.B) {
	arts := loadDev(b)
	rng := rand.New(rand.NewPCG(7, 8))
	type entry struct {
		id  string
		sig Signature
	}
	var stream []entry
	for _, a := range arts {
		stream = append(stream, entry{a.ID, Sketch(a.Text)})
		for c := range 3 {
			cp, _ := edit(rng, a.Text, arts[rng.IntN(len(arts))].Text)
			stream = append(stream, entry{fmt.Sprintf("%s-%d", a.ID, c), Sketch(cp)})
		}
	}
	rng.Shuffle(len(stream), func(i, j int) { stream[i], stream[j] = stream[j], stream[i] })
	b.ReportAllocs()
	var idx *Index
	i := 0
	for b.Loop() {
		if i%len(stream) == 0 {
			idx = NewIndex()
		}
		e := &stream[i%len(stream)]
		idx.FindSignature(e.sig)
		idx.AddSignature(e.id, e.sig)
		i++
	}
}

// shingleSet is the exact set of word shingles Sketch estimates from.
func shingleSet(text string) map[string]bool {
	words := Words(text)
	set := map[string]bool{}
	k := min(ShingleSize, len(words))
	for i := 0; k > 0 && i+k <= len(words); i++ {
		set[strings.Join(words[i:i+k], "\x00")] = true
	}
	return set
}

func exactJaccard(a, b map[string]bool) float64 {
	inter := 0
	for s := range a {
		if b[s] {
			inter++
		}
	}
	if u := len(a) + len(b) - inter; u > 0 {
		return float64(inter) / float64(u)
	}
	return 0
}

// TestEstimateError checks the MinHash family against exact Jaccard values:
// for an unbiased estimate from NumHashes independent functions, the error
// divided by its standard deviation √(J(1−J)/NumHashes) has mean 0 and RMS 1.
// A hash family with correlated or biased functions shows up here long
// before it moves precision or recall. The pairs are edited copies (high J)
// and articles about the same event (low J).
func TestEstimateError(t *testing.T) {
	arts := loadDev(t)
	rng := rand.New(rand.NewPCG(9, 10))
	sets := make([]map[string]bool, len(arts))
	sigs := make([]Signature, len(arts))
	for i, a := range arts {
		sets[i], sigs[i] = shingleSet(a.Text), Sketch(a.Text)
		if sigs[i].Shingles != len(sets[i]) {
			t.Errorf("%s: Sketch counts %d shingles, Words gives %d", a.ID, sigs[i].Shingles, len(sets[i]))
		}
	}
	var n int
	var sumZ, sumZ2 float64
	add := func(j, est float64) {
		if j <= 0.01 || j >= 0.99 {
			return
		}
		z := (est - j) / math.Sqrt(j*(1-j)/NumHashes)
		n++
		sumZ += z
		sumZ2 += z * z
	}
	for i, a := range arts {
		for range 2 {
			cp, _ := edit(rng, a.Text, arts[rng.IntN(len(arts))].Text)
			add(exactJaccard(sets[i], shingleSet(cp)), sigs[i].Jaccard(Sketch(cp)))
		}
		for j := i + 1; j < len(arts); j++ {
			if arts[j].Event == a.Event {
				add(exactJaccard(sets[i], sets[j]), sigs[i].Jaccard(sigs[j]))
			}
		}
	}
	mean, rms := sumZ/float64(n), math.Sqrt(sumZ2/float64(n))
	t.Logf("%d pairs: standardised estimate error mean %+.3f, RMS %.3f (ideal 0 and 1)", n, mean, rms)
	if math.Abs(mean) > 0.2 || rms > 1.2 {
		t.Errorf("MinHash estimates are off: mean %+.3f RMS %.3f", mean, rms)
	}
}
