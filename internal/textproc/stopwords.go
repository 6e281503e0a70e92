package textproc

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"strings"
	"sync"
)

// stopwords-iso 1.1.0 (MIT, see data/NOTICE): 58 languages, no Albanian.
//
//go:embed data/stopwords-iso.json
var stopwordsISO []byte

// Written for Storyline (see data/NOTICE).
//
//go:embed data/stopwords-sq.txt
var stopwordsSQ string

var (
	stopOnce sync.Once
	stopSets map[string]StopwordSet
)

// loadStopwords parses the embedded lists once, on first use: about 200 KB of
// JSON that most callers of the package never need.
func loadStopwords() {
	var raw map[string][]string
	if err := json.Unmarshal(stopwordsISO, &raw); err != nil {
		panic("textproc: embedded stopwords-iso.json: " + err.Error())
	}
	sc := bufio.NewScanner(strings.NewReader(stopwordsSQ))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			raw["sq"] = append(raw["sq"], l)
		}
	}
	stopSets = make(map[string]StopwordSet, len(raw))
	for lang, list := range raw {
		set := make(map[string]struct{}, len(list))
		for _, w := range list {
			w = Lower(Normalize(w))
			set[w] = struct{}{}
			// Romanian is written with both comma-below (ș ț, correct) and
			// cedilla (ş ţ, legacy) letters; accept either spelling.
			if alt := romanianLetters.Replace(w); alt != w {
				set[alt] = struct{}{}
			}
		}
		stopSets[lang] = set
	}
}

// IsStopword reports whether lowerWord (lower-cased, NFC) is a stopword of
// language lang (ISO 639-1). Unknown languages have no stopwords.
func IsStopword(lang, lowerWord string) bool {
	stopOnce.Do(loadStopwords)
	_, ok := stopSets[lang][lowerWord]
	return ok
}

var romanianLetters = strings.NewReplacer("ș", "ş", "ş", "ș", "ț", "ţ", "ţ", "ț")

// StopwordSet is the stopword list of one language; the zero value is empty.
// Fetch it once with Stopwords when testing many words.
type StopwordSet map[string]struct{}

// Has reports whether lowerWord (lower-cased, NFC) is in the set.
func (s StopwordSet) Has(lowerWord string) bool {
	_, ok := s[lowerWord]
	return ok
}

// Stopwords returns the stopword set of language lang (empty if none).
// The set is shared: do not modify it.
func Stopwords(lang string) StopwordSet {
	stopOnce.Do(loadStopwords)
	return stopSets[lang]
}

// HasStopwords reports whether a stopword list exists for lang.
func HasStopwords(lang string) bool {
	stopOnce.Do(loadStopwords)
	return len(stopSets[lang]) > 0
}
