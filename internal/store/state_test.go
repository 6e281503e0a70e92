package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"storyline/internal/cluster"
)

func TestStateRoundTrip(t *testing.T) {
	vec := cluster.Vector{
		{Key: "#:314", Weight: 0.5},
		{Key: "n:drmb", Weight: 2.25},
		{Key: "t:hi:राष्ट्रपति", Weight: 1e-7},
		{Key: "t:hi:राष्ट्रीय", Weight: 3},
		{Key: "t:sq:presidenti", Weight: 0},
	}
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
	good := encodeMembers([]cluster.Member{{ID: "a", Lang: "en", Vec: cluster.Vector{{Key: "n:x", Weight: 1}, {Key: "n:xy", Weight: 2}}}})
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"unknown version", append([]byte{2}, good[1:]...)},
		{"truncated", good[:len(good)-1]},
		{"trailing bytes", append(append([]byte{}, good...), 0)},
		{"count beyond the blob", []byte{stateVersion, 0xff, 0xff, 0xff, 0xff, 0x0f}},
		{"bad date flag", []byte{stateVersion, 1, 1, 'a', 0, 7, 0, 0}},
		{"prefix longer than the key before", []byte{stateVersion, 1, 0, 0, 0, 0, 1, 3, 1, 'x', 0, 0, 0, 0}},
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
	long := binary.AppendUvarint([]byte{stateVersion}, 1001)
	long = appendString(binary.AppendUvarint(long, 0), strings.Repeat("k", 1000))
	long = append(long, 0, 0, 0, 0)
	for i := range 1000 {
		long = binary.AppendUvarint(long, uint64(1000+i))
		long = append(appendString(long, "x"), 0, 0, 0, 0)
	}
	if _, err := decodeCentroidState(long); !errors.Is(err, errState) {
		t.Errorf("blob of %d bytes whose keys add up to a megabyte: err = %v", len(long), err)
	}
	if _, err := decodeCentroidState([]byte{stateVersion, 2, 0, 1, 'a', 0, 0, 0, 0, 5, 1, 'b', 0, 0, 0, 0}); !errors.Is(err, errState) {
		t.Errorf("centroid whose second key shares 5 bytes with a 1-byte key: err = %v", err)
	}
}

// FuzzDecodeMembers feeds the decoder arbitrary bytes: it must not panic or
// allocate beyond the input, and what it accepts must survive encoding and
// decoding again unchanged.
func FuzzDecodeMembers(f *testing.F) {
	f.Add(encodeMembers([]cluster.Member{{ID: "a1", Lang: "hi", Date: time.Date(2025, 10, 21, 0, 0, 0, 0, time.UTC),
		Mentioned: []cluster.Day{{Year: 2025, Month: 10, Day: 20}}, Vec: cluster.Vector{{Key: "n:drmb", Weight: 1}, {Key: "n:drmp", Weight: 2}}}}))
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
		for _, e := range b.Events {
			if _, err := s.db.ExecContext(ctx, s.q(`UPDATE events SET centroid = ?, centroid_bin = NULL, members = ?, members_bin = NULL WHERE id = ?`),
				jsonString(e.C.Entries()), jsonString(nonNil(e.Members)), e.ID); err != nil {
				t.Fatal(err)
			}
		}
		for _, st := range b.Stories {
			if _, err := s.db.ExecContext(ctx, s.q(`UPDATE stories SET centroid = ?, centroid_bin = NULL WHERE id = ?`),
				jsonString(st.C.Entries()), st.ID); err != nil {
				t.Fatal(err)
			}
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
	})
}
