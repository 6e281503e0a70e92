package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL through database/sql
)

// errBadConn tells database/sql to drop a connection instead of pooling it.
var errBadConn = driver.ErrBadConn

func init() {
	openPostgres = func(ctx context.Context, dsn string) (Store, error) {
		s, err := OpenPostgres(ctx, dsn)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
}

// OpenPostgres opens a PostgreSQL store at a postgres:// URL and brings its
// schema up to date. Several processes may open and write one database at
// once (see Syncer and docs/scaling.md).
func OpenPostgres(ctx context.Context, dsn string) (*SQL, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", redact(dsn), err)
	}
	// Enough for a writer holding the clustering lock on one connection
	// and committing on another, plus readers; idle ones are kept warm.
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(8)
	s := &SQL{db: db, d: postgresDialect}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", redact(dsn), err)
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", redact(dsn), err)
	}
	return s, nil
}

// SizeBytes returns the size of the store on disk: the database file for
// SQLite, the tables and indexes of the current schema for PostgreSQL.
func (s *SQL) SizeBytes(ctx context.Context) (int64, error) {
	var n int64
	q := `SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()`
	if s.d.lockable {
		q = `SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c
			JOIN pg_namespace ns ON ns.oid = c.relnamespace WHERE ns.nspname = current_schema() AND c.relkind = 'r'`
	}
	err := s.db.QueryRowContext(ctx, q).Scan(&n)
	return n, err
}
