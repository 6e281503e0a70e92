package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"storyline/internal/render"
	"storyline/internal/server"
)

func cmdServe(ctx context.Context, args []string, stderr io.Writer) error {
	fs, db := flags("serve")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	token := fs.String("token", os.Getenv("STORYLINE_TOKEN"), "bearer token for writes (default $STORYLINE_TOKEN); none refuses writes")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErr("serve: unexpected argument %q", fs.Arg(0))
	}
	st, err := open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	logger := log.New(stderr, "storyline: ", log.LstdFlags)
	srv, err := server.New(st, server.Options{Token: *token, Log: logger})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	hs := httpServer(srv, logger)
	writes := "writes refused (no token)"
	if *token != "" {
		writes = "writes need the bearer token"
	}
	logger.Printf("serving on http://%s (%s)", ln.Addr(), writes)
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// httpServer wraps a handler in an http.Server whose every phase is time
// bounded, so slow or stalled clients cannot hold connections open: headers
// must arrive within 10 s, a whole request (an ingest of up to
// server.MaxBody) within 2 minutes, and idle keep-alive connections close
// after 2 minutes.
func httpServer(h http.Handler, logger *log.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          logger,
	}
}

// writeSVG writes a story's timeline drawing to a file.
func writeSVG(path string, t *render.Timeline) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	io.WriteString(f, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	if err := render.TimelineSVG(f, t, render.SVGOptions{Standalone: true}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
