package article

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
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

func TestParseText(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		date    string // "" for none
		text    string
		wantErr string // substring of the error; "" for success
	}{
		{name: "header then body", in: "date 2025-10-20\nTrump met Putin.", date: "2025-10-20", text: "Trump met Putin."},
		{name: "leading white space", in: " \t\r\n\n  date 2025-10-20\n\nBody.\n", date: "2025-10-20", text: "Body."},
		{name: "body on the same line", in: "date 2025-10-20 Body on the header line.", date: "2025-10-20", text: "Body on the header line."},
		{name: "tab after keyword", in: "date\t2025-10-20\tBody.", date: "2025-10-20", text: "Body."},
		{name: "capitalised keyword", in: "Date 2025-10-20\nBody.", date: "2025-10-20", text: "Body."},
		{name: "RFC 3339 header", in: "date 2025-10-20T23:30:00-05:00\nBody.", date: "2025-10-20", text: "Body."},
		{name: "no header", in: "Plain article text.\nSecond line.", text: "Plain article text.\nSecond line."},
		{name: "body starts with the word date", in: "date night in Paris was cancelled.", text: "date night in Paris was cancelled."},
		{name: "word date then newline", in: "date\n2025-10-20 is when it happened.", text: "date\n2025-10-20 is when it happened."},
		{name: "dated is not a header", in: "dated 2025-10-20 letter", text: "dated 2025-10-20 letter"},
		{name: "header later in the text is body", in: "Intro.\ndate 2025-10-20\nMore.", text: "Intro.\ndate 2025-10-20\nMore."},
		{name: "BOM before header", in: "\ufeffdate 2025-10-20\nBody.", date: "2025-10-20", text: "Body."},
		{name: "BOM without header", in: "\ufeffBody with a BOM.", text: "Body with a BOM."},
		{name: "non-Latin body", in: "date 2025-10-17\nट्रम्प और पुतिन बुडापेस्ट में मिलेंगे।", date: "2025-10-17", text: "ट्रम्प और पुतिन बुडापेस्ट में मिलेंगे।"},

		{name: "empty", in: "", wantErr: "empty file"},
		{name: "only white space", in: " \n\t\r\n", wantErr: "empty file"},
		{name: "binary", in: "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", wantErr: "binary file"},
		{name: "invalid UTF-8", in: "Caf\xe9 au lait", wantErr: "invalid UTF-8 at byte 3"},
		{name: "malformed month", in: "date 2025-13-01\nBody.", wantErr: "malformed date header"},
		{name: "malformed separators", in: "date 20/10/2025\nBody.", wantErr: `malformed date header "20/10/2025"`},
		{name: "truncated date", in: "date 2025-10\nBody.", wantErr: "malformed date header"},
		{name: "header without body", in: "date 2025-10-20\n", wantErr: "no article text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseText("a1", []byte(tt.in))
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseText(%q) = %+v, want error containing %q", tt.in, a, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseText(%q) error %q, want it to contain %q", tt.in, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error %q is more than one line", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseText(%q): %v", tt.in, err)
			}
			if a.ID != "a1" {
				t.Errorf("ID = %q, want a1", a.ID)
			}
			if a.Text != tt.text {
				t.Errorf("Text = %q, want %q", a.Text, tt.text)
			}
			if got := a.DateString(); got != tt.date {
				t.Errorf("date = %q, want %q", got, tt.date)
			}
			wantSrc := ""
			if tt.date != "" {
				wantSrc = DateHeader
			}
			if a.DateSource != wantSrc {
				t.Errorf("DateSource = %q, want %q", a.DateSource, wantSrc)
			}
		})
	}
}

func TestParseTextLimits(t *testing.T) {
	// File names become ids; some cannot be (found by FuzzParseText).
	for _, id := range []string{"", " ", "\xb9", "a\nb", "esc\x1b[31m", strings.Repeat("x", 201)} {
		if a, err := ParseText(id, []byte("Body.")); err == nil {
			t.Errorf("ParseText with id %q = %+v, want an error", id, a)
		}
	}
	big := make([]byte, MaxArticleBytes+1)
	for i := range big {
		big[i] = 'a'
	}
	if _, err := ParseText("big", big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("ParseText of %d bytes: err = %v, want a size error", len(big), err)
	}
}

func TestParseDate(t *testing.T) {
	good := map[string]string{
		"2025-10-20":                "2025-10-20",
		" 2025-10-20 ":              "2025-10-20",
		"2025-10-20T10:00:00Z":      "2025-10-20",
		"2025-10-20T23:59:59+14:00": "2025-10-20", // own calendar day, not UTC's
		"2025-10-20T00:30:00-08:00": "2025-10-20",
	}
	for in, want := range good {
		d, err := ParseDate(in)
		if err != nil {
			t.Errorf("ParseDate(%q): %v", in, err)
			continue
		}
		if got := d.Format(time.DateOnly); got != want || d.Location() != time.UTC || d.Hour() != 0 {
			t.Errorf("ParseDate(%q) = %v, want %s at UTC midnight", in, d, want)
		}
	}
	for _, in := range []string{"", "yesterday", "2025-02-30", "20/10/2025", "2025-10-20 10:00", "Oct 20, 2025"} {
		if d, err := ParseDate(in); err == nil {
			t.Errorf("ParseDate(%q) = %v, want error", in, d)
		}
	}
}

// collect runs a reader and gathers what its handler sees.
type collected struct {
	arts []Article
	errs []*InputError
}

func (c *collected) handler() Handler {
	return Handler{
		OnArticle: func(a Article) error { c.arts = append(c.arts, a); return nil },
		OnError:   func(e *InputError) { c.errs = append(c.errs, e) },
	}
}

func (c *collected) ids() []string {
	var ids []string
	for _, a := range c.arts {
		ids = append(ids, a.ID)
	}
	return ids
}

func (c *collected) errStrings() []string {
	var s []string
	for _, e := range c.errs {
		s = append(s, e.Error())
	}
	return s
}

func TestReadJSONL(t *testing.T) {
	type want struct {
		id, text, title, lang, date, origin string
	}
	tests := []struct {
		name string
		in   string
		arts []want
		errs []string // each: "origin: substring"
	}{
		{
			name: "all fields",
			in:   `{"id":"x1","text":" Body. ","title":"T","lang":"SQ","date":"2025-10-21","url":"u","source":"s"}` + "\n",
			arts: []want{{id: "x1", text: "Body.", title: "T", lang: "sq", date: "2025-10-21", origin: "in.jsonl:1"}},
		},
		{
			name: "RFC 3339 date and unknown fields",
			in:   `{"id":"x2","text":"Body.","date":"2025-10-21T08:00:00+02:00","event":"e7","story":{"nested":[1,2]},"extra":null}`,
			arts: []want{{id: "x2", text: "Body.", date: "2025-10-21", origin: "in.jsonl:1"}},
		},
		{
			name: "blank lines and CRLF keep line numbers",
			in:   "\n" + `{"id":"a","text":"A."}` + "\r\n   \r\n\t\n" + `{"id":"b","text":"B."}` + "\r\n\n",
			arts: []want{{id: "a", text: "A.", origin: "in.jsonl:2"}, {id: "b", text: "B.", origin: "in.jsonl:5"}},
		},
		{
			name: "BOM on the first line",
			in:   "\ufeff" + `{"id":"bom","text":"B."}`,
			arts: []want{{id: "bom", text: "B.", origin: "in.jsonl:1"}},
		},
		{
			name: "no date",
			in:   `{"id":"nd","text":"B.","date":""}`,
			arts: []want{{id: "nd", text: "B.", origin: "in.jsonl:1"}},
		},
		{
			name: "bad lines are reported and skipped",
			in: strings.Join([]string{
				`{"id":"ok1","text":"Fine."}`,
				`{"text":"no id"}`,
				`{"id":"  ","text":"blank id"}`,
				`{"id":"nt"}`,
				`{"id":"et","text":"   "}`,
				`{"id":"bd","text":"Body.","date":"21.10.2025"}`,
				`{"id":"u","text":"caf` + "\xe9" + `"}`,
				`{"id":"nul","text":"a` + "\x00" + `b"}`,
				`not json`,
				`{"id":"half","text":`,
				`{"id":7,"text":"number id"}`,
				`["id","text"]`,
				`{"id":"ok2","text":"Also fine."}`,
				`{"id":"cut","text":"The end of the inp`,
			}, "\n"),
			arts: []want{{id: "ok1", text: "Fine.", origin: "in.jsonl:1"}, {id: "ok2", text: "Also fine.", origin: "in.jsonl:13"}},
			errs: []string{
				`in.jsonl:2: missing "id"`,
				`in.jsonl:3: missing "id"`,
				`in.jsonl:4: record "nt": missing "text"`,
				`in.jsonl:5: record "et": missing "text"`,
				`in.jsonl:6: record "bd": malformed date "21.10.2025"`,
				`in.jsonl:7: invalid UTF-8 at byte 21`,
				`in.jsonl:8: binary data`,
				`in.jsonl:9: bad JSON`,
				`in.jsonl:10: incomplete JSON object`,
				`in.jsonl:11: bad JSON`,
				`in.jsonl:12: bad JSON`,
				`in.jsonl:14: truncated JSON line`,
			},
		},
		{
			name: "truncated last line after a newline-terminated one",
			in:   `{"id":"a","text":"A."}` + "\n" + `{"id":"b","te`,
			arts: []want{{id: "a", text: "A.", origin: "in.jsonl:1"}},
			errs: []string{`in.jsonl:2: truncated JSON line`},
		},
		{name: "empty input", in: "", errs: []string{"in.jsonl: empty input"}},
		{name: "only blank lines", in: "\n \n\r\n", errs: []string{"in.jsonl: empty input"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c collected
			if err := ReadJSONL(strings.NewReader(tt.in), "in.jsonl", c.handler()); err != nil {
				t.Fatalf("ReadJSONL: %v", err)
			}
			if len(c.arts) != len(tt.arts) {
				t.Fatalf("got articles %q, want %d; errors %q", c.ids(), len(tt.arts), c.errStrings())
			}
			for i, w := range tt.arts {
				a := c.arts[i]
				got := want{a.ID, a.Text, a.Title, a.Lang, a.DateString(), a.Origin}
				if got != w {
					t.Errorf("article %d = %+v, want %+v", i, got, w)
				}
				if (w.date != "") != (a.DateSource == DateHeader) {
					t.Errorf("article %d: DateSource %q with date %q", i, a.DateSource, w.date)
				}
			}
			if len(c.errs) != len(tt.errs) {
				t.Fatalf("got errors %q, want %q", c.errStrings(), tt.errs)
			}
			for i, w := range tt.errs {
				e := c.errs[i]
				origin, msg, _ := strings.Cut(w, ": ")
				if e.Origin != origin || !strings.Contains(e.Err.Error(), msg) {
					t.Errorf("error %d = %q, want origin %q and %q", i, e, origin, msg)
				}
				if strings.Contains(e.Error(), "\n") {
					t.Errorf("error %q is more than one line", e)
				}
			}
		})
	}
}

// TestReadJSONLStop checks that an error from OnArticle stops the read
// (cancellation) and is returned, while bad records never stop it.
func TestReadJSONLStop(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	in := `{"id":"a","text":"A."}` + "\n" + `{"id":"b","text":"B."}` + "\n"
	err := ReadJSONL(strings.NewReader(in), "in", Handler{
		OnArticle: func(Article) error { n++; return stop },
		OnError:   func(e *InputError) { t.Errorf("unexpected error %v", e) },
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("ReadJSONL = %v after %d articles, want stop after 1", err, n)
	}
}

// errReader yields data and then a read error.
type errReader struct {
	data string
	err  error
}

func (r *errReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestReadJSONLReadError(t *testing.T) {
	var c collected
	boom := errors.New("device on fire")
	err := ReadJSONL(&errReader{`{"id":"a","text":"A."}` + "\n", boom}, "in", c.handler())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.ids(), []string{"a"}) || len(c.errs) != 1 || c.errs[0].Origin != "in:2" || !errors.Is(c.errs[0], boom) {
		t.Errorf("got %q and errors %q, want a and one in:2 error wrapping %v", c.ids(), c.errStrings(), boom)
	}
}

// writeTree creates files (and their directories) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReadDirectory(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"a.txt":                "date 2025-10-20\nArticle A.",
		"README.md":            "# not an article",
		"notes.json":           `{"id":"json-in-dir","text":"not walked"}`,
		"sub/b.TXT":            "Article B.",
		"sub/deeper/c.jsonl":   `{"id":"c1","text":"C1."}` + "\n" + `{"id":"c2","text":"C2."}`,
		"sub/d.ndjson":         `{"id":"d1","text":"D1."}`,
		".hidden/e.txt":        "hidden dir",
		"sub/.git/f.txt":       "hidden dir deeper",
		"sub/._b.txt":          "\x00\x05\x16\x07 resource fork",
		"sub/image.png":        "\x89PNG",
		"z/empty.txt":          "",
		"z/bad.jsonl":          `{"id":"z1","text":"Z1."}` + "\n" + `{"text":"no id"}`,
		"z/deep/nothing/x.bin": "\x00",
	})
	var c collected
	if err := Read([]string{dir}, nil, c.handler()); err != nil {
		t.Fatal(err)
	}
	wantIDs := []string{"a", "b", "d1", "c1", "c2", "z1"}
	if !slices.Equal(c.ids(), wantIDs) {
		t.Errorf("ids = %q, want %q (sorted by path)", c.ids(), wantIDs)
	}
	wantErrs := []string{
		filepath.Join(dir, "z", "bad.jsonl") + `:2: missing "id"`,
		filepath.Join(dir, "z", "empty.txt") + ": empty file",
	}
	if !slices.Equal(c.errStrings(), wantErrs) {
		t.Errorf("errors = %q, want %q", c.errStrings(), wantErrs)
	}
	for _, a := range c.arts {
		if !strings.HasPrefix(a.Origin, dir) {
			t.Errorf("article %s: Origin %q does not name its file", a.ID, a.Origin)
		}
	}
	if a := c.arts[0]; a.DateString() != "2025-10-20" || a.Text != "Article A." || a.Origin != filepath.Join(dir, "a.txt") {
		t.Errorf("a.txt read as %+v", a)
	}
}

func TestReadFilesAndStdin(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"one.txt":        "Article one.",
		"notes.md":       "An explicitly named file is read as plain text.",
		"feed.json":      `{"id":"j1","text":"J1."}`,
		".hidden.txt":    "Named explicitly, so read.",
		"dir.txt/in.txt": "A directory whose name ends in .txt is walked.",
	})
	stdin := strings.NewReader(`{"id":"s1","text":"From stdin."}` + "\n")
	var c collected
	inputs := []string{
		filepath.Join(dir, "one.txt"),
		"-",
		filepath.Join(dir, "notes.md"),
		filepath.Join(dir, "feed.json"),
		filepath.Join(dir, ".hidden.txt"),
		filepath.Join(dir, "dir.txt"),
		filepath.Join(dir, "missing.txt"),
	}
	if err := Read(inputs, stdin, c.handler()); err != nil {
		t.Fatal(err)
	}
	want := []string{"one", "s1", "notes", "j1", ".hidden", "in"}
	if !slices.Equal(c.ids(), want) {
		t.Errorf("ids = %q, want %q; errors %q", c.ids(), want, c.errStrings())
	}
	if c.arts[1].Origin != "stdin:1" {
		t.Errorf("stdin article Origin = %q, want stdin:1", c.arts[1].Origin)
	}
	wantErr := filepath.Join(dir, "missing.txt") + ": no such file or directory"
	if got := c.errStrings(); len(got) != 1 || got[0] != wantErr {
		t.Errorf("errors = %q, want [%q]", got, wantErr)
	}
}

// TestReadUnreadable covers a path that exists but cannot be read: a file
// with mode 000 (when not root, who reads it anyway) and a dangling symlink
// in a directory (which fails for root too).
func TestReadUnreadable(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"good.txt": "Good.", "locked.txt": "Locked."})
	if err := os.Symlink(filepath.Join(dir, "gone.txt"), filepath.Join(dir, "link.txt")); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	locked := filepath.Join(dir, "locked.txt")
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(locked, 0o644) })
	_, openErr := os.Open(locked)
	permDenied := openErr != nil // false when running as root

	var c collected
	if err := Read([]string{dir}, nil, c.handler()); err != nil {
		t.Fatal(err)
	}
	wantIDs := []string{"good"}
	wantErrs := []string{filepath.Join(dir, "link.txt") + ": no such file or directory"}
	if permDenied {
		wantErrs = append(wantErrs, locked+": permission denied")
	} else {
		wantIDs = append(wantIDs, "locked")
		t.Log("running with privileges that ignore mode 000; only the dangling symlink is unreadable")
	}
	slices.Sort(wantErrs)
	got := c.errStrings()
	slices.Sort(got)
	if !slices.Equal(c.ids(), wantIDs) || !slices.Equal(got, wantErrs) {
		t.Errorf("got %q and errors %q, want %q and %q", c.ids(), got, wantIDs, wantErrs)
	}
}

// repeatReader yields a prefix, n filler bytes and a suffix without ever
// holding them all.
type repeatReader struct {
	prefix, suffix string
	n              int64
	fill           byte
}

func (r *repeatReader) Read(p []byte) (int, error) {
	switch {
	case r.prefix != "":
		n := copy(p, r.prefix)
		r.prefix = r.prefix[n:]
		return n, nil
	case r.n > 0:
		k := int(min(int64(len(p)), r.n))
		for i := range k {
			p[i] = r.fill
		}
		r.n -= int64(k)
		return k, nil
	case r.suffix != "":
		n := copy(p, r.suffix)
		r.suffix = r.suffix[n:]
		return n, nil
	}
	return 0, io.EOF
}

// TestReadJSONLHugeLine feeds a 100 MB single-line JSON record: it must be
// rejected with a clear error, the next line still read, and memory must
// stay far below the size of the line.
func TestReadJSONLHugeLine(t *testing.T) {
	const size = 100 << 20
	r := &repeatReader{
		prefix: `{"id":"huge","text":"`,
		n:      size,
		fill:   'x',
		suffix: `"}` + "\n" + `{"id":"after","text":"Still read."}` + "\n",
	}
	var c collected
	var peak uint64
	h := c.handler()
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if err := ReadJSONL(r, "big.jsonl", h); err != nil {
		t.Fatal(err)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	peak = after.TotalAlloc - before.TotalAlloc
	if !slices.Equal(c.ids(), []string{"after"}) {
		t.Errorf("ids = %q, want [after]", c.ids())
	}
	if len(c.errs) != 1 || c.errs[0].Origin != "big.jsonl:1" || !strings.Contains(c.errs[0].Err.Error(), "line longer than") {
		t.Errorf("errors = %q, want one big.jsonl:1 line-too-long error", c.errStrings())
	}
	// Everything allocated while reading, not just what is live: a reader
	// that buffered the line whole would allocate well over 100 MB; one that
	// stops at MaxArticleBytes allocates a few times that while its buffer
	// grows.
	if limit := uint64(10 * MaxArticleBytes); peak > limit {
		t.Errorf("reading a %d MB line allocated %d MB, want at most %d MB", size>>20, peak>>20, limit>>20)
	}
}

// TestReadTextFileTooLarge checks that a huge text file is refused after
// reading at most MaxArticleBytes+1 of it.
func TestReadTextFileTooLarge(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "big.txt")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, &repeatReader{n: MaxArticleBytes + 10, fill: 'y'}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var c collected
	if err := Read([]string{p}, nil, c.handler()); err != nil {
		t.Fatal(err)
	}
	if len(c.arts) != 0 || len(c.errs) != 1 || c.errs[0].Origin != p || !strings.Contains(c.errs[0].Err.Error(), "larger than") {
		t.Errorf("got %q and errors %q, want one size error for %s", c.ids(), c.errStrings(), p)
	}
}
