package features

import (
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// CanonicalName gives a gazetteer or alias key its name in English
// ("country:RU" → "Russia", "city:Budapest" → "Budapest", "org:White
// House" → "White House"), so that a label reads the same whichever
// language's article came first; "" for other keys.
func CanonicalName(key string) string {
	kind, name, ok := strings.Cut(key, ":")
	if !ok || name == "" {
		return ""
	}
	switch kind {
	case "country":
		r, err := language.ParseRegion(name)
		if err != nil {
			return ""
		}
		if n := display.English.Regions().Name(r); n != "" {
			return n
		}
		return ""
	case "city", "org", "person", "place":
		return name
	}
	return ""
}
