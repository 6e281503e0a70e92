// Package server is Storyline's HTTP JSON API and web UI: stories, their
// timelines drawn as SVG, events with their articles in every language
// and the evidence of every grouping, search across scripts, ingestion and
// corrections. Every asset is embedded in the binary.
package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"storyline/internal/cluster"
	"storyline/internal/pipeline"
	"storyline/internal/store"
)

//go:embed assets templates
var content embed.FS

// MaxBody bounds the size of a request body (ingest and corrections).
const MaxBody = 32 << 20

// Paging limits.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Options configure a Server.
type Options struct {
	// Token is the bearer token writes need; with none, writes are refused.
	Token string
	// Weights are the clustering weights ingests use; nil means
	// cluster.DefaultWeights.
	Weights *cluster.Weights
	// Log receives request errors; nil logs to the standard logger.
	Log *log.Logger
}

// Server serves the API and the UI over one store.
type Server struct {
	st    store.Store
	opt   Options
	mux   *http.ServeMux
	pages map[string]*template.Template
	log   *log.Logger

	pmu sync.Mutex
	p   *pipeline.Pipeline // opened at the first write
}

// New returns a server over st.
func New(st store.Store, opt Options) (*Server, error) {
	if opt.Weights == nil {
		w := cluster.DefaultWeights()
		opt.Weights = &w
	}
	s := &Server{st: st, opt: opt, mux: http.NewServeMux(), log: opt.Log}
	if s.log == nil {
		s.log = log.Default()
	}
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /healthz", s.healthz)

	m.HandleFunc("GET /api/stories", s.apiStories)
	m.HandleFunc("GET /api/stories/{id}", s.apiStory)
	m.HandleFunc("GET /api/events/{id}", s.apiEvent)
	m.HandleFunc("GET /api/articles/{id}", s.apiArticle)
	m.HandleFunc("GET /api/search", s.apiSearch)
	m.HandleFunc("GET /api/entities/{key}", s.apiEntity)
	m.HandleFunc("GET /api/corrections", s.apiCorrections)
	m.HandleFunc("POST /api/articles", s.auth(s.apiIngest))
	m.HandleFunc("POST /api/events/{id}/split", s.auth(s.apiSplit))
	m.HandleFunc("POST /api/events/merge", s.auth(s.apiMerge))
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	})

	m.HandleFunc("GET /{$}", s.pageStories)
	m.HandleFunc("GET /stories/{id}", s.pageStory) // also {id}.atom
	m.HandleFunc("GET /events/{id}", s.pageEvent)
	m.HandleFunc("GET /articles/{id}", s.pageArticle)
	m.HandleFunc("GET /search", s.pageSearch)
	m.HandleFunc("GET /entities/{key}", s.pageEntity)
	assets, _ := fs.Sub(content, "assets")
	m.Handle("GET /assets/", http.StripPrefix("/assets/", cacheFor(http.FileServerFS(assets))))
}

func cacheFor(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// ServeHTTP implements http.Handler, adding security headers to every
// response.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
	s.mux.ServeHTTP(w, r)
}

// WritesEnabled reports whether a token is configured.
func (s *Server) WritesEnabled() bool { return s.opt.Token != "" }

// auth guards a write: it needs the configured bearer token, compared in
// constant time; with no token configured every write is refused.
func (s *Server) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.opt.Token == "" {
			writeError(w, http.StatusForbidden, "writes are disabled: the server has no token (start it with --token or STORYLINE_TOKEN)")
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !tokenEqual(strings.TrimSpace(got), s.opt.Token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="storyline"`)
			writeError(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		next(w, r)
	}
}

// tokenEqual compares in time independent of where the tokens differ and
// of their lengths (both are hashed first).
func tokenEqual(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// pipeline returns the ingest pipeline, loading the clustering state the
// first time.
func (s *Server) pipeline(ctx context.Context) (*pipeline.Pipeline, error) {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	if s.p == nil {
		p, err := pipeline.Open(ctx, s.st, *s.opt.Weights)
		if err != nil {
			return nil, err
		}
		s.p = p
	}
	return s.p, nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	a, e, st, err := s.st.Counts(ctx)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "store unavailable")
		s.log.Printf("healthz: %v", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "articles": a, "events": e, "stories": st})
}

// apiError is the body of every error response.
type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{msg})
}

// fail answers a store error: 404 for unknown ids, 500 otherwise (logged,
// not shown).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no "+what)
		return
	}
	if errors.Is(err, context.Canceled) {
		return
	}
	s.log.Printf("%s %s: %v", r.Method, r.URL.Path, err)
	writeError(w, http.StatusInternalServerError, "internal error")
}

// paging reads limit and offset; it reports a usage error for bad values.
func paging(r *http.Request) (limit, offset int, err error) {
	limit, offset = DefaultLimit, 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, e := strconv.Atoi(v)
		if e != nil || n < 1 || n > MaxLimit {
			return 0, 0, fmt.Errorf("limit must be an integer from 1 to %d, not %q", MaxLimit, v)
		}
		limit = n
	}
	if v := r.URL.Query().Get("offset"); v != "" {
		n, e := strconv.Atoi(v)
		if e != nil || n < 0 {
			return 0, 0, fmt.Errorf("offset must be a non-negative integer, not %q", v)
		}
		offset = n
	}
	return limit, offset, nil
}

// day checks an optional YYYY-MM-DD query parameter.
func day(r *http.Request, name string) (string, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return "", nil
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		return "", fmt.Errorf("%s must be a date YYYY-MM-DD, not %q", name, v)
	}
	return v, nil
}
