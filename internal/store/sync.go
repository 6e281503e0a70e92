package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
)

// syncVersionBase numbers the migrations of the multi-writer support apart
// from the main list, so that the lists can grow independently.
const syncVersionBase = 2000

// migrationsSync are applied after the main list, in order, each once.
var migrationsSync = []string{
	// 2001: change versions, so that several writers can each bring their
	// in-memory clustering state up to date with what the others
	// committed (see Syncer); meta 'version' counts commits.
	`ALTER TABLE events ADD COLUMN ver {{bigint}} NOT NULL DEFAULT 0;
	CREATE INDEX events_ver ON events(ver);
	ALTER TABLE stories ADD COLUMN ver {{bigint}} NOT NULL DEFAULT 0;
	CREATE INDEX stories_ver ON stories(ver);
	ALTER TABLE df ADD COLUMN ver {{bigint}} NOT NULL DEFAULT 0;
	CREATE INDEX df_ver ON df(ver)`,
	// 2002: the member vectors an event compares articles with, so that a
	// restarted or second writer clusters as the first one would.
	`ALTER TABLE events ADD COLUMN members TEXT NOT NULL DEFAULT '[]'`,
	// 2003: the df table, whose counts migration 8 moved to df_batches.
	`DROP TABLE df`,
}

// migrateSync applies the multi-writer migrations not yet applied.
func (s *SQL) migrateSync(ctx context.Context) error {
	for i, m := range migrationsSync {
		if err := s.applyMigration(ctx, syncVersionBase+1+i, m); err != nil {
			return err
		}
	}
	return nil
}

// clusteringLockKey names the PostgreSQL advisory lock that writers hold
// while they cluster and commit a batch.
const clusteringLockKey = 7210002

// Version implements Syncer.
func (s *SQL) Version(ctx context.Context) (int64, error) { return s.version(ctx) }

// version returns the store version: the number of commits so far.
func (s *SQL) version(ctx context.Context) (int64, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT v FROM meta WHERE k = 'version'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

// bumpVersion raises the store version by one inside a commit and returns
// the new version. The single upsert is atomic, so two commits never get
// the same version even without the clustering lock.
func (s *SQL) bumpVersion(ctx context.Context, tx *sql.Tx) (int64, error) {
	var v string
	err := tx.QueryRowContext(ctx, `INSERT INTO meta (k, v) VALUES ('version', '1')
		ON CONFLICT (k) DO UPDATE SET v = CAST(CAST(meta.v AS BIGINT) + 1 AS TEXT) RETURNING v`).Scan(&v)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

// Changes implements Syncer.
func (s *SQL) Changes(ctx context.Context, since int64) (*State, error) {
	return s.loadState(ctx, max(since, 0))
}

// Shared reports whether several processes may write the store at once,
// clustering in turn under LockClustering: true on PostgreSQL; a SQLite
// file has one writer (docs/scaling.md).
func (s *SQL) Shared() bool { return s.d.lockable }

// LockClustering implements Syncer. On PostgreSQL it takes a session
// advisory lock on a connection of its own, which the server releases by
// itself if this process dies. SQLite stores are written by one process
// at a time, so there it is a no-op.
func (s *SQL) LockClustering(ctx context.Context) (func(), error) {
	if !s.d.lockable {
		return func() {}, nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, clusteringLockKey); err != nil {
		discard(conn)
		return nil, err
	}
	return func() {
		if _, err := conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, clusteringLockKey); err != nil {
			// The session may still hold the lock: close it so that the
			// server releases the lock instead of reusing the session.
			discard(conn)
			return
		}
		conn.Close()
	}, nil
}

// discard closes a connection and keeps it out of the pool.
func discard(conn *sql.Conn) {
	conn.Raw(func(any) error { return errBadConn })
	conn.Close()
}
