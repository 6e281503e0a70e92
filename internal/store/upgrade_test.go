package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"storyline/internal/cluster"
)

// openAtSchema6 returns a store whose schema is as the last release left
// it: the main migrations up to 6, the multi-writer ones up to 2002, and
// the corrections ones, with keys stored as text.
func openAtSchema6(t *testing.T, dialectName string) *SQL {
	t.Helper()
	ctx := context.Background()
	var s *SQL
	switch dialectName {
	case "sqlite":
		db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "old.db")+"?_pragma=journal_mode(WAL)&_txlock=immediate")
		if err != nil {
			t.Fatal(err)
		}
		s = &SQL{db: db, d: sqliteDialect}
	default:
		db, err := sql.Open("pgx", postgresTestDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		s = &SQL{db: db, d: postgresDialect}
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for v := 1; v <= 6; v++ {
		if err := s.applyMigration(ctx, v, migrations[v-1]); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 2 {
		if err := s.applyMigration(ctx, syncVersionBase+1+i, migrationsSync[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.migrateCorrections(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestUpgradeFromTextKeys opens a store written before keys were hashed
// (mentions in their own table, document frequencies one row a key,
// clustering state with keys as text) and checks that, migrated, it reads
// back the same: the counts with their languages, the events' state, the
// articles' mentions and the search by name.
func TestUpgradeFromTextKeys(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := openAtSchema6(t, name)
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := s.db.ExecContext(ctx, s.q(q), args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			features := `{"names":[{"key":"drmb","surface":"Trump","kind":"person","count":2},{"key":"bdn","surface":"Putin","kind":"person","count":1}],"date_source":"header"}`
			exec(`INSERT INTO articles (id, hash, body, lang, date, event_id, features, seq, ingested_at) VALUES ('a1', 'h1', 'Trump and Putin.', 'en', '2025-10-20', 'e_a1', ?, 1, 'x')`, features)
			exec(`INSERT INTO mentions (article_id, key, surface, kind, count) VALUES ('a1', 'drmb', 'Trump', 'person', 2), ('a1', 'bdn', 'Putin', 'person', 1)`)
			exec(`INSERT INTO df (key, n, lang, ver) VALUES ('n:drmb', 3, '*', 1), ('n:bdn', 2, 'en', 1), ('t:en:summit', 1, 'en', 1)`)
			exec(`INSERT INTO meta (k, v) VALUES ('ndocs', '3'), ('version', '1')`)
			cen := appendTextVector([]byte{1}, "n:drmb", 2.0, "n:bdn", 1.0)
			members := appendString(appendString([]byte{1, 1}, "a1"), "en")
			members = appendTextVector(append(members, 0, 0), "n:drmb", 2.0, "n:bdn", 1.0)
			exec(`INSERT INTO events (id, story_id, min_date, max_date, n, langs, labels, centroid_bin, members_bin, date_n, ver)
				VALUES ('e_a1', 's_a1', '2025-10-20', '2025-10-20', 1, '{"en":1}', '{"n:drmb":"Trump","#:3":"3"}', ?, ?, 0, 1)`, cen, members)
			exec(`INSERT INTO stories (id, min_date, max_date, centroid_bin, ver) VALUES ('s_a1', '2025-10-20', '2025-10-20', ?, 1)`,
				appendTextVector([]byte{1}, "n:drmb", 1.0))

			if err := s.migrate(ctx); err != nil {
				t.Fatalf("migrating: %v", err)
			}
			st, err := s.LoadState(ctx)
			if err != nil {
				t.Fatal(err)
			}
			c := counts(st)
			// The counts became one batch of a version of its own.
			if st.Version != 2 || len(st.DF) != 1 || st.DF[0].Ver != 2 || c.NDocs != 3 || df(c, "n:drmb") != 3 || df(c, "n:bdn") != 2 || df(c, "t:en:summit") != 1 {
				t.Errorf("document frequencies: version %d, %d batches, ndocs %d, %v", st.Version, len(st.DF), c.NDocs, c.DF)
			}
			if c.DF[cluster.KeyOf("n:drmb")].Lang != cluster.LangMany || c.DF[cluster.KeyOf("n:bdn")].Lang != cluster.LangOf("en") {
				t.Errorf("key languages lost: %+v", c.DF)
			}
			if len(st.Events) != 1 || len(st.Stories) != 1 {
				t.Fatalf("%d events, %d stories", len(st.Events), len(st.Stories))
			}
			e := st.Events[0]
			if e.C.W[cluster.KeyOf("n:drmb")] != 2 || len(e.Members) != 1 || e.Members[0].Vec.Sort()[0].Key != vec("n:drmb", 2.0, "n:bdn", 1.0)[0].Key ||
				e.Labels[cluster.KeyOf("n:drmb")] != "Trump" || len(e.Labels) != 1 {
				t.Errorf("event read back as %+v", e)
			}
			if st.Stories[0].C.W[cluster.KeyOf("n:drmb")] != 1 {
				t.Errorf("story read back as %+v", st.Stories[0])
			}
			a, err := s.Article(ctx, "a1")
			if err != nil || len(a.Mentions) != 2 || a.Mentions[0].Surface != "Trump" || a.Mentions[0].Count != 2 {
				t.Errorf("article's mentions after the upgrade: %+v %v", a, err)
			}
			found, err := s.SearchArticles(ctx, SearchFilter{Keys: []string{"bdn"}})
			if err != nil || len(found) != 1 || len(found[0].Mentions) != 1 || found[0].Mentions[0].Surface != "Putin" {
				t.Errorf("search by name after the upgrade: %+v %v", found, err)
			}
			for _, table := range []string{"df", "mentions"} {
				var n int
				q := `SELECT COUNT(*) FROM sqlite_master WHERE name = ?`
				if name == "postgres" {
					q = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?`
				}
				if err := s.db.QueryRowContext(ctx, s.q(q), table).Scan(&n); err != nil || n != 0 {
					t.Errorf("table %s still there (%d, %v)", table, n, err)
				}
			}
			// A batch committed after the upgrade adds to the counts.
			if err := s.Commit(ctx, &Batch{DF: dfBatch(2, "n:drmb", 2)}); err != nil {
				t.Fatal(err)
			}
			st, err = s.LoadState(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if c := counts(st); len(st.DF) != 2 || c.NDocs != 5 || df(c, "n:drmb") != 5 {
				t.Errorf("after a new batch: %d batches, ndocs %d, drmb %d", len(st.DF), c.NDocs, df(c, "n:drmb"))
			}
		})
	}
}

// TestDFWindowRead: a writer reads the document frequencies of the latest
// batches that hold the window's articles, not of every batch stored.
func TestDFWindowRead(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *SQL) {
		ctx := context.Background()
		for _, n := range []int{150_000, 150_000, 150_000, 10} {
			if err := s.Commit(ctx, &Batch{DF: dfBatch(n, "n:drmb", 1)}); err != nil {
				t.Fatal(err)
			}
		}
		st, err := s.LoadState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.DF) != 3 || st.DF[0].Ver != 2 || st.DF[2].Ver != 4 {
			t.Fatalf("read %d batches from version %d; want 3, versions 2 to 4", len(st.DF), st.DF[0].Ver)
		}
		ch, err := s.Changes(ctx, 1)
		if err != nil || len(ch.DF) != 3 || ch.DF[0].Ver != 2 {
			t.Errorf("Changes(1): %d batches, %v", len(ch.DF), err)
		}
	})
}
