package render

import (
	"fmt"
	"hash/fnv"
	"html"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"storyline/internal/store"
)

// langPalette colours language marks; a language keeps its colour
// everywhere because it is picked by a hash of the code.
var langPalette = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"}

// LangColor returns the colour of a language's marks.
func LangColor(lang string) string {
	h := fnv.New32a()
	h.Write([]byte(lang))
	return langPalette[h.Sum32()%uint32(len(langPalette))]
}

// SortedLangs returns the languages of a count map, most articles first.
func SortedLangs(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

// SVGOptions shape a timeline drawing.
type SVGOptions struct {
	// Width is the drawing's width in pixels (default 960).
	Width int
	// EventURL, when set, makes each event a link to its page.
	EventURL func(id string) string
	// Standalone adds the XML namespace declarations a file needs.
	Standalone bool
}

// TimelineSVG draws a story's timeline: one row per event in date order,
// each a circle placed on a shared date axis and sized by its article
// count, with its date, label and language marks. Every text is escaped.
func TimelineSVG(w io.Writer, t *Timeline, o SVGOptions) error {
	width := o.Width
	if width <= 0 {
		width = 960
	}
	const (
		rowH    = 54
		top     = 44
		left    = 24
		rightM  = 24
		maxR    = 20.0
		minR    = 5.0
		undated = 90 // width of the undated column
	)
	var lo, hi time.Time
	most := 1
	hasUndated := false
	for _, e := range t.Events {
		most = max(most, e.Articles)
		d := store.ParseDay(e.Date)
		if d.IsZero() {
			hasUndated = true
			continue
		}
		if lo.IsZero() || d.Before(lo) {
			lo = d
		}
		if d.After(hi) {
			hi = d
		}
	}
	axisR := width - rightM
	if hasUndated {
		axisR -= undated
	}
	axisL := left + int(maxR)
	axisR -= int(maxR)
	span := hi.Sub(lo).Hours() / 24
	xOf := func(d time.Time) float64 {
		if d.IsZero() {
			return float64(width - rightM - undated/2)
		}
		if span == 0 {
			return float64(axisL+axisR) / 2
		}
		return float64(axisL) + d.Sub(lo).Hours()/24/span*float64(axisR-axisL)
	}
	height := top + rowH*max(1, len(t.Events)) + 16
	esc := html.EscapeString
	var b strings.Builder
	ns := ""
	if o.Standalone {
		ns = ` xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"`
	}
	fmt.Fprintf(&b, `<svg%s class="timeline" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" font-family="system-ui, sans-serif" font-size="13">`,
		ns, width, height, width, height, esc("Timeline of story "+t.Story.ID+": "+t.Story.Label))
	fmt.Fprintf(&b, `<title>%s</title>`, esc("Timeline: "+t.Story.Label))
	b.WriteString(`<rect width="100%" height="100%" fill="#fff"/>`)
	// The axis with day ticks (at most about ten labels).
	axisY := top - 18
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>`, axisL, axisY, axisR, axisY)
	if !lo.IsZero() {
		days := int(span)
		step := max(1, int(math.Ceil(float64(days+1)/10)))
		for i := 0; i <= days; i += step {
			d := lo.AddDate(0, 0, i)
			x := xOf(d)
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#eee"/>`, x, axisY, x, height-8)
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#555" font-size="11">%s</text>`, x, axisY-6, esc(d.Format("Jan 2")))
		}
	}
	if hasUndated {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#555" font-size="11">undated</text>`, width-rightM-undated/2, axisY-6)
	}
	for i, e := range t.Events {
		y := top + rowH*i + rowH/2
		x := xOf(store.ParseDay(e.Date))
		r := minR + (maxR-minR)*math.Sqrt(float64(e.Articles)/float64(most))
		if o.EventURL != nil {
			u := esc(o.EventURL(e.ID))
			fmt.Fprintf(&b, `<a class="ev" href="%s" xlink:href="%s" data-event="%s">`, u, u, esc(e.ID))
		} else {
			fmt.Fprintf(&b, `<g class="ev" data-event="%s">`, esc(e.ID))
		}
		fmt.Fprintf(&b, `<title>%s</title>`, esc(fmt.Sprintf("%s · %d articles · %s", orDash(e.Date), e.Articles, Langs(e.Langs))))
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#f2f2f2"/>`, axisL, y, axisR, y)
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%d" r="%.1f" fill="#3b6fb6" fill-opacity="0.85" stroke="#1d3f73"/>`, x, y, r)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#fff" font-size="11" font-weight="600">%d</text>`, x, y+4, e.Articles)
		// Text goes on the side with more room.
		anchor, tx := "start", x+r+8
		if x > float64(width)*0.55 {
			anchor, tx = "end", x-r-8
		}
		label := Clip(e.Label, 60)
		if label == "" && len(e.Titles) > 0 {
			label = Clip(e.Titles[0], 60)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="%s" fill="#111"><tspan font-weight="600">%s</tspan> %s</text>`,
			tx, y-3, anchor, esc(orDash(e.Date)), esc(label))
		// Language marks under the label.
		langs := SortedLangs(e.Langs)
		lx := tx
		if anchor == "end" {
			lx = tx - float64(len(langs))*30 + 4
		}
		for j, l := range langs {
			px := lx + float64(j)*30
			fmt.Fprintf(&b, `<rect class="lang" x="%.1f" y="%d" width="26" height="14" rx="3" fill="%s"/><text x="%.1f" y="%d" text-anchor="middle" fill="#fff" font-size="10">%s</text>`,
				px, y+4, LangColor(l), px+13, y+15, esc(Clip(l, 3)))
		}
		if o.EventURL != nil {
			b.WriteString(`</a>`)
		} else {
			b.WriteString(`</g>`)
		}
	}
	b.WriteString(`</svg>`)
	_, err := io.WriteString(w, b.String())
	return err
}
