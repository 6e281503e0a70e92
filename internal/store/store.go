// Package store keeps articles, their features, events, stories and the
// evidence of every grouping. One implementation over database/sql serves
// both the embedded SQLite default and PostgreSQL; the dialect differences
// (placeholders, types, upserts) are kept in one place.
package store

import (
	"context"
	"errors"
	"time"

	"storyline/internal/cluster"
)

// ErrNotFound is returned when an id names nothing stored.
var ErrNotFound = errors.New("not found")

// Article is an article as stored, with where it went and why.
type Article struct {
	ID         string           `json:"id"`
	Hash       string           `json:"-"`
	Title      string           `json:"title"`
	Text       string           `json:"text,omitempty"`
	Lang       string           `json:"lang"`
	Date       string           `json:"date"`
	DateSource string           `json:"date_source"`
	URL        string           `json:"url,omitempty"`
	Source     string           `json:"source,omitempty"`
	Origin     string           `json:"origin,omitempty"`
	EventID    string           `json:"event"`
	StoryID    string           `json:"story"`
	Score      float64          `json:"score"`
	Evidence   []cluster.Shared `json:"evidence,omitempty"`
	Mentions   []Mention        `json:"mentions,omitempty"`
	// Features is the article's extracted feature record, as JSON.
	Features string `json:"-"`
	// Seq orders articles by arrival.
	Seq int64 `json:"-"`
	// CopyOf is the id of the first article this one is a near-duplicate
	// of (a syndicated wire copy or re-post), "" for an original; CopySim
	// is the estimated text containment that made it a copy.
	CopyOf  string  `json:"copy_of,omitempty"`
	CopySim float64 `json:"copy_sim,omitempty"`
}

// Mention is one entity an article names, with its spelling there.
type Mention struct {
	Key     string `json:"key"`
	Surface string `json:"surface"`
	Kind    string `json:"kind"`
	Count   int    `json:"count"`
}

// Event is an event as stored.
type Event struct {
	ID            string           `json:"id"`
	StoryID       string           `json:"story"`
	Label         string           `json:"label"`
	Date          string           `json:"date"`
	MinDate       string           `json:"min_date"`
	MaxDate       string           `json:"max_date"`
	Articles      int              `json:"articles"`
	Langs         map[string]int   `json:"langs"`
	StoryScore    float64          `json:"story_score"`
	StoryEvidence []cluster.Shared `json:"story_evidence,omitempty"`
}

// Story is a story as stored.
type Story struct {
	ID       string         `json:"id"`
	Label    string         `json:"label"`
	MinDate  string         `json:"min_date"`
	MaxDate  string         `json:"max_date"`
	Events   int            `json:"events"`
	Articles int            `json:"articles"`
	Langs    map[string]int `json:"langs"`
}

// EventFilter selects events; zero fields select everything.
type EventFilter struct {
	StoryID      string
	Lang         string
	Since, Until string // YYYY-MM-DD, inclusive
	Limit        int
	Offset       int
}

// ArticleFilter selects articles.
type ArticleFilter struct {
	EventID string
	StoryID string
	IDs     []string
	Limit   int
	Offset  int
}

// Batch is everything one ingest batch changes; it is written in one
// transaction, so a killed process leaves either all of it or none.
type Batch struct {
	Articles []Article
	// Mentions are the names of each article (by id) whose keys search
	// finds it by; what is read back of them comes from the article's
	// feature record (Features), which must hold them as its names.
	Mentions map[string][]Mention
	Events   []*cluster.Event
	Labels   map[string]string // event id → label
	Links    map[string]cluster.StoryLink
	Stories  []*cluster.Story
	SLabels  map[string]string // story id → label
	// DF is what the batch added to the document frequencies; nil when
	// it added nothing (a correction, a batch of copies).
	DF *cluster.DFBatch
	// Signatures holds the near-duplicate signature (neardup.Signature,
	// binary form) of each new article, by id.
	Signatures map[string][]byte
	// Moves re-assigns stored articles (id → event id) and Correction
	// records why; both are set only by corrections.
	Moves      map[string]string
	Correction *Correction
	// Version is set by Commit: the store version the batch was written
	// as (see Syncer).
	Version int64
}

// State is what the clusterer needs to continue where the last run ended.
type State struct {
	Events  []*cluster.Event
	Stories []*cluster.Story
	// DF are the document frequencies of the latest batches, oldest first:
	// those whose articles number cluster.DFWindow (LoadState,
	// LoadRecentState) or those committed since a version (Changes).
	DF []*cluster.DFBatch
	// Version is the store version the state is at least as new as: every
	// commit raises it by one (see Syncer).
	Version int64
	// Recent are the dates of the latest dated articles (cluster.RecentDates
	// of them, oldest first), from which LoadRecentState reckoned where
	// "now" is; nil for a state read whole.
	Recent []time.Time
}

// Store is the persistence Storyline runs on.
type Store interface {
	// Hashes returns the content hash of each of ids that is stored.
	Hashes(ctx context.Context, ids []string) (map[string]string, error)
	// LoadState returns the clustering state.
	LoadState(ctx context.Context) (*State, error)
	// Commit writes a batch in one transaction.
	Commit(ctx context.Context, b *Batch) error

	Article(ctx context.Context, id string) (*Article, error)
	Articles(ctx context.Context, f ArticleFilter) ([]Article, error)
	Event(ctx context.Context, id string) (*Event, error)
	Events(ctx context.Context, f EventFilter) ([]Event, error)
	Story(ctx context.Context, id string) (*Story, error)
	Stories(ctx context.Context) ([]Story, error)
	// MentionsOf returns the mentions of the articles of an event.
	MentionsOf(ctx context.Context, eventID string) (map[string][]Mention, error)
	// Counts returns the numbers of articles, events and stories.
	Counts(ctx context.Context) (articles, events, stories int, err error)
	// Corrections returns the corrections touching an event, or all of
	// them for "", oldest first.
	Corrections(ctx context.Context, eventID string) ([]Correction, error)
	// SearchArticles returns the articles naming an entity or words.
	SearchArticles(ctx context.Context, f SearchFilter) ([]Article, error)

	Close() error
}

// RecentLoader is implemented by stores that can read the clustering
// state of the recent past only: the events whose latest date lies within
// events of the newest date (as the clusterer reckons it from the latest
// articles' dates) or that have no date, the stories within stories of it
// and those of the events read, and the document frequencies of the
// window (cluster.DFWindow). That is what the
// clusterer keeps in memory after eviction and pruning anyway, so a
// writer starting on a big store does not read all of it first.
type RecentLoader interface {
	LoadRecentState(ctx context.Context, events, stories time.Duration) (*State, error)
}

// EventLoader is implemented by stores that can read back the clustering
// state of single events: the clusterer keeps only recent events in
// memory, and a correction may name an older one.
type EventLoader interface {
	ClusterEvents(ctx context.Context, ids []string) ([]*cluster.Event, error)
}

// Syncer is implemented by stores that several processes may write at
// once. A writer holds the clustering lock from refreshing its in-memory
// state until its batch is committed, so batches are clustered one after
// another across processes exactly as in one process.
type Syncer interface {
	// LockClustering waits for the store-wide clustering lock and returns
	// the function that releases it. Stores without cross-process
	// writers return a no-op.
	LockClustering(ctx context.Context) (unlock func(), err error)
	// Version returns the store version: every commit raises it.
	Version(ctx context.Context) (int64, error)
	// Changes returns the clustering state committed after version since:
	// the events and stories that changed (with their whole current
	// values), the document frequencies of the batches committed since,
	// and the version.
	Changes(ctx context.Context, since int64) (*State, error)
}

// Day formats a date as YYYY-MM-DD, or "" for the zero time.
func Day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// ParseDay is the inverse of Day.
func ParseDay(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
