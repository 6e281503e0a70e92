package when

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
//     the year written most often in the text, else stays year-less.
//  2. Otherwise the anchor is the latest date in the body: news reports the
//     recent past, so the newest date mentioned is usually the last day before
//     publication (captions, "on 16 October"). Year-less body dates join in
//     with a year chosen as in 1.
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
	year := func(d Date) Date {
		switch {
		case d.Year != 0:
		case latestFull.Year != 0:
			d = closestYear(d, latestFull)
		default:
			if y := yearHint(sc); y != 0 && (Date{y, d.Month, d.Day}).valid() {
				d.Year = y
			}
		}
		return d
	}
	var latest Date
	for _, it := range items {
		if it.kind != 'd' || it.date.Year != 0 && it.date.Year < 1990 {
			continue
		}
		d := year(it.date)
		if it.start < openingBytes {
			return d, true
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

// yearHint returns the plausible year (1990–2100) written most often as a
// stand-alone number in the scanned text, or 0.
func yearHint(sc *scanner) int {
	var counts map[int]int
	best, bestN := 0, 0
	for i, t := range sc.toks {
		if t.kind != tNum || t.ndig != 4 || t.num < 1990 || t.num > 2100 || sc.gluedNumber(i+1) {
			continue
		}
		if counts == nil {
			counts = map[int]int{}
		}
		counts[t.num]++
		if n := counts[t.num]; n > bestN || n == bestN && t.num > best {
			best, bestN = t.num, n
		}
	}
	return best
}
