package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"storyline/internal/cluster"
)

// The clustering state of an event (its centroid and member vectors) and of
// a story (its centroid) is stored in a compact binary form rather than as
// JSON: it is most of a store's bytes (an event's centroid and members took
// some 55 KB as JSON) and every batch rewrites the centroids of the events
// and stories it touched. Keys are stored sorted, each as its difference
// from the one before, weights as float32 bits, so a decoded vector is
// exactly the one encoded.
//
// A blob starts with its format version. Version 1, written before keys
// were hashed (cluster.Key), holds each key's text front-coded; it is
// still read, each key hashed as it is read.
const stateVersion = 2

// errState is wrapped by every decoding error.
var errState = errors.New("malformed clustering state")

// encodeCentroid encodes a centroid's weights.
func encodeCentroid(c *cluster.Centroid) []byte {
	return appendVector([]byte{stateVersion}, c.Entries())
}

// decodeCentroidState decodes a centroid stored by encodeCentroid.
func decodeCentroidState(b []byte) (*cluster.Centroid, error) {
	r, err := stateReader(b)
	if err != nil {
		return nil, err
	}
	v, err := r.vector()
	if err != nil {
		return nil, err
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	c := cluster.NewCentroid()
	c.Add(v, 1)
	return c, nil
}

// encodeMembers encodes an event's member vectors.
func encodeMembers(ms []cluster.Member) []byte {
	b := []byte{stateVersion}
	b = binary.AppendUvarint(b, uint64(len(ms)))
	for _, m := range ms {
		b = appendString(b, m.ID)
		b = appendString(b, m.Lang)
		if m.Date.IsZero() {
			b = append(b, 0)
		} else {
			b = append(b, 1)
			b = binary.AppendVarint(b, m.Date.Unix())
			b = binary.AppendUvarint(b, uint64(m.Date.Nanosecond()))
		}
		b = binary.AppendUvarint(b, uint64(len(m.Mentioned)))
		for _, d := range m.Mentioned {
			b = binary.AppendVarint(b, int64(d.Year))
			b = binary.AppendVarint(b, int64(d.Month))
			b = binary.AppendVarint(b, int64(d.Day))
		}
		b = appendVector(b, m.Vec)
	}
	return b
}

// decodeMembers decodes members stored by encodeMembers.
func decodeMembers(b []byte) ([]cluster.Member, error) {
	r, err := stateReader(b)
	if err != nil {
		return nil, err
	}
	n, err := r.count(3) // a member takes at least 3 bytes
	if err != nil {
		return nil, err
	}
	ms := make([]cluster.Member, n)
	for i := range ms {
		m := &ms[i]
		if m.ID, err = r.string(); err != nil {
			return nil, err
		}
		if m.Lang, err = r.string(); err != nil {
			return nil, err
		}
		dated, err := r.byte()
		if err != nil {
			return nil, err
		}
		switch dated {
		case 0:
		case 1:
			sec, err := r.varint()
			if err != nil {
				return nil, err
			}
			nsec, err := r.uvarint()
			if err != nil {
				return nil, err
			}
			if nsec >= 1e9 {
				return nil, fmt.Errorf("%w: nanoseconds %d", errState, nsec)
			}
			m.Date = time.Unix(sec, int64(nsec)).UTC()
		default:
			return nil, fmt.Errorf("%w: date flag %d", errState, dated)
		}
		k, err := r.count(3)
		if err != nil {
			return nil, err
		}
		if k > 0 {
			m.Mentioned = make([]cluster.Day, k)
		}
		for j := range m.Mentioned {
			var f [3]int64
			for x := range f {
				if f[x], err = r.varint(); err != nil {
					return nil, err
				}
				if f[x] < math.MinInt32 || f[x] > math.MaxInt32 {
					return nil, fmt.Errorf("%w: mentioned date field %d", errState, f[x])
				}
			}
			m.Mentioned[j] = cluster.Day{Year: int(f[0]), Month: time.Month(f[1]), Day: int(f[2])}
		}
		if m.Vec, err = r.vector(); err != nil {
			return nil, err
		}
	}
	return ms, r.end()
}

// appendVector appends a vector sorted by key, each key as its difference
// from the one before.
func appendVector(b []byte, v cluster.Vector) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	var prev cluster.Key
	for _, e := range v {
		b = binary.AppendUvarint(b, uint64(e.Key-prev))
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(e.Weight))
		prev = e.Key
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// reader decodes a state blob, failing on anything out of bounds.
type reader struct {
	b       []byte
	version byte
}

func stateReader(b []byte) (*reader, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty", errState)
	}
	if b[0] < 1 || b[0] > stateVersion {
		return nil, fmt.Errorf("%w: format version %d (this storyline reads 1 to %d; upgrade it)", errState, b[0], stateVersion)
	}
	return &reader{b: b[1:], version: b[0]}, nil
}

func (r *reader) end() error {
	if len(r.b) != 0 {
		return fmt.Errorf("%w: %d bytes left over", errState, len(r.b))
	}
	return nil
}

func (r *reader) byte() (byte, error) {
	if len(r.b) == 0 {
		return 0, fmt.Errorf("%w: truncated", errState)
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c, nil
}

func (r *reader) uvarint() (uint64, error) {
	x, n := binary.Uvarint(r.b)
	if n <= 0 {
		return 0, fmt.Errorf("%w: truncated or overlong number", errState)
	}
	r.b = r.b[n:]
	return x, nil
}

func (r *reader) varint() (int64, error) {
	x, n := binary.Varint(r.b)
	if n <= 0 {
		return 0, fmt.Errorf("%w: truncated or overlong number", errState)
	}
	r.b = r.b[n:]
	return x, nil
}

// count reads a number of items that take at least min bytes each, so
// that a corrupt count cannot make the decoder allocate more than the
// blob could hold.
func (r *reader) count(min int) (int, error) {
	n, err := r.uvarint()
	if err != nil {
		return 0, err
	}
	if n > uint64(len(r.b)/min) {
		return 0, fmt.Errorf("%w: %d items in %d bytes", errState, n, len(r.b))
	}
	return int(n), nil
}

func (r *reader) string() (string, error) {
	n, err := r.uvarint()
	if err != nil {
		return "", err
	}
	if n > uint64(len(r.b)) {
		return "", fmt.Errorf("%w: string of %d bytes in %d", errState, n, len(r.b))
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s, nil
}

// vector reads a vector written by appendVector.
func (r *reader) vector() (cluster.Vector, error) {
	if r.version == 1 {
		return r.textVector()
	}
	n, err := r.count(5) // key difference, weight
	if err != nil || n == 0 {
		return nil, err
	}
	v := make(cluster.Vector, n)
	var prev cluster.Key
	for i := range v {
		d, err := r.uvarint()
		if err != nil {
			return nil, err
		}
		if i > 0 && d == 0 || uint64(prev)+d < uint64(prev) {
			return nil, fmt.Errorf("%w: keys out of order", errState)
		}
		if len(r.b) < 4 {
			return nil, fmt.Errorf("%w: truncated weight", errState)
		}
		prev += cluster.Key(d)
		v[i] = cluster.Entry{Key: prev, Weight: math.Float32frombits(binary.LittleEndian.Uint32(r.b))}
		r.b = r.b[4:]
	}
	return v, nil
}

// textVector reads a vector of format version 1 (keys as text) and hashes
// its keys, sorting it again by key.
func (r *reader) textVector() (cluster.Vector, error) {
	n, err := r.count(6) // shared, length, weight
	if err != nil || n == 0 {
		return nil, err
	}
	v := make(cluster.Vector, n)
	prev := ""
	// Front coding lets a few bytes stand for a long key: bound what the
	// keys may add up to, so that a corrupt blob cannot make the decoder
	// build gigabytes of them.
	budget := 64*len(r.b) + 1<<16
	for i := range v {
		shared, err := r.uvarint()
		if err != nil {
			return nil, err
		}
		if shared > uint64(len(prev)) {
			return nil, fmt.Errorf("%w: key shares %d bytes with one of %d", errState, shared, len(prev))
		}
		suffix, err := r.string()
		if err != nil {
			return nil, err
		}
		if len(r.b) < 4 {
			return nil, fmt.Errorf("%w: truncated weight", errState)
		}
		if budget -= int(shared) + len(suffix); budget < 0 {
			return nil, fmt.Errorf("%w: keys longer than the blob can hold", errState)
		}
		key := prev[:shared] + suffix
		v[i] = cluster.Entry{Key: cluster.KeyOf(key), Weight: math.Float32frombits(binary.LittleEndian.Uint32(r.b))}
		r.b = r.b[4:]
		prev = key
	}
	return v.Sort(), nil
}

// dfVersion is the format version of a batch's document frequencies.
const dfVersion = 1

// encodeDFBatch encodes the document frequencies a batch added: its keys
// in order, each as its difference from the one before, with its count
// and language.
func encodeDFBatch(d *cluster.DFBatch) []byte {
	b := []byte{dfVersion}
	b = binary.AppendUvarint(b, uint64(len(d.Keys)))
	var prev cluster.Key
	for _, kc := range d.Keys {
		b = binary.AppendUvarint(b, uint64(kc.Key-prev))
		b = binary.AppendUvarint(b, uint64(kc.N))
		b = binary.AppendUvarint(b, uint64(kc.Lang))
		prev = kc.Key
	}
	return b
}

// decodeDFBatch decodes document frequencies stored by encodeDFBatch.
func decodeDFBatch(b []byte) ([]cluster.KeyCount, error) {
	if len(b) == 0 || b[0] != dfVersion {
		return nil, fmt.Errorf("%w: document frequencies of an unknown format", errState)
	}
	r := &reader{b: b[1:], version: b[0]}
	n, err := r.count(3)
	if err != nil {
		return nil, err
	}
	out := make([]cluster.KeyCount, n)
	var prev cluster.Key
	for i := range out {
		d, err := r.uvarint()
		if err != nil {
			return nil, err
		}
		if i > 0 && d == 0 || uint64(prev)+d < uint64(prev) {
			return nil, fmt.Errorf("%w: keys out of order", errState)
		}
		prev += cluster.Key(d)
		c, err := r.uvarint()
		if err != nil {
			return nil, err
		}
		l, err := r.uvarint()
		if err != nil {
			return nil, err
		}
		if c > math.MaxInt32 || l > uint64(cluster.LangMany) {
			return nil, fmt.Errorf("%w: count %d, language %d", errState, c, l)
		}
		out[i] = cluster.KeyCount{Key: prev, N: int32(c), Lang: cluster.Lang(l)}
	}
	return out, r.end()
}

// encodeLabels encodes an event's labels as a JSON object keyed by the
// keys' decimal numbers.
func encodeLabels(l map[cluster.Key]string) string {
	m := make(map[string]string, len(l))
	for k, v := range l {
		m[strconv.FormatUint(uint64(k), 10)] = v
	}
	return jsonString(m)
}

// decodeLabels decodes an event's labels: keyed by the keys' numbers, or
// by their text in rows written before keys were hashed (those keep only
// the labels an event now keeps: of names and places).
func decodeLabels(s string) (map[cluster.Key]string, error) {
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	out := make(map[cluster.Key]string, len(m))
	for k, v := range m {
		if strings.Contains(k, ":") {
			if key := cluster.KeyOf(k); key.IsName() {
				out[key] = v
			}
			continue
		}
		n, err := strconv.ParseUint(k, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: label key %q", errState, k)
		}
		out[cluster.Key(n)] = v
	}
	return out, nil
}

// textEntry is a vector entry as rows written before migration 5 hold it,
// in JSON, with its key as text.
type textEntry struct {
	Key    string
	Weight float32
}

func hashVector(tv []textEntry) cluster.Vector {
	v := make(cluster.Vector, len(tv))
	for i, e := range tv {
		v[i] = cluster.Entry{Key: cluster.KeyOf(e.Key), Weight: e.Weight}
	}
	return v.Sort()
}

// decodeTextVector decodes a vector stored as JSON before migration 5.
func decodeTextVector(s string) (cluster.Vector, error) {
	var tv []textEntry
	if err := json.Unmarshal([]byte(s), &tv); err != nil {
		return nil, err
	}
	return hashVector(tv), nil
}

// decodeTextMembers decodes members stored as JSON before migration 5.
func decodeTextMembers(s string) ([]cluster.Member, error) {
	var tm []struct {
		ID        string        `json:"id"`
		Lang      string        `json:"lang"`
		Vec       []textEntry   `json:"vec"`
		Date      time.Time     `json:"date"`
		Mentioned []cluster.Day `json:"mentioned,omitempty"`
	}
	if err := json.Unmarshal([]byte(s), &tm); err != nil {
		return nil, err
	}
	out := make([]cluster.Member, len(tm))
	for i, m := range tm {
		out[i] = cluster.Member{ID: m.ID, Lang: m.Lang, Vec: hashVector(m.Vec), Date: m.Date, Mentioned: m.Mentioned}
	}
	return out, nil
}
