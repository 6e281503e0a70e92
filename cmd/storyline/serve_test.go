package main

import (
	"log"
	"net/http"
	"testing"
)

// TestServerTimeouts: every phase of a connection is bounded.
func TestServerTimeouts(t *testing.T) {
	hs := httpServer(http.NotFoundHandler(), log.Default())
	if hs.ReadHeaderTimeout <= 0 || hs.ReadTimeout <= 0 || hs.WriteTimeout <= 0 || hs.IdleTimeout <= 0 {
		t.Errorf("unbounded phase: header %v, read %v, write %v, idle %v", hs.ReadHeaderTimeout, hs.ReadTimeout, hs.WriteTimeout, hs.IdleTimeout)
	}
	if hs.MaxHeaderBytes <= 0 || hs.MaxHeaderBytes > 1<<20 {
		t.Errorf("MaxHeaderBytes = %d", hs.MaxHeaderBytes)
	}
}
