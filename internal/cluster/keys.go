package cluster

import (
	"strconv"
	"strings"
)

// Key identifies a feature. Its top bits hold the feature's namespace (a
// name, a place, a word, a date…) and, for a word, its language; the rest
// is a hash of the feature's text. A key is a plain number: vectors of
// keys hold no pointers (the garbage collector does not walk them),
// compare and hash as integers, and are the same in every process, so
// that writers sharing a store and a store read back agree on them.
//
// Two texts of one namespace and language share a hash with probability
// 2⁻⁵⁰: over millions of keys, one pair of rare features may count as
// one, which no decision notices.
type Key uint64

// Lang is a language (or a group of languages, LangGroup) as a key holds
// it: an ISO 639-1 code is a number from 1 to 676, any other tag a hash
// above that; LangMany marks a key seen in several language groups.
type Lang uint16

const (
	nsBits    = 4
	langBits  = 10
	hashBits  = 64 - nsBits - langBits
	langShift = hashBits
	nsShift   = hashBits + langBits
	hashMask  = 1<<hashBits - 1

	// LangNone is no language.
	LangNone Lang = 0
	// LangMany marks a key seen in articles of several language groups.
	LangMany Lang = 1<<langBits - 1
)

// Namespace codes, in a key's top bits.
const (
	nsNone = iota
	nsName
	nsPlace
	nsTerm
	nsDate
	nsDay
	nsNumber
	nsConcept
	numNS
)

// nsLetters are the namespaces' letters (NSName…), by code.
var nsLetters = [numNS]string{"", NSName, NSPlace, NSTerm, NSDate, NSDay, NSNumber, NSConcept}

// nsGroup is each namespace's similarity group (gNames…), -1 for none.
var nsGroup = [1 << nsBits]int8{-1, gNames, gNames, gTerms, gDates, gDates, gNumbers, gConcepts,
	-1, -1, -1, -1, -1, -1, -1, -1}

func nsCode(letter string) int {
	for i, l := range nsLetters {
		if i > 0 && l == letter {
			return i
		}
	}
	return nsNone
}

// LangOf returns the Lang of a language tag ("de", "und", "deva").
func LangOf(tag string) Lang {
	if tag == "" {
		return LangNone
	}
	if tag == "*" {
		return LangMany
	}
	if len(tag) == 2 && tag[0] >= 'a' && tag[0] <= 'z' && tag[1] >= 'a' && tag[1] <= 'z' {
		return Lang(1 + int(tag[0]-'a')*26 + int(tag[1]-'a'))
	}
	// 677 … 1022 for anything else.
	return Lang(677 + hashText(tag)%(uint64(LangMany)-677))
}

// hashText is the 64-bit FNV-1a hash of s with a final mix, so that its
// low bits are as good as its high ones.
func hashText(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	return h ^ h>>32
}

// MakeKey returns the key of a feature's text in a namespace (NSName…);
// lang is the language of a word (NSTerm) and ignored otherwise. A name or
// place whose text has several words is marked (Multiword).
func MakeKey(ns string, lang Lang, text string) Key {
	code := nsCode(ns)
	switch code {
	case nsTerm:
	case nsName, nsPlace:
		lang = 0
		if strings.IndexByte(text, ' ') >= 0 {
			lang = 1
		}
	default:
		lang = 0
	}
	return Key(uint64(code)<<nsShift | uint64(lang&LangMany)<<langShift | hashText(text)&hashMask)
}

// KeyOf returns the key of a feature written as text: "n:drmb",
// "t:de:papst", "p:country:HU" (the form stores kept before keys were
// hashed). Text without a known namespace gets a key of no group.
func KeyOf(s string) Key {
	ns, rest, ok := strings.Cut(s, ":")
	if !ok {
		return Key(hashText(s) & hashMask)
	}
	if ns == NSTerm {
		lang, word, ok := strings.Cut(rest, ":")
		if !ok {
			return MakeKey(NSTerm, LangNone, rest)
		}
		return MakeKey(NSTerm, LangOf(lang), word)
	}
	if nsCode(ns) == nsNone {
		return Key(hashText(s) & hashMask)
	}
	return MakeKey(ns, 0, rest)
}

// space is the key's namespace with, for a word, its language: the unit
// whose squared norm a centroid keeps, because words of two languages are
// never compared.
func (k Key) space() uint16 {
	if k>>nsShift == nsTerm {
		return uint16(k >> langShift)
	}
	return uint16(k>>nsShift) << langBits
}

// group returns the similarity group of the key (gNames…), or -1.
func (k Key) group() int { return int(nsGroup[k>>nsShift]) }

// IsName reports whether the key is a name or a place.
func (k Key) IsName() bool { return k.group() == gNames }

// IsPlace reports whether the key is a canonical place ("p:country:RU").
func (k Key) IsPlace() bool { return k>>nsShift == nsPlace }

// IsTerm reports whether the key is a word of one language.
func (k Key) IsTerm() bool { return k>>nsShift == nsTerm }

// TermLang returns the language of a word's key, LangNone for other keys.
func (k Key) TermLang() Lang {
	if !k.IsTerm() {
		return LangNone
	}
	return Lang(k>>langShift) & LangMany
}

// Multiword reports whether the key is a name or place of several words.
func (k Key) Multiword() bool { return k.IsName() && (k>>langShift)&Key(LangMany) == 1 }

// Letter returns the letter of the key's namespace (NSName…), "" for none.
func (k Key) Letter() string {
	if c := int(k >> nsShift); c < numNS {
		return nsLetters[c]
	}
	return ""
}

// String writes the key as its namespace letter and hash ("n:1f3a…"), for
// logs and tests: the text a key was made from is not kept.
func (k Key) String() string {
	return k.Letter() + ":" + strconv.FormatUint(uint64(k), 16)
}
