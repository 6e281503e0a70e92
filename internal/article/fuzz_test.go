package article

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func checkFuzzArticle(t *testing.T, a Article) {
	t.Helper()
	if a.ID == "" || strings.TrimSpace(a.Text) == "" {
		t.Fatalf("article with empty id or text: %+v", a)
	}
	for _, s := range []string{a.ID, a.Text, a.Title, a.Lang, a.URL, a.Source} {
		if !utf8.ValidString(s) {
			t.Fatalf("article field %q is not valid UTF-8", s)
		}
	}
	if !a.Date.IsZero() && (a.DateSource != DateHeader || a.Date.Hour() != 0 || a.Date.Location().String() != "UTC") {
		t.Fatalf("date %v with source %q is not a civil date from the header", a.Date, a.DateSource)
	}
}

func FuzzParseText(f *testing.F) {
	for _, s := range []string{
		"date 2025-10-20\nTrump met Putin.",
		"  date 2025-10-20 body on the header line",
		"\ufeffdate 2025-10-20T10:00:00+02:00\nBody.",
		"date night",
		"date 2025-13-99\nx",
		"date 1",
		"",
		"\x00\x01binary",
		"caf\xe9",
		"ट्रम्प और पुतिन",
	} {
		f.Add("id", []byte(s))
	}
	f.Add("", []byte("body"))
	f.Fuzz(func(t *testing.T, id string, data []byte) {
		a, err := ParseText(id, data)
		if err != nil {
			if a != (Article{}) {
				t.Fatalf("error %v with a non-zero article %+v", err, a)
			}
			if err.Error() == "" || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q is not one line", err)
			}
			return
		}
		if a.ID != id {
			t.Fatalf("ID = %q, want %q", a.ID, id)
		}
		checkFuzzArticle(t, a)
		if !bytes.Contains(data, []byte(a.Text)) {
			t.Fatalf("text %q is not part of the input", a.Text)
		}
	})
}

func FuzzReadJSONL(f *testing.F) {
	for _, s := range []string{
		`{"id":"a","text":"A.","date":"2025-10-20"}` + "\n" + `{"id":"b","text":"B.","lang":"sq"}`,
		"\ufeff" + `{"id":"a","text":"A.","date":"2025-10-20T10:00:00Z","event":"e1"}` + "\r\n\r\n",
		`{"text":"no id"}` + "\n" + `{"id":"x"}`,
		`{"id":"t","text":"trunc`,
		`{"id":"u","text":"\ud800 lone surrogate \u0000"}`,
		`{"id":"n","text":"x","date":"nope"}`,
		"\n\n",
		"",
		`[1,2]`,
		`null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.jsonl"
		err := ReadJSONL(bytes.NewReader(data), name, Handler{
			OnArticle: func(a Article) error {
				checkFuzzArticle(t, a)
				if !strings.HasPrefix(a.Origin, name+":") {
					t.Fatalf("Origin %q does not name the input and line", a.Origin)
				}
				return nil
			},
			OnError: func(e *InputError) {
				if e.Origin != name && !strings.HasPrefix(e.Origin, name+":") {
					t.Fatalf("error origin %q does not name the input", e.Origin)
				}
				if e.Err == nil || strings.Contains(e.Error(), "\n") {
					t.Fatalf("error %q is not one line", e.Error())
				}
			},
		})
		if err != nil {
			t.Fatalf("ReadJSONL returned %v; bad records must not stop it", err)
		}
	})
}
