package main

import (
	"context"
	"fmt"
	"io"

	"storyline/internal/store"
)

// backuper is implemented by stores that can copy themselves to a file.
type backuper interface {
	Backup(ctx context.Context, path string) error
}

// cmdBackup writes a consistent copy of a SQLite store to a new file; it
// may run while serve, watch or ingest use the store.
func cmdBackup(ctx context.Context, args []string, stderr io.Writer) error {
	fs, db := flags("backup")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("backup: name one file to write the copy to")
	}
	st, err := open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	b, ok := st.(backuper)
	if !ok {
		return store.ErrNoBackup
	}
	if err := b.Backup(ctx, fs.Arg(0)); err != nil {
		return err
	}
	a, e, s, err := st.Counts(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "backup: %s written (%d articles, %d events, %d stories)\n", fs.Arg(0), a, e, s)
	return nil
}
