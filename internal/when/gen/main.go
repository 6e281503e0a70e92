// Command gen builds internal/when/names.tsv, the month, weekday and relative-day
// vocabulary of package when, from the CLDR locale files that Debian's
// unicode-cldr-core package installs. It is committed so the table can be
// regenerated and audited; the program itself never runs at Storyline run time.
//
//	go run ./internal/when/gen [-cldr /usr/share/unicode/cldr/common/main] [-o internal/when/names.tsv]
package main

import (
	"bufio"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// languages are the ISO 639-1 codes Storyline identifies (the lingua-go set).
// Each maps to the CLDR files read for it: regional files add spellings the
// base locale lacks, such as the Levantine and Maghrebi Arabic month names.
var languages = map[string][]string{
	"af": {"af"}, "ar": {"ar", "ar_SY", "ar_IQ", "ar_MA", "ar_DZ", "ar_TN"}, "az": {"az"}, "be": {"be"},
	"bg": {"bg"}, "bn": {"bn"}, "bs": {"bs"}, "ca": {"ca"}, "cs": {"cs"}, "cy": {"cy"}, "da": {"da"},
	"de": {"de", "de_AT"}, "el": {"el"}, "en": {"en"}, "eo": {"eo"}, "es": {"es"}, "et": {"et"}, "eu": {"eu"},
	"fa": {"fa", "fa_AF"}, "fi": {"fi"}, "fr": {"fr"}, "ga": {"ga"}, "gu": {"gu"}, "he": {"he"}, "hi": {"hi"},
	"hr": {"hr"}, "hu": {"hu"}, "hy": {"hy"}, "id": {"id"}, "is": {"is"}, "it": {"it"}, "ja": {"ja"},
	"ka": {"ka"}, "kk": {"kk"}, "ko": {"ko"}, "lg": {"lg"}, "lt": {"lt"}, "lv": {"lv"}, "mi": {"mi"},
	"mk": {"mk"}, "mn": {"mn"}, "mr": {"mr"}, "ms": {"ms"}, "nb": {"nb"}, "nl": {"nl"}, "nn": {"nn"},
	"pa": {"pa"}, "pl": {"pl"}, "pt": {"pt", "pt_PT"}, "ro": {"ro"}, "ru": {"ru"}, "sk": {"sk"}, "sl": {"sl"},
	"sn": {"sn"}, "so": {"so"}, "sq": {"sq"}, "sr": {"sr", "sr_Latn"}, "sv": {"sv"}, "sw": {"sw"},
	"ta": {"ta"}, "te": {"te"}, "th": {"th"}, "tl": {"fil"}, "tr": {"tr"}, "uk": {"uk"}, "ur": {"ur"},
	"vi": {"vi"}, "xh": {"xh"}, "yo": {"yo"}, "zh": {"zh", "zh_Hant"}, "zu": {"zu"},
	// la, st, tn and ts have no CLDR locale with Gregorian names in Debian 12.
}

// extra lists inflected forms CLDR does not carry but news text uses all the
// time: Albanian definite accusative weekdays ("të martën"), and the accusative
// weekday after "в/у/w/v" in Slavic languages ("в среду").
var extra = []entry{
	{"sq", 'w', 1, "hënën"}, {"sq", 'w', 2, "martën"}, {"sq", 'w', 3, "mërkurën"}, {"sq", 'w', 4, "enjten"},
	{"sq", 'w', 5, "premten"}, {"sq", 'w', 6, "shtunën"}, {"sq", 'w', 0, "dielën"},
	{"ru", 'w', 3, "среду"}, {"ru", 'w', 5, "пятницу"}, {"ru", 'w', 6, "субботу"},
	{"uk", 'w', 3, "середу"}, {"uk", 'w', 5, "п'ятницю"}, {"uk", 'w', 6, "суботу"}, {"uk", 'w', 0, "неділю"},
	{"pl", 'w', 3, "środę"}, {"pl", 'w', 6, "sobotę"}, {"pl", 'w', 0, "niedzielę"},
	{"cs", 'w', 3, "středu"}, {"cs", 'w', 6, "sobotu"}, {"cs", 'w', 0, "neděli"},
	// Hindi news spells several months differently from CLDR (ट for त, म् for ं).
	{"hi", 'm', 10, "अक्टूबर"}, {"hi", 'm', 9, "सितम्बर"}, {"hi", 'm', 11, "नवम्बर"}, {"hi", 'm', 12, "दिसम्बर"},
	{"hi", 'm', 2, "फरवरी"}, {"mr", 'm', 10, "अक्टोबर"}, {"ur", 'm', 5, "مئ"},
}

// entry is one line of the table: language, kind (m month, w weekday with
// Sunday = 0, r relative day offset), value and the lower-case phrase.
type entry struct {
	lang  string
	kind  byte
	value int
	text  string
}

var weekdays = map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}

func main() {
	dir := flag.String("cldr", "/usr/share/unicode/cldr/common/main", "CLDR common/main directory")
	out := flag.String("o", "internal/when/names.tsv", "output file")
	flag.Parse()

	var all []entry
	for lang, files := range languages {
		for _, f := range files {
			es, err := readLocale(filepath.Join(*dir, f+".xml"), lang)
			if errors.Is(err, os.ErrNotExist) {
				log.Printf("skip %s: %v", f, err)
				continue
			}
			if err != nil {
				log.Fatal(err)
			}
			all = append(all, es...)
		}
	}
	all = append(all, extra...)
	all = clean(all)
	if err := write(*out, all); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %d entries to %s", len(all), *out)
}

func readLocale(path, lang string) ([]entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := xml.NewDecoder(f)
	type elem struct{ name, typ, width string }
	var stack []elem
	var out []entry
	inGregorian := func() bool {
		for _, e := range stack {
			if e.name == "calendar" {
				return e.typ == "gregorian"
			}
		}
		return false
	}
	within := func(name, typ string) bool {
		for _, e := range stack {
			if e.name == name && (typ == "" || e.typ == typ) {
				return true
			}
		}
		return false
	}
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			e := elem{name: t.Name.Local}
			for _, a := range t.Attr {
				if a.Name.Local == "type" {
					e.typ = a.Value
				}
			}
			stack = append(stack, e)
			text.Reset()
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			s := strings.TrimSpace(text.String())
			text.Reset()
			if s == "" {
				continue
			}
			switch {
			case top.name == "month" && inGregorian() && !within("monthWidth", "narrow"):
				n, err := strconv.Atoi(top.typ)
				if err == nil {
					out = append(out, entry{lang, 'm', n, s})
				}
			case top.name == "day" && inGregorian() && within("dayWidth", "wide"):
				if n, ok := weekdays[top.typ]; ok {
					out = append(out, entry{lang, 'w', n, s})
				}
			case top.name == "relative" && within("field", "day"):
				n, err := strconv.Atoi(top.typ)
				if err == nil && n >= -1 && n <= 1 {
					out = append(out, entry{lang, 'r', n, s})
				}
			}
		}
	}
}

// clean lower-cases, drops entries the extractor could only misread, and
// removes duplicates.
func clean(in []entry) []entry {
	// A relative word that means both yesterday and tomorrow (Hindi कल) cannot
	// be resolved from the word alone.
	rel := map[[2]string]map[int]bool{}
	for _, e := range in {
		if e.kind == 'r' {
			k := [2]string{e.lang, strings.ToLower(e.text)}
			if rel[k] == nil {
				rel[k] = map[int]bool{}
			}
			rel[k][e.value] = true
		}
	}
	seen := map[entry]bool{}
	var out []entry
	for _, e := range in {
		e.text = strings.Join(strings.Fields(e.text), " ") // CLDR uses no-break spaces
		e.text = strings.ToLower(strings.TrimRight(e.text, ".॰"))
		e.text = strings.ReplaceAll(e.text, "’", "'")
		switch {
		case e.kind == 'r' && len(rel[[2]string{e.lang, e.text}]) > 1:
			continue
		case strings.ContainsFunc(e.text, unicode.IsDigit) && e.lang != "vi":
			// zh/ja/ko "10月" and numeric stand-alone forms are parsed as numbers.
			continue
		case e.lang == "vi" && e.kind == 'w' && e.text != "chủ nhật":
			// "thứ ba" is also the ordinal "third": too ambiguous without case.
			continue
		case e.kind == 'm' && utf8.RuneCountInString(e.text) < 3 && isLatin(e.text):
			continue
		case e.kind == 'm' && !strings.ContainsFunc(e.text, unicode.IsLetter):
			continue
		}
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b entry) int {
		if c := strings.Compare(a.lang, b.lang); c != 0 {
			return c
		}
		if a.kind != b.kind {
			return int(a.kind) - int(b.kind)
		}
		if a.value != b.value {
			return a.value - b.value
		}
		return strings.Compare(a.text, b.text)
	})
	return out
}

func isLatin(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r) {
			return false
		}
	}
	return true
}

func write(path string, es []entry) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "# Generated by go run ./internal/when/gen from Unicode CLDR; DO NOT EDIT.")
	fmt.Fprintln(w, "# lang\tkind(m=month w=weekday,0=Sunday r=relative day)\tvalue\tphrase")
	for _, e := range es {
		fmt.Fprintf(w, "%s\t%c\t%d\t%s\n", e.lang, e.kind, e.value, e.text)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
