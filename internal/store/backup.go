package store

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// ErrNoBackup is returned by Backup for stores that are backed up with
// their own tools (PostgreSQL: pg_dump and pg_restore).
var ErrNoBackup = errors.New("this store is backed up with its own tools: use pg_dump and pg_restore (see docs/backup.md)")

// Backup writes a consistent copy of a SQLite store to a new file at path,
// while other processes may go on reading and writing it (VACUUM INTO
// reads one snapshot). The copy is a complete store: open it with --db.
// It refuses to overwrite an existing file.
func (s *SQL) Backup(ctx context.Context, path string) error {
	if s.d.name != sqliteDialect.name {
		return ErrNoBackup
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup %s: file exists", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("backup %s: %w", path, err)
	}
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("backup %s: %w", path, err)
	}
	return nil
}
