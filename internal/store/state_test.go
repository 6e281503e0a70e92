package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"storyline/internal/cluster"
)

func TestStateRoundTrip(t *testing.T) {
	vec := cluster.Vector{
		{Key: cluster.KeyOf("#:314"), Weight: 0.5},
		{Key: cluster.KeyOf("n:drmb"), Weight: 2.25},
		{Key: cluster.KeyOf("t:hi:राष्ट्रपति"), Weight: 1e-7},
		{Key: cluster.KeyOf("t:hi:राष्ट्रीय"), Weight: 3},
		{Key: cluster.KeyOf("t:sq:presidenti"), Weight: 0},
	}.Sort()
	tests := []struct {
		name    string
		members []cluster.Member
	}{
		{"none", []cluster.Member{}},
		{"undated, no vector", []cluster.Member{{ID: "a", Lang: "sq"}}},
		{"dated with mentioned dates", []cluster.Member{
			{ID: "a1", Lang: "hi", Vec: vec, Date: time.Date(2025, 10, 21, 0, 0, 0, 0, time.UTC),
				Mentioned: []cluster.Day{{Year: 2025, Month: 10, Day: 20}, {Month: 3, Day: 1}}},
			{ID: "a2", Lang: "vi", Vec: vec[:2], Date: time.Date(1969, 7, 20, 20, 17, 40, 5, time.UTC)},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeMembers(encodeMembers(tt.members))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.members) {
				t.Errorf("members came back as %+v, want %+v", got, tt.members)
			}
		})
	}
	c := cluster.NewCentroid()
	c.Add(vec, 1)
	got, err := decodeCentroidState(encodeCentroid(c))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.W, c.W) || !reflect.DeepEqual(got.Norm, c.Norm) {
		t.Errorf("centroid came back as %v, want %v", got.W, c.W)
	}
	if js, bin := len(jsonString(c.Entries())), len(encodeCentroid(c)); bin*2 > js {
		t.Errorf("binary centroid takes %d bytes, JSON %d: want under half", bin, js)
	}
}

func TestStateRejectsMalformed(t *testing.T) {
	good := encodeMembers([]cluster.Member{{ID: "a", Lang: "en", Vec: cluster.Vector{{Key: cluster.KeyOf("n:x"), Weight: 1}, {Key: cluster.KeyOf("n:xy"), Weight: 2}}}})
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"unknown version", append([]byte{stateVersion + 1}, good[1:]...)},
		{"truncated", good[:len(good)-1]},
		{"trailing bytes", append(append([]byte{}, good...), 0)},
		{"count beyond the blob", []byte{stateVersion, 0xff, 0xff, 0xff, 0xff, 0x0f}},
		{"bad date flag", []byte{stateVersion, 1, 1, 'a', 0, 7, 0, 0}},
		{"keys out of order", []byte{stateVersion, 1, 1, 'a', 1, 'e', 0, 0, 2, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"text keys: prefix longer than the key before", []byte{1, 1, 0, 0, 0, 0, 1, 3, 1, 'x', 0, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decodeMembers(tt.b); !errors.Is(err, errState) {
				t.Errorf("decodeMembers: err = %v, want a malformed-state error", err)
			}
		})
	}
	// A long first key, then entries that each repeat it and add a byte:
	// a few bytes apiece, they would decode to a megabyte of keys.
	long := binary.AppendUvarint([]byte{1}, 1001)
	long = appendString(binary.AppendUvarint(long, 0), strings.Repeat("k", 1000))
	long = append(long, 0, 0, 0, 0)
	for i := range 1000 {
		long = binary.AppendUvarint(long, uint64(1000+i))
		long = append(appendString(long, "x"), 0, 0, 0, 0)
	}
	if _, err := decodeCentroidState(long); !errors.Is(err, errState) {
		t.Errorf("blob of %d bytes whose keys add up to a megabyte: err = %v", len(long), err)
	}
	if _, err := decodeCentroidState([]byte{1, 2, 0, 1, 'a', 0, 0, 0, 0, 5, 1, 'b', 0, 0, 0, 0}); !errors.Is(err, errState) {
		t.Errorf("centroid whose second key shares 5 bytes with a 1-byte key: err = %v", err)
	}
}

// FuzzDecodeMembers feeds the decoder arbitrary bytes: it must not panic or
// allocate beyond the input, and what it accepts must survive encoding and
// decoding again unchanged.
func FuzzDecodeMembers(f *testing.F) {
	f.Add(encodeMembers([]cluster.Member{{ID: "a1", Lang: "hi", Date: time.Date(2025, 10, 21, 0, 0, 0, 0, time.UTC),
		Mentioned: []cluster.Day{{Year: 2025, Month: 10, Day: 20}}, Vec: cluster.Vector{{Key: cluster.KeyOf("n:drmb"), Weight: 1}, {Key: cluster.KeyOf("n:drmp"), Weight: 2}}}}))
	f.Add([]byte{stateVersion, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		ms, err := decodeMembers(b)
		if err != nil {
			return
		}
		// Compared as bytes: a NaN weight is not equal to itself.
		enc := encodeMembers(ms)
		again, err := decodeMembers(enc)
		if err != nil {
			t.Fatalf("re-encoded members do not decode: %v", err)
		}
		if !bytes.Equal(encodeMembers(again), enc) {
			t.Fatalf("members changed on re-encoding: %+v → %+v", ms, again)
		}
	})
}

// TestStateReadsJSONRows checks that rows written before migration 5, whose
// state is JSON and whose binary columns are empty, read back as the same
// events and stories as rows written in the binary form.
func TestStateReadsJSONRows(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *SQL) {
		ctx := context.Background()
		b := sampleBatch()
		b.Events[0].Members = []cluster.Member{
			{ID: "a1", Lang: "en", Vec: vec("n:drmb", 2.0, "n:bdn", 1.5), Date: ParseDay("2025-10-20"),
				Mentioned: []cluster.Day{{Year: 2025, Month: 10, Day: 20}}},
			{ID: "a2", Lang: "sq", Vec: vec("n:drmb", 1.0)},
		}
		if err := s.Commit(ctx, b); err != nil {
			t.Fatal(err)
		}
		binary, err := s.LoadState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE centroid = '[]' AND centroid_bin IS NOT NULL`).Scan(&n); err != nil || n != 2 {
			t.Fatalf("%d events stored in binary form (%v), want 2", n, err)
		}
		// As such rows hold them: keys as text, in JSON.
		for id, st := range map[string][2]string{
			"e_a1": {textVectorJSON("n:drmb", 2.0, "n:bdn", 1.5, "d:2025-10-20", 1.0),
				`[{"id":"a1","lang":"en","vec":` + textVectorJSON("n:drmb", 2.0, "n:bdn", 1.5) +
					`,"date":"2025-10-20T00:00:00Z","mentioned":[{"y":2025,"m":10,"d":20}]},` +
					`{"id":"a2","lang":"sq","vec":` + textVectorJSON("n:drmb", 1.0) + `,"date":"0001-01-01T00:00:00Z"}]`},
			"e_a3": {textVectorJSON("n:drmb", 1.0, "t:en:summit", 1.0), `[]`},
		} {
			if _, err := s.db.ExecContext(ctx, s.q(`UPDATE events SET centroid = ?, centroid_bin = NULL, members = ?, members_bin = NULL, labels = '{"n:drmb":"Trump","d:2025-10-20":"2025-10-20"}' WHERE id = ?`),
				st[0], st[1], id); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE stories SET centroid = '`+textVectorJSON("n:drmb", 1.0)+`', centroid_bin = NULL`); err != nil {
			t.Fatal(err)
		}
		fromJSON, err := s.LoadState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(fromJSON.Events) != 2 || len(fromJSON.Stories) != 1 {
			t.Fatalf("read %d events and %d stories from JSON rows", len(fromJSON.Events), len(fromJSON.Stories))
		}
		for i, e := range binary.Events {
			j := fromJSON.Events[i]
			if !reflect.DeepEqual(e.C.W, j.C.W) || len(e.Members) != len(j.Members) {
				t.Errorf("event %s: binary and JSON rows differ: %v / %v", e.ID, e.C.W, j.C.W)
			}
			for k := range e.Members {
				a, b := e.Members[k], j.Members[k]
				if a.ID != b.ID || !a.Date.Equal(b.Date) || !reflect.DeepEqual(a.Vec, b.Vec) || !reflect.DeepEqual(a.Mentioned, b.Mentioned) {
					t.Errorf("event %s member %d: binary %+v, JSON %+v", e.ID, k, a, b)
				}
			}
		}
		if !reflect.DeepEqual(binary.Stories[0].C.W, fromJSON.Stories[0].C.W) {
			t.Errorf("story: binary %v, JSON %v", binary.Stories[0].C.W, fromJSON.Stories[0].C.W)
		}
		if got := binary.Events[0].Members; len(got) != 2 || got[1].ID != "a2" || got[0].Mentioned[0].Day != 20 {
			t.Errorf("members read back as %+v", got)
		}
		// Labels keyed by text are keyed by the text's key; an event keeps
		// the labels of names and places only.
		if l := fromJSON.Events[0].Labels; len(l) != 1 || l[cluster.KeyOf("n:drmb")] != "Trump" {
			t.Errorf("labels of a row keyed by text: %v", l)
		}
	})
}

// textVectorJSON writes "key", weight pairs as a vector was stored in JSON
// before keys were hashed.
func textVectorJSON(kv ...any) string {
	var parts []string
	for i := 0; i < len(kv); i += 2 {
		parts = append(parts, fmt.Sprintf(`{"Key":%q,"Weight":%v}`, kv[i], kv[i+1]))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// appendTextVector writes a vector in state format version 1: keys as
// text, sorted, front-coded.
func appendTextVector(b []byte, kv ...any) []byte {
	type entry struct {
		k string
		w float32
	}
	var es []entry
	for i := 0; i < len(kv); i += 2 {
		es = append(es, entry{kv[i].(string), float32(kv[i+1].(float64))})
	}
	slices.SortFunc(es, func(a, b entry) int { return strings.Compare(a.k, b.k) })
	b = binary.AppendUvarint(b, uint64(len(es)))
	prev := ""
	for _, e := range es {
		n := 0
		for n < len(prev) && n < len(e.k) && prev[n] == e.k[n] {
			n++
		}
		b = binary.AppendUvarint(b, uint64(n))
		b = appendString(b, e.k[n:])
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(e.w))
		prev = e.k
	}
	return b
}

// TestStateReadsTextKeys: blobs of format version 1 (keys as text) read
// back as the vectors of hashed keys that version 2 holds.
func TestStateReadsTextKeys(t *testing.T) {
	old := appendTextVector([]byte{1}, "n:drmb", 2.0, "t:hi:राष्ट्रपति", 0.5, "#:314", 1.0)
	c, err := decodeCentroidState(old)
	if err != nil {
		t.Fatal(err)
	}
	want := vec("n:drmb", 2.0, "t:hi:राष्ट्रपति", 0.5, "#:314", 1.0)
	if got := c.Entries(); !reflect.DeepEqual(got, want) {
		t.Errorf("version 1 centroid read as %v, want %v", got, want)
	}
	again, err := decodeCentroidState(encodeCentroid(c))
	if err != nil || !reflect.DeepEqual(again.Entries(), want) {
		t.Errorf("re-encoded as version 2: %v %v", again, err)
	}
	m := []byte{1, 1}
	m = appendString(appendString(m, "a1"), "hi")
	m = append(m, 0, 0)
	m = appendTextVector(m, "n:drmb", 1.0, "d:2025-10-20", 1.0)
	ms, err := decodeMembers(m)
	if err != nil || len(ms) != 1 || ms[0].ID != "a1" || !reflect.DeepEqual(ms[0].Vec, vec("n:drmb", 1.0, "d:2025-10-20", 1.0)) {
		t.Errorf("version 1 members read as %+v, %v", ms, err)
	}
}
