// Package article defines the Article, the unit Storyline reads, and the
// readers that turn files, directories and JSON Lines streams into articles.
package article

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Date sources say where an article's date came from.
const (
	DateHeader   = "header"   // given with the article (header line, JSON field, feed metadata)
	DateText     = "text"     // resolved from a date written in the article text
	DateInferred = "inferred" // taken from the event the article joined
	DateUnknown  = "unknown"  // no evidence at all
)

// Article is one news article as Storyline reads it.
//
// Only ID and Text are required. Date is a civil date at UTC midnight; the
// zero time means the date is unknown.
type Article struct {
	ID         string    `json:"id"`
	Title      string    `json:"title,omitempty"`
	Text       string    `json:"text"`
	Lang       string    `json:"lang,omitempty"` // ISO 639-1, given or detected
	Date       time.Time `json:"-"`
	DateSource string    `json:"date_source,omitempty"`
	URL        string    `json:"url,omitempty"`
	Source     string    `json:"source,omitempty"`

	// Origin names where the article was read from ("dir/a.txt",
	// "feed.jsonl:12"), for error messages and provenance.
	Origin string `json:"-"`
}

// ContentHash identifies an article's content: the same id with a different
// hash is a conflicting duplicate, the same id with the same hash is a re-run.
func (a *Article) ContentHash() string {
	h := sha256.New()
	h.Write([]byte(a.Title))
	h.Write([]byte{0})
	h.Write([]byte(a.Text))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// DateString formats the date as YYYY-MM-DD, or "" when unknown.
func (a *Article) DateString() string {
	if a.Date.IsZero() {
		return ""
	}
	return a.Date.Format(time.DateOnly)
}
