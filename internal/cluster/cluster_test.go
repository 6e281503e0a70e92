package cluster

import (
	"fmt"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestKeyOf(t *testing.T) {
	for _, tt := range []struct {
		text  string
		group int
		place bool
		multi bool
	}{
		{"n:drmb", gNames, false, false},
		{"n:bbsd brmssgs", gNames, false, true},
		{"p:country:HU", gNames, true, false},
		{"t:de:papst", gTerms, false, false},
		{"d:2025-10-20", gDates, false, false},
		{"m:10-20", gDates, false, false},
		{"#:314", gNumbers, false, false},
		{"c:funeral", gConcepts, false, false},
		{"nocolon", -1, false, false},
		{"x:unknown", -1, false, false},
		{"t:hi:राष्ट्रपति", gTerms, false, false},
	} {
		k := KeyOf(tt.text)
		if k.group() != tt.group || k.IsPlace() != tt.place || k.Multiword() != tt.multi {
			t.Errorf("KeyOf(%q) = %v: group %d place %v multiword %v, want %d %v %v", tt.text, k, k.group(), k.IsPlace(), k.Multiword(), tt.group, tt.place, tt.multi)
		}
	}
	// A word's language is part of its key and of its namespace: the same
	// stem in two languages is two keys, compared apart.
	de, fr := KeyOf("t:de:papst"), KeyOf("t:fr:papst")
	if de == fr || de.space() == fr.space() {
		t.Errorf("one stem in two languages: keys %v %v, spaces %x %x", de, fr, de.space(), fr.space())
	}
	if KeyOf("n:drmb").space() != KeyOf("n:bdn").space() || KeyOf("n:drmb").space() == KeyOf("p:country:HU").space() {
		t.Error("names share one namespace, places another")
	}
	if got := MakeKey(NSTerm, LangOf("de"), "papst"); got != de {
		t.Errorf("MakeKey and KeyOf disagree: %v, %v", got, de)
	}
	for _, tag := range []string{"de", "zz", "und", "deva", "fil"} {
		if l := LangOf(tag); l == LangNone || l == LangMany {
			t.Errorf("LangOf(%q) = %d", tag, l)
		}
	}
	if LangOf("*") != LangMany || LangOf("") != LangNone || LangOf("de") == LangOf("en") {
		t.Error("LangOf: reserved codes or two languages mixed up")
	}
}

func TestGapFrom(t *testing.T) {
	ref := day("2025-10-21")
	tests := []struct {
		ms   []Day
		want float64
	}{
		{nil, -1},
		{[]Day{{2025, 10, 20}}, 1},
		{[]Day{{0, 10, 17}}, 4},                  // year taken from the reference
		{[]Day{{2024, 10, 21}, {0, 12, 30}}, 70}, // the nearest wins
		{[]Day{{0, 1, 2}}, 73},                   // across the new year
	}
	for _, tt := range tests {
		if got := gapFrom(tt.ms, ref); got != tt.want {
			t.Errorf("gapFrom(%v) = %v, want %v", tt.ms, got, tt.want)
		}
	}
}

// TestPairFeaturesNamesAcrossLanguages: a name key counts between articles
// of different languages only once it has been seen in several languages.
func TestPairFeaturesNamesAcrossLanguages(t *testing.T) {
	c := New(DefaultWeights())
	a := Vector{{KeyOf("n:drmb"), 2}, {KeyOf("t:de:gipfel"), 1}}
	b := Vector{{KeyOf("n:drmb"), 2}, {KeyOf("t:fr:sommet"), 1}}
	c.DF[KeyOf("n:drmb")] = KeyStat{Lang: LangOf("de")}
	f := c.PairFeatures(PairSide{Lang: "de", Vec: a}, PairSide{Lang: "fr", Vec: b})
	if f[1] != 0 {
		t.Errorf("single-language key counted across languages: names = %v", f[1])
	}
	c.DF[KeyOf("n:drmb")] = KeyStat{Lang: LangMany}
	f = c.PairFeatures(PairSide{Lang: "de", Vec: a}, PairSide{Lang: "fr", Vec: b})
	if f[1] < 0.99 || f[7] < 0.99 {
		t.Errorf("shared multilingual name: names = %v, names_cross = %v, want 1", f[1], f[7])
	}
	if f[3] != 0 || f[8] != 0 {
		t.Errorf("words of two languages compared: terms = %v, same_lang = %v", f[3], f[8])
	}
	// Same language: words count, and every name does.
	c.DF[KeyOf("n:drmb")] = KeyStat{Lang: LangOf("de")}
	f = c.PairFeatures(PairSide{Lang: "de", Vec: a}, PairSide{Lang: "de", Vec: Vector{{KeyOf("n:drmb"), 1}, {KeyOf("t:de:gipfel"), 3}}})
	if f[1] < 0.99 || f[3] < 0.99 || f[8] != 1 {
		t.Errorf("same language: names %v terms %v same_lang %v", f[1], f[3], f[8])
	}
}

func TestPairFeaturesTime(t *testing.T) {
	c := New(DefaultWeights())
	v := Vector{{KeyOf("n:x"), 1}}
	near := c.PairFeatures(PairSide{Lang: "en", Vec: v, Date: day("2025-05-07")}, PairSide{Lang: "en", Vec: v, Date: day("2025-05-08")})
	far := c.PairFeatures(PairSide{Lang: "en", Vec: v, Date: day("2025-05-07")}, PairSide{Lang: "en", Vec: v, Date: day("2025-06-08")})
	if near[9] != 1 || far[9] > 0.01 {
		t.Errorf("near feature: 1 day apart %v, a month apart %v", near[9], far[9])
	}
	undated := c.PairFeatures(PairSide{Lang: "en", Vec: v, Mentioned: []Day{{0, 5, 8}}}, PairSide{Lang: "en", Vec: v, Date: day("2025-05-07")})
	if undated[11] != 1 || undated[12] != 1 || undated[14] != 0 {
		t.Errorf("undated article placed by its mentions: date_unknown %v mention_near %v no_evidence %v", undated[11], undated[12], undated[14])
	}
}

// doc builds a synthetic document about a happening: its own rare name
// and concept keys, plus a name shared by all happenings of a story.
func doc(id, lang, date string, keys ...string) *Doc {
	d := &Doc{ID: id, Lang: lang}
	if date != "" {
		d.Date = day(date)
	}
	for _, k := range keys {
		d.Vec = append(d.Vec, Entry{KeyOf(k), 1})
	}
	d.Vec = d.Vec.Sort()
	return d
}

func corpus() []*Doc {
	var docs []*Doc
	langs := []string{"en", "de", "fr", "es"}
	// Happening A: a funeral on 26 April; happening B: an election on 8 May.
	for i, l := range langs {
		docs = append(docs,
			doc(fmt.Sprintf("a%d", i), l, "2025-04-26", "n:frnssgs", "n:rm", "c:funeral", "c:mass", "d:2025-04-26", "#:250000", "t:"+l+":w"+fmt.Sprint(i)),
			doc(fmt.Sprintf("b%d", i), l, "2025-05-08", "n:brvst", "n:rm", "c:election", "c:conclave", "d:2025-05-08", "#:133", "t:"+l+":v"+fmt.Sprint(i)))
	}
	// Filler articles so that rarity means something.
	for i := 0; i < 30; i++ {
		docs = append(docs, doc(fmt.Sprintf("z%02d", i), "en", "2025-03-01", fmt.Sprintf("n:fill%d", i), "c:war", "t:en:news"))
	}
	return docs
}

func assignments(docs []*Doc) map[string]string {
	c := New(DefaultWeights())
	as, _ := c.Add(docs)
	out := map[string]string{}
	for _, a := range as {
		out[a.DocID] = a.EventID
	}
	return out
}

func TestAddGroupsHappeningsAcrossLanguages(t *testing.T) {
	got := assignments(corpus())
	for i := 1; i < 4; i++ {
		if got[fmt.Sprintf("a%d", i)] != got["a0"] {
			t.Errorf("a%d not with a0: %s vs %s", i, got[fmt.Sprintf("a%d", i)], got["a0"])
		}
		if got[fmt.Sprintf("b%d", i)] != got["b0"] {
			t.Errorf("b%d not with b0", i)
		}
	}
	if got["a0"] == got["b0"] {
		t.Errorf("the funeral and the election share event %s", got["a0"])
	}
	if got["z00"] == got["z01"] {
		t.Errorf("unrelated filler articles grouped")
	}
}

func TestAddIgnoresInputOrder(t *testing.T) {
	docs := corpus()
	want := assignments(docs)
	rev := make([]*Doc, len(docs))
	for i, d := range docs {
		rev[len(docs)-1-i] = d
	}
	got := assignments(rev)
	for id, ev := range want {
		if got[id] != ev {
			t.Errorf("%s: event %s in input order, %s reversed", id, ev, got[id])
		}
	}
}

func TestBlockedArticleStaysOut(t *testing.T) {
	c := New(DefaultWeights())
	as, _ := c.Add([]*Doc{doc("x1", "en", "2025-04-26", "n:frnssgs", "c:funeral", "d:2025-04-26")})
	ev := c.Events[as[0].EventID]
	ev.Blocked = map[string]bool{"x2": true}
	as, _ = c.Add([]*Doc{doc("x2", "en", "2025-04-26", "n:frnssgs", "c:funeral", "d:2025-04-26")})
	if as[0].EventID == ev.ID {
		t.Errorf("an article a person moved out was put back into %s", ev.ID)
	}
}

func TestStoriesSplitByTime(t *testing.T) {
	c := New(DefaultWeights())
	c.DF[KeyOf("n:mn")] = KeyStat{Lang: LangMany}
	_, l1 := c.Add([]*Doc{doc("s1", "en", "2017-05-10", "n:mn", "c:election", "n:srl")})
	_, l2 := c.Add([]*Doc{doc("s2", "en", "2025-06-04", "n:mn", "c:election", "n:srl")})
	if l1[0].StoryID == l2[0].StoryID {
		t.Errorf("events eight years apart share story %s", l1[0].StoryID)
	}
}

func TestParseWeights(t *testing.T) {
	if _, err := ParseWeights([]byte(`{"pair": {"bias": 1}, "threshold": 0.5}`)); err == nil {
		t.Error("weights without every pair coefficient accepted")
	}
	if _, err := ParseWeights([]byte(`{`)); err == nil {
		t.Error("broken JSON accepted")
	}
	w := DefaultWeights()
	if w.Threshold <= 0 || w.Threshold >= 1 || w.Obtained == "" {
		t.Errorf("shipped weights: threshold %v, obtained %q", w.Threshold, w.Obtained)
	}
}

// TestFragmentsMerge: with a joining bar no pair clears, every article
// of a happening opens an event of its own; the fragment pass, comparing
// whole fragments, then folds them into one — and only it does.
func TestFragmentsMerge(t *testing.T) {
	var docs []*Doc
	for i, l := range []string{"en", "de", "fr", "es"} {
		docs = append(docs, doc(fmt.Sprintf("f%d", i), l, "2025-06-22", "n:frd", "n:nsnz", "c:airstrike", "c:nuclear", "d:2025-06-22", "t:"+l+":x"))
	}
	for i := 0; i < 30; i++ {
		docs = append(docs, doc(fmt.Sprintf("z%02d", i), "en", "2025-03-01", fmt.Sprintf("n:fill%d", i), "c:war", "t:en:news"))
	}
	run := func(merge float64) (map[string]string, *Clusterer) {
		w := DefaultWeights()
		w.Threshold = 0.999999
		w.MergeThreshold = merge
		c := New(w)
		as, _ := c.Add(docs)
		ev := map[string]string{}
		for _, a := range as {
			ev[a.DocID] = a.EventID
			if e := c.Events[a.EventID]; e == nil || e.N == 0 {
				t.Errorf("%s assigned to a retired event %s", a.DocID, a.EventID)
			}
		}
		n := 0
		for _, e := range c.Events {
			n += e.N
		}
		if n != len(docs) {
			t.Errorf("events hold %d articles, want %d", n, len(docs))
		}
		return ev, c
	}
	apart, _ := run(0.999999)
	if apart["f1"] == apart["f0"] {
		t.Fatalf("without the fragment pass f0 and f1 already share %s; the test proves nothing", apart["f0"])
	}
	merged, _ := run(0.3)
	for i := 1; i < 4; i++ {
		if merged[fmt.Sprintf("f%d", i)] != merged["f0"] {
			t.Errorf("f%d in %s, f0 in %s", i, merged[fmt.Sprintf("f%d", i)], merged["f0"])
		}
	}
	if merged["z00"] == merged["f0"] {
		t.Errorf("an unrelated article was folded in")
	}
}
