package cluster_test

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"reflect"
	"testing"

	"storyline/internal/article"
	"storyline/internal/cluster"
	"storyline/internal/features"
)

// TestPrescoreChangesNothing clusters the dev corpus in batches twice, with
// the pair probabilities computed ahead on all cores and without, and
// requires the same assignments, scores, evidence and story links.
func TestPrescoreChangesNothing(t *testing.T) {
	f, err := os.Open("../../../shared/corpus/dev/dev.jsonl")
	if err != nil {
		t.Skipf("dev corpus not available: %v", err)
	}
	defer f.Close()
	var docs []*cluster.Doc
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var a article.Article
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatal(err)
		}
		_, d := features.Extract(&a)
		docs = append(docs, d)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(docs) < 200 {
		t.Fatalf("dev corpus has %d articles", len(docs))
	}
	parallel, serial := cluster.New(cluster.DefaultWeights()), cluster.New(cluster.DefaultWeights())
	cluster.Serial(serial)
	for start := 0; start < len(docs); start += 40 {
		batch := docs[start:min(len(docs), start+40)]
		pa, pl := parallel.Add(batch)
		sa, sl := serial.Add(batch)
		if !reflect.DeepEqual(pa, sa) {
			t.Fatalf("batch at %d: assignments differ with prescore", start)
		}
		// Story scores are sums over maps, whose order varies from run to
		// run in the last bits with or without prescore: compare the links
		// and the scores to 1e-9.
		if len(pl) != len(sl) {
			t.Fatalf("batch at %d: %d story links with prescore, %d without", start, len(pl), len(sl))
		}
		for i := range pl {
			p, s := pl[i], sl[i]
			if p.EventID != s.EventID || p.StoryID != s.StoryID || p.NewStory != s.NewStory || math.Abs(p.Score-s.Score) > 1e-9 {
				t.Fatalf("batch at %d: story link %+v with prescore, %+v without", start, p, s)
			}
		}
	}
	if len(parallel.Events) != len(serial.Events) || len(parallel.Events) < 20 {
		t.Errorf("%d events with prescore, %d without", len(parallel.Events), len(serial.Events))
	}
}
