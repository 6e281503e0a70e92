package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"
)

// blobType is the column type for binary values.
func (d dialect) blobType() string {
	if d.name == "postgres" {
		return "BYTEA"
	}
	return "BLOB"
}

// withoutRowid is the clause that makes a SQLite table its primary key's
// index alone (PostgreSQL has no such clause).
func (d dialect) withoutRowid() string {
	if d.name == "postgres" {
		return ""
	}
	return " WITHOUT ROWID"
}

// Signature is the stored near-duplicate signature of one article.
type Signature struct {
	ArticleID string
	// CopyOf is the article's copy mark ("" for an original).
	CopyOf string
	// Sig is the binary form of a neardup.Signature.
	Sig []byte
}

// CopyStore is implemented by stores that keep near-duplicate signatures.
// It is separate from Store so other implementations stay valid.
type CopyStore interface {
	// Signatures returns the signatures of the most recently stored
	// articles, at most limit of them (all when limit ≤ 0), oldest first.
	Signatures(ctx context.Context, limit int) ([]Signature, error)
}

// FeedState is what a watcher remembers about one feed between runs: its
// HTTP cache validators and its failure backoff.
type FeedState struct {
	URL          string
	ETag         string
	LastModified string
	Failures     int       // consecutive failures; 0 when healthy
	NextTry      time.Time // not before; zero when due
	LastError    string
}

// FeedStore is implemented by stores that keep the state of watched feeds.
type FeedStore interface {
	// FeedStates returns the state of every feed ever saved.
	FeedStates(ctx context.Context) ([]FeedState, error)
	// SaveFeedState stores the state of one feed, replacing the old one.
	SaveFeedState(ctx context.Context, f FeedState) error
}

var (
	_ CopyStore = (*SQL)(nil)
	_ FeedStore = (*SQL)(nil)
)

// commitSignatures writes a batch's signatures inside its transaction.
func (s *SQL) commitSignatures(ctx context.Context, tx *sql.Tx, sigs map[string][]byte) error {
	if len(sigs) == 0 {
		return nil
	}
	q := s.d.insertIgnore(`signatures (article_id, sig)`)
	ins, err := tx.PrepareContext(ctx, s.q(q.head+`(?, ?)`+q.tail))
	if err != nil {
		return err
	}
	defer ins.Close()
	ids := make([]string, 0, len(sigs))
	for id := range sigs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if _, err := ins.ExecContext(ctx, id, sigs[id]); err != nil {
			return fmt.Errorf("store signature of %s: %w", id, err)
		}
	}
	return nil
}

// Signatures implements CopyStore.
func (s *SQL) Signatures(ctx context.Context, limit int) ([]Signature, error) {
	q := `SELECT g.article_id, a.copy_of, g.sig FROM signatures g JOIN articles a ON a.id = g.article_id ORDER BY a.seq DESC`
	var args []any
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Signature
	for rows.Next() {
		var g Signature
		if err := rows.Scan(&g.ArticleID, &g.CopyOf, &g.Sig); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// FeedStates implements FeedStore.
func (s *SQL) FeedStates(ctx context.Context) ([]FeedState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT url, etag, last_modified, failures, next_try, last_error FROM feeds ORDER BY url`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []FeedState
	for rows.Next() {
		var f FeedState
		var next string
		if err := rows.Scan(&f.URL, &f.ETag, &f.LastModified, &f.Failures, &next, &f.LastError); err != nil {
			return nil, err
		}
		if next != "" {
			t, err := time.Parse(time.RFC3339Nano, next)
			if err != nil {
				return nil, fmt.Errorf("feed %s: next_try: %w", f.URL, err)
			}
			f.NextTry = t
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// SaveFeedState implements FeedStore.
func (s *SQL) SaveFeedState(ctx context.Context, f FeedState) error {
	if f.URL == "" {
		return errors.New("save feed state: empty URL")
	}
	next := ""
	if !f.NextTry.IsZero() {
		next = f.NextTry.UTC().Format(time.RFC3339Nano)
	}
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO feeds (url, etag, last_modified, failures, next_try, last_error, updated_at)
		VALUES (?,?,?,?,?,?,?)
		ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, failures = excluded.failures,
		next_try = excluded.next_try, last_error = excluded.last_error, updated_at = excluded.updated_at`),
		f.URL, f.ETag, f.LastModified, f.Failures, next, f.LastError, time.Now().UTC().Format(time.RFC3339))
	if err != nil {
		return fmt.Errorf("save feed state %s: %w", f.URL, err)
	}
	return nil
}
