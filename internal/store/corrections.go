package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Correction is a grouping a person changed: a split (named articles moved
// out of an event into a new one) or a merge (events folded into the
// first). Corrections are stored, shown, and respected by later ingests.
type Correction struct {
	ID       int64    `json:"id"`
	Kind     string   `json:"kind"`                // "split" or "merge"
	EventID  string   `json:"event"`               // split: the event split; merge: the event kept
	NewEvent string   `json:"new_event,omitempty"` // split: the event created
	Articles []string `json:"articles,omitempty"`  // split: the articles moved
	Events   []string `json:"events,omitempty"`    // merge: the events folded in
	Note     string   `json:"note,omitempty"`
	At       string   `json:"at"` // RFC 3339
}

// Correction kinds.
const (
	CorrectionSplit = "split"
	CorrectionMerge = "merge"
)

// SearchFilter selects articles by the entities they name (mention keys:
// NameKeys or canonical ids such as "country:RU") or by words in their title
// or text; an article matching any key or all words is selected.
type SearchFilter struct {
	Keys  []string
	Words []string
	Lang  string
	Limit int
}

// correctionVersionBase numbers the corrections migrations apart from the
// main list, so the two lists can grow independently.
const correctionVersionBase = 1000

// migrationsCorrections are applied after migrations and recorded as
// versions correctionVersionBase+1, +2, …; never edited once shipped.
var migrationsCorrections = []string{
	// 1001: corrections.
	`CREATE TABLE corrections (
		id {{bigint}} PRIMARY KEY,
		kind TEXT NOT NULL,
		event_id TEXT NOT NULL,
		new_event TEXT NOT NULL DEFAULT '',
		articles TEXT NOT NULL DEFAULT '[]',
		events TEXT NOT NULL DEFAULT '[]',
		note TEXT NOT NULL DEFAULT '',
		at TEXT NOT NULL
	);
	CREATE INDEX corrections_event ON corrections(event_id);
	CREATE INDEX corrections_new_event ON corrections(new_event)`,
}

// migrateCorrections applies the corrections migrations not yet applied.
func (s *SQL) migrateCorrections(ctx context.Context) error {
	for i, m := range migrationsCorrections {
		if err := s.applyMigration(ctx, correctionVersionBase+1+i, m); err != nil {
			return err
		}
	}
	return nil
}

// commitCorrection writes the article moves and the correction record of
// a batch, inside the batch's transaction.
func (s *SQL) commitCorrection(ctx context.Context, tx *sql.Tx, b *Batch) error {
	if len(b.Moves) > 0 {
		ids := make([]string, 0, len(b.Moves))
		for id := range b.Moves {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		mv, err := tx.PrepareContext(ctx, s.q(`UPDATE articles SET event_id = ? WHERE id = ?`))
		if err != nil {
			return err
		}
		defer mv.Close()
		for _, id := range ids {
			if _, err := mv.ExecContext(ctx, b.Moves[id], id); err != nil {
				return fmt.Errorf("move article %s: %w", id, err)
			}
		}
	}
	c := b.Correction
	if c == nil {
		return nil
	}
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM corrections`).Scan(&c.ID); err != nil {
		return err
	}
	if c.At == "" {
		c.At = time.Now().UTC().Format(time.RFC3339)
	}
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO corrections (id, kind, event_id, new_event, articles, events, note, at) VALUES (?,?,?,?,?,?,?,?)`),
		c.ID, c.Kind, c.EventID, c.NewEvent, jsonString(nonNil(c.Articles)), jsonString(nonNil(c.Events)), c.Note, c.At)
	return err
}

// Corrections implements Store.
func (s *SQL) Corrections(ctx context.Context, eventID string) ([]Correction, error) {
	q := `SELECT id, kind, event_id, new_event, articles, events, note, at FROM corrections`
	var args []any
	if eventID != "" {
		q += ` WHERE event_id = ? OR new_event = ? OR events LIKE ?`
		args = append(args, eventID, eventID, "%"+jsonString(eventID)+"%")
	}
	rows, err := s.db.QueryContext(ctx, s.q(q+` ORDER BY id`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Correction
	for rows.Next() {
		var c Correction
		var arts, evs string
		if err := rows.Scan(&c.ID, &c.Kind, &c.EventID, &c.NewEvent, &arts, &evs, &c.Note, &c.At); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(arts), &c.Articles); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(evs), &c.Events); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SearchArticles implements Store. Articles come newest first; each
// carries, in Mentions, the mentions that matched a key.
func (s *SQL) SearchArticles(ctx context.Context, f SearchFilter) ([]Article, error) {
	var or []string
	var args []any
	if len(f.Keys) > 0 {
		or = append(or, `a.id IN (SELECT article_id FROM mention_keys WHERE key IN (`+placeholders(len(f.Keys))+`))`)
		for _, k := range f.Keys {
			args = append(args, k)
		}
	}
	if len(f.Words) > 0 {
		var and []string
		for _, w := range f.Words {
			and = append(and, `(LOWER(a.title) LIKE ? OR LOWER(a.body) LIKE ?)`)
			p := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(w)) + "%"
			args = append(args, p, p)
		}
		or = append(or, "("+strings.ReplaceAll(strings.Join(and, " AND "), "LIKE ?", `LIKE ? ESCAPE '\'`)+")")
	}
	if len(or) == 0 {
		return nil, nil
	}
	where := "(" + strings.Join(or, " OR ") + ")"
	if f.Lang != "" {
		where += " AND a.lang = ?"
		args = append(args, f.Lang)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT ` + articleCols + ` FROM articles a LEFT JOIN events e ON e.id = a.event_id WHERE ` + where +
		` ORDER BY a.date DESC, a.seq DESC` + limitClause(limit, 0, &args)
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, err
	}
	var out []Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 || len(f.Keys) == 0 {
		return out, nil
	}
	ids := make([]any, 0, len(out))
	for _, a := range out {
		ids = append(ids, a.ID)
	}
	men, err := s.mentions(ctx, `id IN (`+placeholders(len(ids))+`)`, f.Keys, ids...)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Mentions = men[out[i].ID]
	}
	return out, nil
}
