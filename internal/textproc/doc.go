// Package textproc holds Storyline's language-independent text tools:
// NFC normalisation, UAX #29 word segmentation, lower-casing, stopwords,
// stemming, transliteration to Latin and cross-script phonetic name keys.
//
// Everything here is pure Go, allocation-light and safe for concurrent use;
// tables are built once, lazily, on first use.
package textproc
