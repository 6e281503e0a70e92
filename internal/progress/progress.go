// Package progress reports the progress of long work on a terminal as one
// live line, and as plain periodic lines when the output is not a terminal
// (a log file, CI), where carriage returns would only clutter.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Meter reports progress to a writer.
type Meter struct {
	mu       sync.Mutex
	w        io.Writer
	tty      bool
	label    string
	total    int
	start    time.Time
	last     time.Time
	every    time.Duration
	lastLine int
}

// New returns a meter writing to w; total may be 0 when unknown.
func New(w io.Writer, label string, total int) *Meter {
	now := time.Now()
	// last starts at now so that the first line waits a full period: a
	// short run prints only its final line.
	m := &Meter{w: w, label: label, total: total, start: now, last: now, every: 5 * time.Second}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb" {
			m.tty = true
			m.every = 100 * time.Millisecond
		}
	}
	return m
}

// Update reports done items and a short status; it writes at most every
// 100 ms on a terminal and every 5 s otherwise.
func (m *Meter) Update(done int, status string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if time.Since(m.last) < m.every {
		return
	}
	m.last = time.Now()
	m.write(done, status, false)
}

// Done writes the final line.
func (m *Meter) Done(done int, status string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.write(done, status, true)
}

func (m *Meter) write(done int, status string, final bool) {
	el := time.Since(m.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(done) / el
	}
	var line string
	if m.total > 0 && m.tty {
		const width = 24
		frac := min(1, float64(done)/float64(m.total))
		n := int(frac * width)
		line = fmt.Sprintf("%s [%s%s] %d/%d  %.0f/s  %s", m.label, strings.Repeat("█", n), strings.Repeat("░", width-n), done, m.total, rate, status)
	} else {
		line = fmt.Sprintf("%s: %d done, %.0f/s, %s", m.label, done, rate, status)
	}
	if m.tty {
		pad := ""
		if l := len([]rune(line)); l < m.lastLine {
			pad = strings.Repeat(" ", m.lastLine-l)
		}
		m.lastLine = len([]rune(line))
		fmt.Fprint(m.w, "\r"+line+pad)
		if final {
			fmt.Fprintln(m.w)
		}
		return
	}
	fmt.Fprintln(m.w, line)
}
