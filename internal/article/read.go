package article

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxArticleBytes bounds one article (a text file or one JSON line). A larger
// record is rejected with an error instead of being read into memory whole.
const MaxArticleBytes = 4 << 20

// InputError reports a record that could not be read. Origin names the input
// ("dir/a.txt", "feed.jsonl:12") so a user can find and fix it.
type InputError struct {
	Origin string
	Err    error
}

func (e *InputError) Error() string { return e.Origin + ": " + e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Handler receives what a reader finds, in input order: either an article or
// an error about one record. Returning a non-nil error from OnArticle stops
// the walk (used for cancellation), bad records never stop it.
type Handler struct {
	OnArticle func(Article) error
	OnError   func(*InputError)
}

// Read reads every input: a directory (walked recursively for *.txt and
// *.jsonl files), a file (*.jsonl, *.ndjson and *.json as JSON Lines, anything
// else as a plain-text article), or "-" for JSON Lines on stdin.
func Read(inputs []string, stdin io.Reader, h Handler) error {
	for _, in := range inputs {
		if err := readInput(in, stdin, h); err != nil {
			return err
		}
	}
	return nil
}

func readInput(in string, stdin io.Reader, h Handler) error {
	if in == "-" {
		return ReadJSONL(stdin, "stdin", h)
	}
	info, err := os.Stat(in)
	if err != nil {
		h.OnError(&InputError{Origin: in, Err: unwrapPathError(err)})
		return nil
	}
	if !info.IsDir() {
		return readFile(in, h)
	}
	var files []string
	walkErr := filepath.WalkDir(in, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			h.OnError(&InputError{Origin: p, Err: unwrapPathError(err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if p != in && strings.HasPrefix(d.Name(), ".") {
			// Hidden entries (.git, editor swap files, macOS "._x.txt"
			// resource forks) are not articles.
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".txt", ".jsonl", ".ndjson":
			files = append(files, p)
		}
		return nil
	})
	if walkErr != nil {
		return walkErr
	}
	sort.Strings(files)
	for _, f := range files {
		if err := readFile(f, h); err != nil {
			return err
		}
	}
	return nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func readFile(path string, h Handler) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".ndjson", ".json":
		f, err := os.Open(path)
		if err != nil {
			h.OnError(&InputError{Origin: path, Err: unwrapPathError(err)})
			return nil
		}
		defer f.Close()
		return ReadJSONL(f, path, h)
	}
	f, err := os.Open(path)
	if err != nil {
		h.OnError(&InputError{Origin: path, Err: unwrapPathError(err)})
		return nil
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxArticleBytes+1))
	if err != nil {
		h.OnError(&InputError{Origin: path, Err: unwrapPathError(err)})
		return nil
	}
	id := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	a, err := ParseText(id, data)
	if err != nil {
		h.OnError(&InputError{Origin: path, Err: err})
		return nil
	}
	a.Origin = path
	return h.OnArticle(a)
}

// ParseText parses a plain-text article: an optional "date YYYY-MM-DD" header
// at the very start (leading white space allowed, the body may follow on the
// same line), then the body.
func ParseText(id string, data []byte) (Article, error) {
	if len(data) > MaxArticleBytes {
		return Article{}, fmt.Errorf("article larger than %d MB", MaxArticleBytes>>20)
	}
	if err := checkText(data); err != nil {
		return Article{}, err
	}
	if err := checkID(id); err != nil {
		return Article{}, fmt.Errorf("file name is not a usable article id: %v", err)
	}
	a := Article{ID: id}
	body := strings.TrimPrefix(string(data), "\ufeff")
	rest := strings.TrimLeft(body, " \t\r\n")
	if after, ok := cutHeaderWord(rest); ok {
		field, tail := cutField(after)
		d, err := ParseDate(field)
		if err != nil {
			return Article{}, fmt.Errorf("line 1: malformed date header %q: %v", truncate(field, 40), err)
		}
		a.Date, a.DateSource = d, DateHeader
		body = tail
	}
	a.Text = strings.TrimSpace(body)
	if a.Text == "" {
		return Article{}, errors.New("no article text")
	}
	return a, nil
}

// cutHeaderWord reports whether s opens with the header keyword "date"
// followed by something that is meant to be a date (a digit), so that a body
// that merely starts with the word "date" is not mistaken for a header.
func cutHeaderWord(s string) (string, bool) {
	if len(s) < 6 || !strings.EqualFold(s[:4], "date") || (s[4] != ' ' && s[4] != '\t') {
		return "", false
	}
	after := strings.TrimLeft(s[4:], " \t")
	if after == "" || after[0] < '0' || after[0] > '9' {
		return "", false
	}
	return after, true
}

// cutField splits off the first white-space separated field.
func cutField(s string) (field, rest string) {
	i := strings.IndexAny(s, " \t\r\n")
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// checkText rejects input that is not text: empty, binary or broken UTF-8.
func checkText(data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("empty file")
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return errors.New("binary file (contains NUL bytes), not text")
	}
	if !utf8.Valid(data) {
		return fmt.Errorf("invalid UTF-8 at byte %d", firstInvalid(data))
	}
	return nil
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// ParseDate accepts YYYY-MM-DD or RFC 3339 and returns the civil date at UTC
// midnight (an RFC 3339 time keeps its own calendar day).
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	}
	return time.Time{}, errors.New("want YYYY-MM-DD or RFC 3339")
}

// jsonRecord is one JSON Lines record; pointers tell absent from empty.
type jsonRecord struct {
	ID     *string `json:"id"`
	Text   *string `json:"text"`
	Title  string  `json:"title"`
	Lang   string  `json:"lang"`
	Date   string  `json:"date"`
	URL    string  `json:"url"`
	Source string  `json:"source"`
}

// ReadJSONL reads JSON Lines, one article per line. name is used in errors.
// A bad line is reported and skipped; a line longer than MaxArticleBytes is
// skipped without being held in memory.
func ReadJSONL(r io.Reader, name string, h Handler) error {
	br := bufio.NewReaderSize(r, 64<<10)
	empty := true
	for lineNo := 1; ; lineNo++ {
		line, tooLong, err := readLine(br, MaxArticleBytes)
		if err != nil && err != io.EOF {
			h.OnError(&InputError{Origin: fmt.Sprintf("%s:%d", name, lineNo), Err: unwrapPathError(err)})
			return nil
		}
		atEOF := err == io.EOF
		if atEOF && len(line) == 0 && !tooLong {
			break
		}
		if !atEOF {
			// bufio.Reader.ReadLine returns the last line without io.EOF;
			// peek so that a record cut off by the end of input is told
			// apart from one that is merely incomplete.
			if _, perr := br.Peek(1); perr == io.EOF {
				atEOF = true
			}
		}
		if lineNo == 1 {
			line = bytes.TrimPrefix(line, []byte("\ufeff"))
		}
		origin := fmt.Sprintf("%s:%d", name, lineNo)
		switch {
		case tooLong:
			empty = false
			h.OnError(&InputError{Origin: origin, Err: fmt.Errorf("line longer than %d MB, skipped", MaxArticleBytes>>20)})
		case len(bytes.TrimSpace(line)) == 0:
		default:
			empty = false
			a, perr := parseJSONLine(line, atEOF)
			if perr != nil {
				h.OnError(&InputError{Origin: origin, Err: perr})
			} else {
				a.Origin = origin
				if err := h.OnArticle(a); err != nil {
					return err
				}
			}
		}
		if atEOF {
			break
		}
	}
	if empty {
		h.OnError(&InputError{Origin: name, Err: errors.New("empty input, no JSON lines")})
	}
	return nil
}

// readLine reads one line without its newline. Past max bytes it discards
// the rest of the line and reports tooLong.
func readLine(br *bufio.Reader, max int) (line []byte, tooLong bool, err error) {
	for {
		chunk, isPrefix, e := br.ReadLine()
		if e != nil {
			return line, tooLong, e
		}
		if !tooLong {
			if len(line)+len(chunk) > max {
				tooLong, line = true, nil
			} else {
				line = append(line, chunk...)
			}
		}
		if !isPrefix {
			return line, tooLong, nil
		}
	}
}

func parseJSONLine(line []byte, last bool) (Article, error) {
	if bytes.IndexByte(line, 0) >= 0 {
		return Article{}, errors.New("binary data (NUL bytes), not JSON text")
	}
	if !utf8.Valid(line) {
		return Article{}, fmt.Errorf("invalid UTF-8 at byte %d", firstInvalid(line))
	}
	var rec jsonRecord
	if err := json.Unmarshal(line, &rec); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) && strings.Contains(err.Error(), "unexpected end") {
			if last {
				return Article{}, errors.New("truncated JSON line (input ends mid-record)")
			}
			return Article{}, errors.New("incomplete JSON object")
		}
		return Article{}, fmt.Errorf("bad JSON: %v", err)
	}
	switch {
	case rec.ID == nil || strings.TrimSpace(*rec.ID) == "":
		return Article{}, errors.New(`missing "id"`)
	case rec.Text == nil || strings.TrimSpace(*rec.Text) == "":
		return Article{}, fmt.Errorf(`record %q: missing "text"`, *rec.ID)
	}
	a := Article{
		ID:     strings.TrimSpace(*rec.ID),
		Text:   strings.TrimSpace(*rec.Text),
		Title:  strings.TrimSpace(rec.Title),
		Lang:   strings.ToLower(strings.TrimSpace(rec.Lang)),
		URL:    rec.URL,
		Source: rec.Source,
	}
	if err := checkID(a.ID); err != nil {
		return Article{}, fmt.Errorf("record %q: %v", truncate(a.ID, 40), err)
	}
	if rec.Date != "" {
		d, err := ParseDate(rec.Date)
		if err != nil {
			return Article{}, fmt.Errorf("record %q: malformed date %q: %v", a.ID, truncate(rec.Date, 40), err)
		}
		a.Date, a.DateSource = d, DateHeader
	}
	return a, nil
}

// checkID rejects ids that cannot be shown or stored as one short line of text.
func checkID(id string) error {
	switch {
	case strings.TrimSpace(id) == "":
		return errors.New("empty id")
	case !utf8.ValidString(id):
		return errors.New("id is not valid UTF-8")
	case strings.ContainsFunc(id, unicode.IsControl) || len(id) > 200:
		return errors.New("id must be one short line")
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
