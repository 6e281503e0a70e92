package server

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"storyline/internal/article"
)

// FuzzReadArticles: no POST /api/articles body makes the decoder panic;
// every article it accepts has an id and text of valid UTF-8, and every
// rejected record is reported with a one-line error.
func FuzzReadArticles(f *testing.F) {
	for _, s := range []string{
		`{"id":"n1","title":"Putin and Trump","text":"Putin and Trump spoke.","date":"2025-10-21","lang":"en"}`,
		`[{"id":"a","text":"A."},{"id":"b","text":"B.","date":"2025-10-20T10:00:00Z"}]`,
		`{"id":"a","text":"A."}` + "\n" + `{"id":"b"}` + "\n" + `not json`,
		`[{"id":"a","text":"A."}, 1, null, "x", []]`,
		`[]`, `{}`, `[`, `[1,2`, `null`, `""`, "   ", "",
		`{"id":"x","text":"<script>alert(1)</script><img src=x onerror=alert(1)>"}`,
		`{"id":"\u0000","text":"\ud800"}`,
		"\ufeff" + `{"id":"bom","text":"x"}`,
		`{"id":"a","text":"a"}{"id":"b","text":"b"}`,
		`[{"id":"nested","text":{"deep":[[[[[]]]]]}}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var rejects []*article.InputError
		arts, err := readArticles(body, func(e *article.InputError) { rejects = append(rejects, e) })
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		for _, a := range arts {
			if strings.TrimSpace(a.ID) == "" || strings.TrimSpace(a.Text) == "" {
				t.Fatalf("accepted an article without id or text: %+v", a)
			}
			if !utf8.ValidString(a.ID) || !utf8.ValidString(a.Text) || !utf8.ValidString(a.Title) {
				t.Fatalf("accepted invalid UTF-8: %+v", a)
			}
		}
		for _, e := range rejects {
			if msg := e.Error(); msg == "" || strings.Contains(msg, "\n") {
				t.Fatalf("rejection %q is not one line", msg)
			}
		}
	})
}

// FuzzDecodeCorrection: no split or merge request body makes decodeBody
// panic; a body it accepts leaves a usable request, and a body it refuses
// is answered with 400 and a JSON error.
func FuzzDecodeCorrection(f *testing.F) {
	for _, s := range []string{
		`{"articles":["a","b"],"note":"two events"}`,
		`{"events":["e_1","e_2"]}`,
		`{"articles":"a"}`, `{"events":[1,2]}`, `{"unknown":1}`,
		`{"articles":["a"]} trailing`, `[`, ``, `null`, `{"note":"<script>x</script>"}`,
	} {
		f.Add(true, []byte(s))
		f.Add(false, []byte(s))
	}
	f.Fuzz(func(t *testing.T, split bool, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/api/events/merge", bytes.NewReader(body))
		w := httptest.NewRecorder()
		var v any = &MergeRequest{}
		if split {
			v = &SplitRequest{}
		}
		if decodeBody(w, r, v) {
			if w.Code != http.StatusOK || w.Body.Len() != 0 {
				t.Fatalf("accepted body but wrote a response: %d %s", w.Code, w.Body)
			}
			if n := clipNote(noteOf(v)); utf8.RuneCountInString(n) > 501 {
				t.Fatalf("note not clipped: %d runes", utf8.RuneCountInString(n))
			}
			return
		}
		if w.Code != http.StatusBadRequest || !bytes.HasPrefix(w.Body.Bytes(), []byte("{")) {
			t.Fatalf("refused body answered %d %q", w.Code, w.Body)
		}
	})
}

func noteOf(v any) string {
	switch r := v.(type) {
	case *SplitRequest:
		return r.Note
	case *MergeRequest:
		return r.Note
	}
	return ""
}
