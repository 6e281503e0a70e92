package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // the embedded default store, pure Go
)

// DefaultDSN is the store used when none is named.
const DefaultDSN = "storyline.db"

// Open opens the store a DSN names: "postgres://…" or "postgresql://…" is
// PostgreSQL, anything else a SQLite file path.
func Open(ctx context.Context, dsn string) (Store, error) {
	if dsn == "" {
		dsn = DefaultDSN
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn)
	}
	return OpenSQLite(ctx, dsn)
}

// OpenSQLite opens (creating if needed) a SQLite store at path.
func OpenSQLite(ctx context.Context, path string) (*SQL, error) {
	if dir := filepath.Dir(path); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("open store %s: %w", path, err)
		}
	}
	// WAL lets readers (serve) work while an ingest writes; the busy timeout
	// makes a second writer wait instead of failing at once; synchronous
	// NORMAL in WAL mode loses no committed transaction on a process kill.
	// A 64 MB page cache (per connection, filled only as pages are read)
	// keeps the inner pages of the big indexes (document frequencies,
	// mentions) in memory: with the default 2 MB every commit read them
	// again from the file, more of them the bigger the store.
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=cache_size(-65536)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s := &SQL{db: db, d: sqliteDialect}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// openPostgres is replaced when PostgreSQL support is built in.
var openPostgres = func(ctx context.Context, dsn string) (Store, error) {
	return nil, fmt.Errorf("open store %s: PostgreSQL support is not built into this storyline", redact(dsn))
}

// redact hides a password in a DSN for error messages.
func redact(dsn string) string {
	at := strings.LastIndexByte(dsn, '@')
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 {
		return dsn
	}
	userinfo := dsn[scheme+3 : at]
	if i := strings.IndexByte(userinfo, ':'); i >= 0 {
		return dsn[:scheme+3] + userinfo[:i] + ":***" + dsn[at:]
	}
	return dsn
}
