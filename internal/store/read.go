package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

const articleCols = `a.id, a.hash, a.title, a.body, a.lang, a.date, a.date_source, a.url, a.source, a.origin, a.event_id,
	COALESCE(e.story_id, ''), a.score, a.evidence, a.features, a.seq, a.copy_of, a.copy_sim`

func scanArticle(sc interface{ Scan(...any) error }) (Article, error) {
	var a Article
	var ev string
	err := sc.Scan(&a.ID, &a.Hash, &a.Title, &a.Text, &a.Lang, &a.Date, &a.DateSource, &a.URL, &a.Source, &a.Origin,
		&a.EventID, &a.StoryID, &a.Score, &ev, &a.Features, &a.Seq, &a.CopyOf, &a.CopySim)
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal([]byte(ev), &a.Evidence); err != nil {
		return a, err
	}
	return a, nil
}

// Article implements Store.
func (s *SQL) Article(ctx context.Context, id string) (*Article, error) {
	row := s.db.QueryRowContext(ctx, s.q(`SELECT `+articleCols+` FROM articles a LEFT JOIN events e ON e.id = a.event_id WHERE a.id = ?`), id)
	a, err := scanArticle(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	men, err := s.mentions(ctx, `id = ?`, nil, id)
	if err != nil {
		return nil, err
	}
	a.Mentions = men[id]
	return &a, nil
}

// Articles implements Store. Articles come in arrival order.
func (s *SQL) Articles(ctx context.Context, f ArticleFilter) ([]Article, error) {
	var where []string
	var args []any
	if f.EventID != "" {
		where = append(where, "a.event_id = ?")
		args = append(args, f.EventID)
	}
	if f.StoryID != "" {
		where = append(where, "e.story_id = ?")
		args = append(args, f.StoryID)
	}
	if len(f.IDs) > 0 {
		where = append(where, "a.id IN ("+placeholders(len(f.IDs))+")")
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	q := `SELECT ` + articleCols + ` FROM articles a LEFT JOIN events e ON e.id = a.event_id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY a.seq" + limitClause(f.Limit, f.Offset, &args)
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func limitClause(limit, offset int, args *[]any) string {
	if limit <= 0 {
		return ""
	}
	*args = append(*args, limit, max(offset, 0))
	return " LIMIT ? OFFSET ?"
}

// mentions reads the mentions of the articles a WHERE clause on articles
// selects, from their feature records, each article's by count (highest
// first), then key; with keys given, only the mentions of those keys.
func (s *SQL) mentions(ctx context.Context, where string, keys []string, args ...any) (map[string][]Mention, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, features FROM articles WHERE `+where), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]Mention{}
	for rows.Next() {
		var id, features string
		if err := rows.Scan(&id, &features); err != nil {
			return nil, err
		}
		ms, err := recordMentions(features, keys)
		if err != nil {
			return nil, fmt.Errorf("article %s: feature record: %w", id, err)
		}
		if len(ms) > 0 {
			out[id] = ms
		}
	}
	return out, rows.Err()
}

// recordMentions returns the names of a stored feature record (the JSON
// of features.Record) as mentions, by count (highest first), then key;
// with keys given, only those of the keys.
func recordMentions(features string, keys []string) ([]Mention, error) {
	var rec struct {
		Names []Mention `json:"names"`
	}
	if err := json.Unmarshal([]byte(features), &rec); err != nil {
		return nil, err
	}
	ms := rec.Names
	if len(keys) > 0 {
		ms = slices.DeleteFunc(ms, func(m Mention) bool { return !slices.Contains(keys, m.Key) })
	}
	slices.SortStableFunc(ms, func(a, b Mention) int {
		if a.Count != b.Count {
			return cmp.Compare(b.Count, a.Count)
		}
		return strings.Compare(a.Key, b.Key)
	})
	return ms, nil
}

// MentionsOf implements Store.
func (s *SQL) MentionsOf(ctx context.Context, eventID string) (map[string][]Mention, error) {
	return s.mentions(ctx, `event_id = ?`, nil, eventID)
}

const eventCols = `id, story_id, label, date, min_date, max_date, n, langs, story_score, story_evidence`

func scanEvent(sc interface{ Scan(...any) error }) (Event, error) {
	var e Event
	var langs, ev string
	if err := sc.Scan(&e.ID, &e.StoryID, &e.Label, &e.Date, &e.MinDate, &e.MaxDate, &e.Articles, &langs, &e.StoryScore, &ev); err != nil {
		return e, err
	}
	if err := json.Unmarshal([]byte(langs), &e.Langs); err != nil {
		return e, err
	}
	if err := json.Unmarshal([]byte(ev), &e.StoryEvidence); err != nil {
		return e, err
	}
	return e, nil
}

// Event implements Store.
func (s *SQL) Event(ctx context.Context, id string) (*Event, error) {
	e, err := scanEvent(s.db.QueryRowContext(ctx, s.q(`SELECT `+eventCols+` FROM events WHERE id = ? AND n > 0`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// Events implements Store. Events come in date order, undated last.
func (s *SQL) Events(ctx context.Context, f EventFilter) ([]Event, error) {
	where := []string{"n > 0"}
	var args []any
	if f.StoryID != "" {
		where = append(where, "story_id = ?")
		args = append(args, f.StoryID)
	}
	if f.Lang != "" {
		where = append(where, "id IN (SELECT event_id FROM articles WHERE lang = ?)")
		args = append(args, f.Lang)
	}
	if f.Since != "" {
		where = append(where, "date >= ?")
		args = append(args, f.Since)
	}
	if f.Until != "" {
		where = append(where, "date <> '' AND date <= ?")
		args = append(args, f.Until)
	}
	q := `SELECT ` + eventCols + ` FROM events WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY CASE WHEN date = '' THEN 1 ELSE 0 END, date, id` + limitClause(f.Limit, f.Offset, &args)
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Story implements Store.
func (s *SQL) Story(ctx context.Context, id string) (*Story, error) {
	all, err := s.stories(ctx, `WHERE s.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, ErrNotFound
	}
	return &all[0], nil
}

// Stories implements Store. Stories come with the latest first.
func (s *SQL) Stories(ctx context.Context) ([]Story, error) {
	return s.stories(ctx, "")
}

func (s *SQL) stories(ctx context.Context, where string, args ...any) ([]Story, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT s.id, s.label, s.min_date, s.max_date, e.langs, e.n
		FROM stories s JOIN events e ON e.story_id = s.id AND e.n > 0 `+where+` ORDER BY s.id`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := map[string]*Story{}
	var order []string
	for rows.Next() {
		var st Story
		var langs string
		var n int
		if err := rows.Scan(&st.ID, &st.Label, &st.MinDate, &st.MaxDate, &langs, &n); err != nil {
			return nil, err
		}
		cur := byID[st.ID]
		if cur == nil {
			st.Langs = map[string]int{}
			cur = &st
			byID[st.ID] = cur
			order = append(order, st.ID)
		}
		var l map[string]int
		if err := json.Unmarshal([]byte(langs), &l); err != nil {
			return nil, err
		}
		for k, v := range l {
			cur.Langs[k] += v
		}
		cur.Events++
		cur.Articles += n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Story, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].MaxDate != out[j].MaxDate {
			return out[i].MaxDate > out[j].MaxDate
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// Counts implements Store.
func (s *SQL) Counts(ctx context.Context) (articles, events, stories int, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM events WHERE n > 0),
		(SELECT COUNT(DISTINCT story_id) FROM events WHERE n > 0)`).Scan(&articles, &events, &stories)
	return
}
