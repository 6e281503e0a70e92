package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"storyline/internal/article"
	"storyline/internal/pipeline"
	"storyline/internal/render"
)

func (s *Server) storyFilter(r *http.Request) (StoryFilter, error) {
	var f StoryFilter
	var err error
	if f.Limit, f.Offset, err = paging(r); err != nil {
		return f, err
	}
	if f.Since, err = day(r, "since"); err != nil {
		return f, err
	}
	if f.Until, err = day(r, "until"); err != nil {
		return f, err
	}
	q := r.URL.Query()
	f.Lang = q.Get("lang")
	f.Entity = q.Get("entity")
	return f, nil
}

func (s *Server) apiStories(w http.ResponseWriter, r *http.Request) {
	f, err := s.storyFilter(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	l, err := s.stories(r.Context(), f)
	if err != nil {
		s.fail(w, r, "stories", err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (s *Server) apiStory(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	t, err := render.LoadTimeline(r.Context(), s.st, id)
	if err != nil {
		s.fail(w, r, "story "+id, err)
		return
	}
	if t.Events == nil {
		t.Events = []render.TimelineEntry{}
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) apiEvent(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	v, err := s.event(r.Context(), id)
	if err != nil {
		s.fail(w, r, "event "+id, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) apiArticle(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	a, err := s.st.Article(r.Context(), id)
	if err != nil {
		s.fail(w, r, "article "+id, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func searchLimit(r *http.Request) (int, error) {
	limit, _, err := paging(r)
	if err != nil {
		return 0, err
	}
	if r.URL.Query().Get("limit") == "" {
		limit = 20
	}
	return limit, nil
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	if strings.TrimSpace(q) == "" {
		writeError(w, http.StatusBadRequest, "q is required")
		return
	}
	if len(q) > 200 {
		writeError(w, http.StatusBadRequest, "q is longer than 200 bytes")
		return
	}
	limit, err := searchLimit(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	res, err := s.search(r.Context(), q, r.URL.Query().Get("lang"), limit)
	if err != nil {
		s.fail(w, r, "search", err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) apiEntity(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	v, err := s.entity(r.Context(), key)
	if err != nil {
		s.fail(w, r, "entity "+key, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) apiCorrections(w http.ResponseWriter, r *http.Request) {
	cs, err := s.st.Corrections(r.Context(), r.URL.Query().Get("event"))
	if err != nil {
		s.fail(w, r, "corrections", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"corrections": nonNil(cs)})
}

// IngestResult is the answer to POST /api/articles.
type IngestResult struct {
	Added     int      `json:"added"`
	Unchanged int      `json:"unchanged"`
	Rejected  int      `json:"rejected"`
	NewEvents int      `json:"new_events"`
	Errors    []string `json:"errors"`
}

// readArticles reads a JSON array of articles, one JSON object, or JSON
// Lines; bad records go to reject.
func readArticles(body []byte, reject func(*article.InputError)) ([]article.Article, error) {
	trim := bytes.TrimSpace(body)
	if len(trim) == 0 {
		return nil, errors.New("empty body")
	}
	if json.Valid(trim) && (trim[0] == '[' || trim[0] == '{') {
		// A whole-body JSON value: one object, or an array of them, each
		// made one line of JSON Lines.
		var items []json.RawMessage
		if trim[0] == '[' {
			if err := json.Unmarshal(trim, &items); err != nil {
				return nil, fmt.Errorf("body is not a JSON array of articles: %v", err)
			}
		} else {
			items = []json.RawMessage{trim}
		}
		var b bytes.Buffer
		for _, it := range items {
			if err := json.Compact(&b, it); err != nil {
				return nil, err
			}
			b.WriteByte('\n')
		}
		trim = b.Bytes()
	}
	var all []article.Article
	err := article.ReadJSONL(bytes.NewReader(trim), "body", article.Handler{
		OnArticle: func(a article.Article) error { all = append(all, a); return nil },
		OnError:   reject,
	})
	return all, err
}

func (s *Server) apiIngest(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > MaxBody {
		// Refuse at once, without reading what the client declared too big.
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes; send at most %d MB a request", MaxBody, MaxBody>>20))
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes; send at most %d MB a request", MaxBody, MaxBody>>20))
			return
		}
		writeError(w, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	res := IngestResult{Errors: []string{}}
	reject := func(e *article.InputError) {
		res.Rejected++
		res.Errors = append(res.Errors, e.Error())
	}
	arts, err := readArticles(body, reject)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if len(arts) == 0 {
		writeJSON(w, http.StatusBadRequest, res)
		return
	}
	p, err := s.pipeline(r.Context())
	if err != nil {
		s.fail(w, r, "pipeline", err)
		return
	}
	pr, err := p.Ingest(r.Context(), arts, reject)
	if err != nil {
		s.fail(w, r, "ingest", err)
		return
	}
	res.Added, res.Unchanged, res.NewEvents = pr.Added, pr.Unchanged, pr.NewEvents
	writeJSON(w, http.StatusOK, res)
}

// SplitRequest is the body of POST /api/events/{id}/split.
type SplitRequest struct {
	Articles []string `json:"articles"`
	Note     string   `json:"note,omitempty"`
}

// MergeRequest is the body of POST /api/events/merge.
type MergeRequest struct {
	Events []string `json:"events"`
	Note   string   `json:"note,omitempty"`
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "bad JSON body: "+err.Error())
		return false
	}
	return true
}

func (s *Server) correctionDone(w http.ResponseWriter, r *http.Request, c any, err error) {
	switch {
	case errors.Is(err, pipeline.ErrCorrection):
		writeError(w, http.StatusBadRequest, err.Error())
	case err != nil:
		s.fail(w, r, "event", err)
	default:
		writeJSON(w, http.StatusOK, c)
	}
}

func (s *Server) apiSplit(w http.ResponseWriter, r *http.Request) {
	var req SplitRequest
	if !decodeBody(w, r, &req) {
		return
	}
	p, err := s.pipeline(r.Context())
	if err != nil {
		s.fail(w, r, "pipeline", err)
		return
	}
	c, err := p.Split(r.Context(), r.PathValue("id"), req.Articles, clipNote(req.Note))
	s.correctionDone(w, r, c, err)
}

func (s *Server) apiMerge(w http.ResponseWriter, r *http.Request) {
	var req MergeRequest
	if !decodeBody(w, r, &req) {
		return
	}
	p, err := s.pipeline(r.Context())
	if err != nil {
		s.fail(w, r, "pipeline", err)
		return
	}
	c, err := p.Merge(r.Context(), req.Events, clipNote(req.Note))
	s.correctionDone(w, r, c, err)
}

func clipNote(s string) string { return render.Clip(strings.TrimSpace(s), 500) }
