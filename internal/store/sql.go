package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"storyline/internal/cluster"
)

// dialect holds what differs between SQLite and PostgreSQL.
type dialect struct {
	name     string
	float    string // column type for floating point numbers
	bigint   string
	dollar   bool // $1 placeholders instead of ?
	lockable bool // supports FOR UPDATE / advisory locks
}

var (
	sqliteDialect   = dialect{name: "sqlite", float: "REAL", bigint: "INTEGER"}
	postgresDialect = dialect{name: "postgres", float: "DOUBLE PRECISION", bigint: "BIGINT", dollar: true, lockable: true}
)

// migrations are applied in order, each in its own transaction, and
// recorded in schema_migrations; a migration is never edited once shipped.
var migrations = []string{
	// 1: the initial schema.
	`CREATE TABLE articles (
		id TEXT PRIMARY KEY,
		hash TEXT NOT NULL,
		title TEXT NOT NULL DEFAULT '',
		body TEXT NOT NULL,
		lang TEXT NOT NULL DEFAULT '',
		date TEXT NOT NULL DEFAULT '',
		date_source TEXT NOT NULL DEFAULT '',
		url TEXT NOT NULL DEFAULT '',
		source TEXT NOT NULL DEFAULT '',
		origin TEXT NOT NULL DEFAULT '',
		event_id TEXT NOT NULL,
		score {{float}} NOT NULL DEFAULT 0,
		evidence TEXT NOT NULL DEFAULT '[]',
		features TEXT NOT NULL DEFAULT '{}',
		seq {{bigint}} NOT NULL,
		ingested_at TEXT NOT NULL
	);
	CREATE INDEX articles_event ON articles(event_id);
	CREATE INDEX articles_seq ON articles(seq);
	CREATE TABLE mentions (
		article_id TEXT NOT NULL,
		key TEXT NOT NULL,
		surface TEXT NOT NULL,
		kind TEXT NOT NULL DEFAULT '',
		count INTEGER NOT NULL DEFAULT 1,
		PRIMARY KEY (article_id, key, surface)
	);
	CREATE INDEX mentions_key ON mentions(key);
	CREATE TABLE events (
		id TEXT PRIMARY KEY,
		story_id TEXT NOT NULL DEFAULT '',
		label TEXT NOT NULL DEFAULT '',
		date TEXT NOT NULL DEFAULT '',
		min_date TEXT NOT NULL DEFAULT '',
		max_date TEXT NOT NULL DEFAULT '',
		n INTEGER NOT NULL DEFAULT 0,
		langs TEXT NOT NULL DEFAULT '{}',
		labels TEXT NOT NULL DEFAULT '{}',
		centroid TEXT NOT NULL DEFAULT '[]',
		date_sum {{float}} NOT NULL DEFAULT 0,
		date_n INTEGER NOT NULL DEFAULT 0,
		story_score {{float}} NOT NULL DEFAULT 0,
		story_evidence TEXT NOT NULL DEFAULT '[]',
		blocked TEXT NOT NULL DEFAULT '[]'
	);
	CREATE INDEX events_story ON events(story_id);
	CREATE INDEX events_date ON events(date);
	CREATE TABLE stories (
		id TEXT PRIMARY KEY,
		label TEXT NOT NULL DEFAULT '',
		min_date TEXT NOT NULL DEFAULT '',
		max_date TEXT NOT NULL DEFAULT '',
		centroid TEXT NOT NULL DEFAULT '[]'
	);
	CREATE TABLE df (
		key TEXT PRIMARY KEY,
		n INTEGER NOT NULL
	);
	CREATE TABLE meta (
		k TEXT PRIMARY KEY,
		v TEXT NOT NULL
	);`,
	// 2: near-duplicate (wire copy) marks and signatures, and the state of
	// watched feeds (cache validators and backoff) kept across restarts.
	`ALTER TABLE articles ADD COLUMN copy_of TEXT NOT NULL DEFAULT '';
	ALTER TABLE articles ADD COLUMN copy_sim {{float}} NOT NULL DEFAULT 0;
	CREATE INDEX articles_copy_of ON articles(copy_of);
	CREATE TABLE signatures (
		article_id TEXT PRIMARY KEY,
		sig {{blob}} NOT NULL
	);
	CREATE TABLE feeds (
		url TEXT PRIMARY KEY,
		etag TEXT NOT NULL DEFAULT '',
		last_modified TEXT NOT NULL DEFAULT '',
		failures INTEGER NOT NULL DEFAULT 0,
		next_try TEXT NOT NULL DEFAULT '',
		last_error TEXT NOT NULL DEFAULT '',
		updated_at TEXT NOT NULL DEFAULT ''
	);`,
	// 3: the language a key was seen in ('*' for several), which decides
	// whether a name may join articles of different languages.
	`ALTER TABLE df ADD COLUMN lang TEXT NOT NULL DEFAULT ''`,
	// 4: events by their latest date, so that a writer starting on a big
	// store reads only the events within the window of the newest dates
	// (LoadRecentState).
	`CREATE INDEX events_max_date ON events(max_date)`,
	// 5: the clustering state of events and stories in a compact binary
	// form (state.go), a third of the JSON's size; rows written before keep
	// their JSON in centroid and members until they are written again.
	`ALTER TABLE events ADD COLUMN centroid_bin {{blob}};
	ALTER TABLE events ADD COLUMN members_bin {{blob}};
	ALTER TABLE stories ADD COLUMN centroid_bin {{blob}}`,
	// 6: the newest date seen when an event last changed: a writer keeps
	// an event in memory until both its latest article and that date fall
	// out of the window, and reads at start-up only the events it would
	// keep (recentEvent).
	`ALTER TABLE events ADD COLUMN touched TEXT NOT NULL DEFAULT '';
	CREATE INDEX events_touched ON events(touched)`,
	// 7: names are looked up by key only (search); what an article says of
	// each name (surface, kind, count) is in its feature record already.
	// One row per name key and article in one index (no rowid table, no
	// second index) costs a third of the mentions table to write, and
	// writing mentions was half of committing a batch.
	`CREATE TABLE mention_keys (
		key TEXT NOT NULL,
		article_id TEXT NOT NULL,
		PRIMARY KEY (key, article_id)
	){{without_rowid}};
	INSERT INTO mention_keys (key, article_id) SELECT DISTINCT key, article_id FROM mentions;
	DROP TABLE mentions`,
	// 8: document frequencies as each batch's counts (cluster/df.go): one
	// row a batch instead of an upsert for each of its tens of thousands
	// of keys, and a writer reads only the window's batches. The counts
	// of the df table are carried over as one batch (migrateDF).
	`CREATE TABLE df_batches (
		ver {{bigint}} PRIMARY KEY,
		ndocs INTEGER NOT NULL,
		counts {{blob}} NOT NULL
	)`,
}

// goMigrations complete the migrations whose work SQL cannot do, in the
// same transaction, after their SQL.
var goMigrations = map[int]func(ctx context.Context, s *SQL, tx *sql.Tx) error{
	8: migrateDF,
}

// migrateDF turns the document frequencies of a store written before
// migration 8 (one row per key, keyed by the key's text) into one batch of
// counts with hashed keys, as a version of its own, and empties the table.
func migrateDF(ctx context.Context, s *SQL, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT key, n, lang FROM df`)
	if err != nil {
		return err
	}
	counts := map[cluster.Key]cluster.KeyStat{}
	for rows.Next() {
		var k, l string
		var n int64
		if err := rows.Scan(&k, &n, &l); err != nil {
			rows.Close()
			return err
		}
		key := cluster.KeyOf(k)
		st := counts[key]
		st.N += int32(min(n, math.MaxInt32))
		if l == "*" || st.Lang != cluster.LangNone && st.Lang != cluster.LangOf(l) {
			st.Lang = cluster.LangMany
		} else {
			st.Lang = cluster.LangOf(l)
		}
		counts[key] = st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var nd string
	if err := tx.QueryRowContext(ctx, `SELECT v FROM meta WHERE k = 'ndocs'`).Scan(&nd); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	ndocs, _ := strconv.Atoi(nd)
	if len(counts) > 0 || ndocs > 0 {
		b := &cluster.DFBatch{NDocs: ndocs}
		for k, st := range counts {
			b.Keys = append(b.Keys, cluster.KeyCount{Key: k, N: st.N, Lang: st.Lang})
		}
		slices.SortFunc(b.Keys, func(x, y cluster.KeyCount) int { return cmp.Compare(x.Key, y.Key) })
		// The batch needs a version of its own, older than any to come.
		ver, err := s.bumpVersion(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO df_batches (ver, ndocs, counts) VALUES (?, ?, ?)`), ver, ndocs, encodeDFBatch(b)); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE k = 'ndocs'`); err != nil {
		return err
	}
	// Emptied, not dropped: migration 2001 of a new store, which runs
	// after this list, still alters it; 2003 drops it.
	_, err = tx.ExecContext(ctx, `DELETE FROM df`)
	return err
}

// SQL is the Store over database/sql.
type SQL struct {
	db *sql.DB
	d  dialect
}

func (s *SQL) q(query string) string {
	if !s.d.dollar {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// migrate brings the schema up to date.
func (s *SQL) migrate(ctx context.Context) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if s.d.lockable {
			// CREATE TABLE IF NOT EXISTS is not safe against a
			// concurrent twin on PostgreSQL.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7210001)`); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var have int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE version < 1000`).Scan(&have); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if have > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this storyline (%d); upgrade storyline", have, len(migrations))
	}
	for v := have + 1; v <= len(migrations); v++ {
		if err := s.applyMigration(ctx, v, migrations[v-1]); err != nil {
			return err
		}
	}
	if err := s.migrateSync(ctx); err != nil {
		return err
	}
	return s.migrateCorrections(ctx)
}

// applyMigration applies migration version v in a transaction of its own
// and records it, unless it is recorded already. All the schema's lists
// (the main one, 1001+ for corrections, 2001+ for several writers) go
// through here. On PostgreSQL an advisory lock keeps two processes
// starting at once on an empty database from both applying it.
func (s *SQL) applyMigration(ctx context.Context, v int, m string) error {
	m = strings.NewReplacer("{{float}}", s.d.float, "{{bigint}}", s.d.bigint, "{{blob}}", s.d.blobType(), "{{without_rowid}}", s.d.withoutRowid()).Replace(m)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if s.d.lockable {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7210001)`); err != nil {
				return err
			}
		}
		var done int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), v).Scan(&done); err != nil {
			return err
		}
		if done > 0 {
			return nil
		}
		for _, stmt := range strings.Split(m, ";") {
			if strings.TrimSpace(stmt) == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("%w in %.60q", err, strings.TrimSpace(stmt))
			}
		}
		if fn := goMigrations[v]; fn != nil && v < 1000 {
			if err := fn(ctx, s, tx); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)`), v, time.Now().UTC().Format(time.RFC3339))
		return err
	})
	if err != nil {
		return fmt.Errorf("migration %d: %w", v, err)
	}
	return nil
}

func (s *SQL) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Close closes the database.
func (s *SQL) Close() error { return s.db.Close() }

// Hashes implements Store.
func (s *SQL) Hashes(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(len(ids), start+500)]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, hash FROM articles WHERE id IN (`+placeholders(len(chunk))+`)`), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, h string
			if err := rows.Scan(&id, &h); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = h
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain data is stored
	}
	return string(b)
}

// Commit implements Store.
func (s *SQL) Commit(ctx context.Context, b *Batch) error {
	now := time.Now().UTC().Format(time.RFC3339)
	return s.tx(ctx, func(tx *sql.Tx) error {
		var seq int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM articles`).Scan(&seq); err != nil {
			return err
		}
		ver, err := s.bumpVersion(ctx, tx)
		if err != nil {
			return err
		}
		b.Version = ver
		ia := s.d.insertIgnore(`articles
			(id, hash, title, body, lang, date, date_source, url, source, origin, event_id, score, evidence, features, seq, ingested_at, copy_of, copy_sim)`)
		insArt, err := tx.PrepareContext(ctx, s.q(ia.head+`(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`+ia.tail))
		if err != nil {
			return err
		}
		defer insArt.Close()
		var keyRows [][]any
		for _, a := range b.Articles {
			seq++
			if _, err := insArt.ExecContext(ctx, a.ID, a.Hash, a.Title, a.Text, a.Lang, a.Date, a.DateSource, a.URL, a.Source, a.Origin,
				a.EventID, a.Score, jsonString(nonNil(a.Evidence)), a.Features, seq, now, a.CopyOf, a.CopySim); err != nil {
				return fmt.Errorf("store article %s: %w", a.ID, err)
			}
			seen := map[string]bool{}
			for _, m := range b.Mentions[a.ID] {
				if !seen[m.Key] {
					seen[m.Key] = true
					keyRows = append(keyRows, []any{m.Key, a.ID})
				}
			}
		}
		if err := s.insertRows(ctx, tx, s.d.insertIgnore(`mention_keys (key, article_id)`), keyRows); err != nil {
			return fmt.Errorf("store mentions: %w", err)
		}
		if err := s.commitSignatures(ctx, tx, b.Signatures); err != nil {
			return err
		}
		upEv, err := tx.PrepareContext(ctx, s.q(`INSERT INTO events
			(id, story_id, label, date, min_date, max_date, touched, n, langs, labels, centroid, centroid_bin, date_sum, date_n, story_score, story_evidence, blocked, ver, members, members_bin)
			VALUES (?,?,?,?,?,?,?,?,?,?,'[]',?,?,?,?,?,?,?,'[]',?)
			ON CONFLICT (id) DO UPDATE SET story_id = excluded.story_id, label = excluded.label, date = excluded.date,
			min_date = excluded.min_date, max_date = excluded.max_date, touched = excluded.touched, n = excluded.n, langs = excluded.langs,
			labels = excluded.labels, centroid = '[]', centroid_bin = excluded.centroid_bin, date_sum = excluded.date_sum, date_n = excluded.date_n,
			story_score = CASE WHEN ? THEN excluded.story_score ELSE events.story_score END,
			story_evidence = CASE WHEN ? THEN excluded.story_evidence ELSE events.story_evidence END,
			blocked = excluded.blocked, ver = excluded.ver,
			members = CASE WHEN ? THEN '[]' ELSE events.members END,
			members_bin = CASE WHEN ? THEN excluded.members_bin ELSE events.members_bin END`))
		if err != nil {
			return err
		}
		defer upEv.Close()
		for _, e := range b.Events {
			// An event re-linked in this batch gets its new story link;
			// any other keeps the one it has.
			score, evidence := 0.0, "[]"
			l, linked := b.Links[e.ID]
			if linked {
				score, evidence = l.Score, jsonString(nonNil(l.Shared))
			}
			var blocked []string
			for id := range e.Blocked {
				blocked = append(blocked, id)
			}
			sort.Strings(blocked)
			// Members that did not change since they were stored are
			// not encoded and written again (an event keeps its
			// first few members, so most events' members are final).
			var members []byte
			if !e.MembersStored {
				members = encodeMembers(e.Members)
			}
			if _, err := upEv.ExecContext(ctx, e.ID, e.StoryID, b.Labels[e.ID], Day(e.Date()), Day(e.Min), Day(e.Max), Day(e.Touched), e.N,
				jsonString(e.Langs), encodeLabels(e.Labels), encodeCentroid(e.C), e.DateSum, e.DateN, score, evidence,
				jsonString(nonNil(blocked)), ver, members, linked, linked, !e.MembersStored, !e.MembersStored); err != nil {
				return fmt.Errorf("store event %s: %w", e.ID, err)
			}
		}
		upSt, err := tx.PrepareContext(ctx, s.q(`INSERT INTO stories (id, label, min_date, max_date, centroid, centroid_bin, ver) VALUES (?,?,?,?,'[]',?,?)
			ON CONFLICT (id) DO UPDATE SET label = excluded.label, min_date = excluded.min_date, max_date = excluded.max_date,
			centroid = '[]', centroid_bin = excluded.centroid_bin, ver = excluded.ver`))
		if err != nil {
			return err
		}
		defer upSt.Close()
		for _, st := range b.Stories {
			if _, err := upSt.ExecContext(ctx, st.ID, b.SLabels[st.ID], Day(st.Min), Day(st.Max), encodeCentroid(st.C), ver); err != nil {
				return fmt.Errorf("store story %s: %w", st.ID, err)
			}
		}
		if d := b.DF; d != nil && (d.NDocs > 0 || len(d.Keys) > 0) {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO df_batches (ver, ndocs, counts) VALUES (?, ?, ?)`), ver, d.NDocs, encodeDFBatch(d)); err != nil {
				return fmt.Errorf("store document frequencies: %w", err)
			}
		}
		return s.commitCorrection(ctx, tx, b)
	})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// LoadState implements Store.
func (s *SQL) LoadState(ctx context.Context) (*State, error) {
	return s.loadState(ctx, -1)
}

// LoadRecentState implements RecentLoader.
// recentEvent selects the events a writer keeps in memory (Evict), given
// the cut date twice: those whose latest article or last change is not
// older, and those with neither date (undated and stored before migration
// 6 kept when they changed).
const recentEvent = `(max_date >= ? OR touched >= ? OR (max_date = '' AND touched = ''))`

func (s *SQL) LoadRecentState(ctx context.Context, events, stories time.Duration) (*State, error) {
	recent, err := s.recentDates(ctx)
	if err != nil {
		return nil, err
	}
	if len(recent) == 0 || events <= 0 || stories <= 0 {
		return s.loadState(ctx, -1)
	}
	days := make([]string, len(recent))
	for i, d := range recent {
		days[i] = Day(d)
	}
	sort.Strings(days)
	newest := ParseDay(days[int(float64(len(days)-1)*cluster.NewestQuantile)])
	evCut, stCut := Day(newest.Add(-events)), Day(newest.Add(-stories))
	st, err := s.loadStateWhere(ctx,
		s.q(` WHERE max_date >= ? OR id IN (SELECT story_id FROM events WHERE `+recentEvent+`)`), []any{stCut, evCut, evCut},
		s.q(` WHERE `+recentEvent), []any{evCut, evCut}, -1)
	if err != nil {
		return nil, err
	}
	st.Recent = recent
	return st, nil
}

// recentDates returns the dates of the latest cluster.RecentDates dated
// articles stored, oldest first: the clusterer tells from them where
// "now" is (cluster/evict.go).
func (s *SQL) recentDates(ctx context.Context) ([]time.Time, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT date FROM articles WHERE date <> '' ORDER BY seq DESC LIMIT ?`), cluster.RecentDates)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		out = append(out, ParseDay(d))
	}
	slices.Reverse(out)
	return out, rows.Err()
}

// loadState reads the clustering state, or with since ≥ 0 only the rows
// changed after that version. The version is read first, so the state is
// at least as new as the version it reports.
func (s *SQL) loadState(ctx context.Context, since int64) (*State, error) {
	where, args := "", []any(nil)
	if since >= 0 {
		where, args = s.q(" WHERE ver > ?"), []any{since}
	}
	return s.loadStateWhere(ctx, where, args, where, args, since)
}

// loadStateWhere reads the stories and events that two WHERE clauses
// select, and the document frequencies of the batches committed after
// version dfSince (with dfSince < 0: of the window).
func (s *SQL) loadStateWhere(ctx context.Context, stWhere string, stArgs []any, evWhere string, evArgs []any, dfSince int64) (*State, error) {
	st := &State{}
	var err error
	if st.Version, err = s.version(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, centroid, centroid_bin, min_date, max_date FROM stories`+stWhere, stArgs...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id, cen, mn, mx string
		var bin []byte
		if err := rows.Scan(&id, &cen, &bin, &mn, &mx); err != nil {
			rows.Close()
			return nil, err
		}
		c, err := decodeCentroid(cen, bin)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("story %s: %w", id, err)
		}
		st.Stories = append(st.Stories, &cluster.Story{ID: id, C: c, Min: ParseDay(mn), Max: ParseDay(mx)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if st.Events, err = s.clusterEvents(ctx, evWhere, evArgs...); err != nil {
		return nil, err
	}
	if st.DF, err = s.dfBatches(ctx, dfSince); err != nil {
		return nil, err
	}
	return st, nil
}

// dfBatches reads the document frequencies of the batches committed after
// version since, oldest first, or with since < 0 those of the latest
// batches that hold cluster.DFWindow articles (all while there are fewer).
func (s *SQL) dfBatches(ctx context.Context, since int64) ([]*cluster.DFBatch, error) {
	q, args := `SELECT ver, ndocs, counts FROM df_batches ORDER BY ver DESC`, []any(nil)
	if since >= 0 {
		q, args = s.q(`SELECT ver, ndocs, counts FROM df_batches WHERE ver > ? ORDER BY ver`), []any{since}
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*cluster.DFBatch
	total := 0
	for rows.Next() {
		b := &cluster.DFBatch{}
		var counts []byte
		if err := rows.Scan(&b.Ver, &b.NDocs, &counts); err != nil {
			return nil, err
		}
		if b.Keys, err = decodeDFBatch(counts); err != nil {
			return nil, fmt.Errorf("document frequencies of version %d: %w", b.Ver, err)
		}
		out = append(out, b)
		if total += b.NDocs; since < 0 && total >= cluster.DFWindow {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if since < 0 {
		slices.Reverse(out)
	}
	return out, nil
}

// clusterEvents reads the clustering state of the events a WHERE clause
// selects (all for "").
func (s *SQL) clusterEvents(ctx context.Context, where string, args ...any) ([]*cluster.Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, story_id, min_date, max_date, touched, n, langs, labels, centroid, centroid_bin, date_sum, date_n, blocked, members, members_bin FROM events`+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	var out []*cluster.Event
	for rows.Next() {
		var (
			e                                                        cluster.Event
			mn, mx, touched, langs, labels, cen, blockedStr, members string
			cenBin, membersBin                                       []byte
		)
		if err := rows.Scan(&e.ID, &e.StoryID, &mn, &mx, &touched, &e.N, &langs, &labels, &cen, &cenBin, &e.DateSum, &e.DateN, &blockedStr, &members, &membersBin); err != nil {
			rows.Close()
			return nil, err
		}
		e.Min, e.Max, e.Touched = ParseDay(mn), ParseDay(mx), ParseDay(touched)
		var blocked []string
		err1 := json.Unmarshal([]byte(langs), &e.Langs)
		var err2 error
		e.Labels, err2 = decodeLabels(labels)
		err3 := json.Unmarshal([]byte(blockedStr), &blocked)
		c, err4 := decodeCentroid(cen, cenBin)
		var err5 error
		if len(membersBin) > 0 {
			e.Members, err5 = decodeMembers(membersBin)
		} else {
			e.Members, err5 = decodeTextMembers(members)
		}
		if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
			rows.Close()
			return nil, fmt.Errorf("event %s: %w", e.ID, err)
		}
		e.C = c
		e.MembersStored = true
		e.Blocked = map[string]bool{}
		for _, id := range blocked {
			e.Blocked[id] = true
		}
		out = append(out, &e)
	}
	rows.Close()
	return out, rows.Err()
}

// ClusterEvents implements EventLoader.
func (s *SQL) ClusterEvents(ctx context.Context, ids []string) ([]*cluster.Event, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return s.clusterEvents(ctx, s.q(" WHERE id IN ("+placeholders(len(ids))+")"), args...)
}

// decodeCentroid decodes a stored centroid: the binary form when the row
// has one, else the JSON of rows written before migration 5.
func decodeCentroid(s string, bin []byte) (*cluster.Centroid, error) {
	if len(bin) > 0 {
		return decodeCentroidState(bin)
	}
	v, err := decodeTextVector(s)
	if err != nil {
		return nil, err
	}
	c := cluster.NewCentroid()
	c.Add(v, 1)
	return c, nil
}

// insertQuery is a multi-row INSERT statement without its VALUES lists.
type insertQuery struct{ head, tail string }

// insertIgnore is the INSERT of rows into table (with its column list)
// that skips rows whose key is taken. On SQLite, INSERT OR IGNORE rather
// than ON CONFLICT DO NOTHING: the upsert form makes each statement keep
// a statement journal of the pages it changes, which cost as much again
// as the inserts.
func (d dialect) insertIgnore(table string) insertQuery {
	if d.name == "sqlite" {
		return insertQuery{"INSERT OR IGNORE INTO " + table + " VALUES ", ""}
	}
	return insertQuery{"INSERT INTO " + table + " VALUES ", " ON CONFLICT DO NOTHING"}
}

// insertRows inserts rows with multi-row INSERT statements of up to 200
// rows each: one statement per row costs a round trip (and, on SQLite, a
// parse) each, which dominated committing a batch.
func (s *SQL) insertRows(ctx context.Context, tx *sql.Tx, q insertQuery, rows [][]any) error {
	head, tail := q.head, q.tail
	const chunk = 200
	for start := 0; start < len(rows); start += chunk {
		part := rows[start:min(len(rows), start+chunk)]
		var b strings.Builder
		b.WriteString(head)
		args := make([]any, 0, len(part)*len(part[0]))
		for i, r := range part {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(" + placeholders(len(r)) + ")")
			args = append(args, r...)
		}
		b.WriteString(tail)
		if _, err := tx.ExecContext(ctx, s.q(b.String()), args...); err != nil {
			return err
		}
	}
	return nil
}
