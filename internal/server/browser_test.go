package server

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium finds a headless-capable Chromium, or skips the test.
func chromium(t *testing.T) string {
	for _, p := range []string{os.Getenv("STORYLINE_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	t.Skip("no chromium installed (apt-get install chromium)")
	return ""
}

// TestBrowser drives a real headless Chromium over the seeds and the dev
// corpus: the stories list, the seeds' story with its timeline in date
// order, and the event of 000_ with articles in several languages. The
// screenshots (PNG) go to $STORYLINE_SCREENSHOTS, or a temporary directory.
func TestBrowser(t *testing.T) {
	bin := chromium(t)
	st := corpus(t)
	ts := newServer(t, st, "")
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	defer cancelT()

	seed, err := st.Article(context.Background(), "000_033f43149ed6165c")
	if err != nil {
		t.Fatal(err)
	}
	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	eval := func(expr string) []string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](expr))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	run(chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS("table.stories")))
	if n := len(eval(`Array.from(document.querySelectorAll("a.story-link")).map(a => a.href)`)); n < 2 {
		t.Errorf("stories list shows %d stories", n)
	}
	run(chromedp.Click(chromedp.CSS(`a.story-link[href="/stories/`+seed.StoryID+`"]`)), chromedp.WaitVisible(chromedp.CSS("svg.timeline")))
	dates := eval(`Array.from(document.querySelectorAll("svg.timeline .ev")).map(e => document.querySelector('li.event-item[data-event="' + e.dataset.event + '"]').dataset.date)`)
	t.Logf("seeds' story %s: timeline events dated %v", seed.StoryID, dates)
	if len(dates) != 3 {
		t.Errorf("seeds' story has %d events on its timeline, want 3 (000/002/004, 001, 003)", len(dates))
	}
	for i := 1; i < len(dates); i++ {
		if dates[i] == "" || dates[i] < dates[i-1] {
			t.Errorf("timeline not in date order: %v", dates)
		}
	}
	dir := os.Getenv("STORYLINE_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	shoot := func(name string) {
		t.Helper()
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	shoot("story.png")
	run(chromedp.Click(chromedp.CSS(`svg.timeline a.ev[data-event="`+seed.EventID+`"] circle`)), chromedp.WaitVisible(chromedp.CSS("section.articles")))
	langs := eval(`Array.from(document.querySelectorAll(".langgroup")).map(g => g.dataset.lang)`)
	t.Logf("event %s: articles in %v", seed.EventID, langs)
	if len(langs) < 3 {
		t.Errorf("event of 000_ shows articles in %d languages (%v), want 3", len(langs), langs)
	}
	shoot("event.png")
	t.Logf("screenshots in %s", dir)
}
