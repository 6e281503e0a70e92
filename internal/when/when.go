// Package when finds date expressions in news text written in any of the
// languages Storyline identifies, and turns them into civil dates: explicit
// dates ("17 tetor", "10 अक्टूबर, 2025", "2025年10月21日", "21/04/2025"),
// weekdays ("të martën", "मंगलवार को") and relative days ("dje", "вчера")
// resolved against the publication date. Month, weekday and relative-day names
// come from Unicode CLDR through a generated table (see gen/).
//
// It also guesses an undated article's publication date from the dates the
// article mentions (InferPublication).
package when

import (
	"fmt"
	"time"
)

// Date is a civil date; Year 0 means the year is not known.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// Time returns the date at UTC midnight. It is meaningful only when Year != 0.
func (d Date) Time() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// String formats the date as YYYY-MM-DD, or --MM-DD when the year is unknown.
func (d Date) String() string {
	if d.Year == 0 {
		return fmt.Sprintf("--%02d-%02d", int(d.Month), d.Day)
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// valid reports whether the day exists in the month; a year-less 29 February
// is allowed because some year has it.
func (d Date) valid() bool {
	if d.Month < 1 || d.Month > 12 || d.Day < 1 {
		return false
	}
	y := d.Year
	if y == 0 {
		y = 2000 // a leap year
	}
	return d.Day <= daysIn(d.Month, y)
}

func daysIn(m time.Month, y int) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// dateOf returns the civil date of t in its own location: the publication
// day as the publisher saw it.
func dateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

func (d Date) addDays(n int) Date { return dateOf(d.Time().AddDate(0, 0, n)) }

// Mention is one date expression found in a text.
type Mention struct {
	Date     Date
	Surface  string // the text matched
	Start    int    // byte offset of Surface in the text
	Relative bool   // resolved from a word like "yesterday"/"вчера"/"dje"/"Tuesday" against the reference date
}

// Extract finds date expressions in text written in lang (ISO 639-1; "" or a
// language without a table means every table is tried) and resolves them
// against ref, the publication date (zero when unknown).
//
// Without ref, expressions without a year keep Year 0 and relative ones
// (weekdays, "yesterday") are dropped. With ref, a year-less date takes the
// year that puts it in the window news mostly reports on: up to about ten
// months before ref or two months after it. A weekday is the most recent such
// day on or before ref, because news reports what happened "on Tuesday" far
// more often than what will.
func Extract(lang, text string, ref time.Time) []Mention {
	sc := scannerPool.Get().(*scanner)
	defer scannerPool.Put(sc)
	items := scan(lang, text, sc)
	if len(items) == 0 {
		return nil
	}
	var r Date
	if !ref.IsZero() {
		r = dateOf(ref)
	}
	out := make([]Mention, 0, len(items))
	for _, it := range items {
		m := Mention{Surface: text[it.start:it.end], Start: it.start}
		switch it.kind {
		case 'd':
			m.Date = it.date
			if m.Date.Year == 0 && r.Year != 0 {
				m.Date = closestYear(m.Date, r)
			}
		case kindWeekday:
			if r.Year == 0 {
				continue
			}
			m.Date, m.Relative = lastWeekday(r, time.Weekday(it.value)), true
		case kindRelative:
			if r.Year == 0 {
				continue
			}
			m.Date, m.Relative = r.addDays(it.value), true
		}
		out = append(out, m)
	}
	return out
}

// closestYear gives a year-less date the year that places it latest but no
// more than about two months after ref.
func closestYear(d Date, ref Date) Date {
	limit := ref.Time().AddDate(0, 2, 0)
	for y := ref.Year + 1; y >= ref.Year-4; y-- {
		c := Date{y, d.Month, d.Day}
		if !c.valid() { // 29 February in a common year
			continue
		}
		if !c.Time().After(limit) {
			return c
		}
	}
	return Date{ref.Year - 1, d.Month, d.Day}
}

// lastWeekday returns the most recent day on or before ref that falls on wd.
func lastWeekday(ref Date, wd time.Weekday) Date {
	back := (int(ref.Time().Weekday()) - int(wd) + 7) % 7
	return ref.addDays(-back)
}
