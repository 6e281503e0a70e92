package when

import "time"

// openingBytes is how far into a text a full date counts as a dateline or a
// "published on" line rather than a date the story talks about.
const openingBytes = 300

// InferPublication guesses the publication date of an undated article from
// the dates it mentions; ok is false when the text gives no evidence. The
// result may have Year 0 when the text names the day (a "New Delhi, July 12:"
// dateline) but no year anywhere.
//
// The rule, in order:
//  1. A date in the opening lines (the first 300 bytes) is the dateline. A
//     year-less dateline takes the year of the latest full date in the text
//     (the latest one that does not put it more than two months later), else
//     stays year-less. A date written with its weekday ("mercredi 2 avril")
//     takes a year in which it falls on that weekday (weekdayYear).
//  2. Otherwise the anchor is the latest date in the body: news reports the
//     recent past, so the newest date mentioned is usually the last day before
//     publication (captions, "on 16 October"). Year-less body dates join in
//     with a year chosen as in 1. A full date older than the latest year the
//     text names is a recollection and is passed over.
//  3. Weekdays mentioned without a date ("on Tuesday") name days of the week
//     around publication. When the anchor came from the body, the date moves
//     forward to the latest such weekday at most six days after it, so
//     "…16 October… on Monday… on Tuesday" gives Tuesday 21 October.
func InferPublication(lang, text string) (d Date, ok bool) {
	sc := scannerPool.Get().(*scanner)
	defer scannerPool.Put(sc)
	items := scan(lang, text, sc)

	var latestFull Date
	var weekdays [7]bool
	hasWeekday, any := false, false
	for _, it := range items {
		switch {
		case it.kind == kindWeekday:
			weekdays[it.value], hasWeekday = true, true
		case it.kind == 'd' && it.date.Year >= 1990:
			if after(it.date, latestFull) {
				latestFull = it.date
			}
			any = true
		case it.kind == 'd' && it.date.Year == 0:
			any = true
		}
	}
	if !any {
		return Date{}, false
	}
	year := func(it item) Date {
		d := it.date
		switch {
		case d.Year != 0:
		case latestFull.Year != 0:
			d = closestYear(d, latestFull)
		default:
			// A year written alone elsewhere ("the 2021 coup", "a 2018
			// advisory") is no guide: on the dev set it was a recalled
			// year four times out of five. Only one just before the
			// date, in the same sentence ("In 2025, on 17 October"),
			// gives it its year.
			if y := yearBefore(sc, it.start); y != 0 && (Date{y, d.Month, d.Day}).valid() {
				d.Year = y
			}
		}
		if it.weekday != 0 && it.date.Year == 0 {
			d = weekdayYear(d, time.Weekday(it.weekday-1), time.Now())
		}
		return d
	}
	named := latestNamedYear(sc, time.Now().Year())
	var latest Date
	for _, it := range items {
		if it.kind != 'd' || it.date.Year != 0 && it.date.Year < 1990 {
			continue
		}
		d := year(it)
		if it.start < openingBytes {
			return d, true
		}
		if it.date.Year != 0 && it.date.Year < named {
			// A full date in the body older than a year the text names
			// is a recollection ("elected on 13 March 2013"), not the
			// day before publication.
			continue
		}
		if latest.IsZero() || after(d, latest) {
			latest = d
		}
	}
	if latest.IsZero() {
		return Date{}, false
	}
	if hasWeekday && latest.Year != 0 {
		wd := int(latest.Time().Weekday())
		shift := 0
		for w, seen := range weekdays {
			if seen {
				shift = max(shift, (w-wd+7)%7)
			}
		}
		latest = latest.addDays(shift)
	}
	return latest, true
}

// weekdayYear checks the year guessed for a date that the text wrote with
// its weekday ("mercredi 2 avril"): a day and month fall on a given
// weekday only every few years, so a guess taken from a year the text
// recalls ("élu en 2013", "the 2021 coup") shows itself wrong. A guess
// that fits is kept; otherwise the date takes the latest fitting year
// from the guess up to now (news is read soon after it is written), and
// stays year-less when no year fits.
func weekdayYear(d Date, wd time.Weekday, now time.Time) Date {
	if d.Year != 0 && d.valid() && d.Time().Weekday() == wd {
		return d
	}
	lo := d.Year
	if lo == 0 {
		lo = now.Year() - 10
	}
	for y := now.Year(); y >= lo; y-- {
		c := Date{y, d.Month, d.Day}
		if c.valid() && c.Time().Weekday() == wd && !c.Time().After(now) {
			return c
		}
	}
	return Date{Month: d.Month, Day: d.Day}
}

// after reports whether a is later than b, comparing month and day alone
// when either year is unknown.
func after(a, b Date) bool {
	if a.Year != b.Year && a.Year != 0 && b.Year != 0 {
		return a.Year > b.Year
	}
	if a.Month != b.Month {
		return a.Month > b.Month
	}
	return a.Day > b.Day
}

// latestNamedYear returns the latest plausible year (1990 up to now)
// written as a stand-alone number in the scanned text, or 0.
func latestNamedYear(sc *scanner, now int) int {
	best := 0
	for i, t := range sc.toks {
		if t.kind == tNum && t.ndig == 4 && t.num >= 1990 && t.num <= now && t.num > best && !sc.gluedNumber(i+1) {
			best = t.num
		}
	}
	return best
}

// yearBefore returns a plausible year (1990–2100) written as a stand-alone
// number among the few tokens before byte offset start, within its
// sentence, or 0.
func yearBefore(sc *scanner, start int) int {
	k := len(sc.toks) - 1
	for k >= 0 && sc.toks[k].start >= start {
		k--
	}
	for n := 0; k >= 0 && n < yearBeforeTokens; k, n = k-1, n+1 {
		t := sc.toks[k]
		switch {
		case t.kind == tPunct:
			switch t.text(sc.s) {
			case ".", "!", "?", "\n", "。", "|":
				return 0
			}
		case t.kind == tNum && t.ndig == 4 && t.num >= 1990 && t.num <= 2100 && !sc.gluedNumber(k+1):
			return t.num
		}
	}
	return 0
}

// yearBeforeTokens is how far back yearBefore looks: "in 2025, on" is
// four tokens.
const yearBeforeTokens = 6
