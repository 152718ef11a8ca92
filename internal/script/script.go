// Package script classifies the writing system of text. Language ID uses it to narrow its
// candidates, and the script check uses it to reject text whose letters are mostly in
// another script than its language's.
package script

import (
	"unicode"
	"unicode/utf8"
)

// Script is a writing system.
type Script uint8

// The scripts that matter here: the ten target languages' scripts, and the large
// scripts that text in other languages would come in.
const (
	Other Script = iota
	Latin
	Thai
	Tamil
	Bengali
	Devanagari
	Arabic
	Cyrillic
	Han // includes Hiragana, Katakana and Hangul: CJK text
	Greek
	Hebrew
	NumScripts
)

var names = [NumScripts]string{"other", "latin", "thai", "tamil", "bengali", "devanagari", "arabic", "cyrillic", "cjk", "greek", "hebrew"}

func (s Script) String() string {
	if s < NumScripts {
		return names[s]
	}
	return "invalid"
}

// Of returns the script of r, or Other for runes of no script (digits, punctuation,
// spaces, symbols) and of scripts not listed here.
func Of(r rune) Script {
	switch {
	case r < 0x80:
		if (r|0x20) >= 'a' && (r|0x20) <= 'z' {
			return Latin
		}
		return Other
	case r <= 0x24F || (r >= 0x1E00 && r <= 0x1EFF): // Latin-1, Extended-A/B, Extended Additional (Vietnamese)
		if unicode.IsLetter(r) {
			return Latin
		}
		return Other
	case r >= 0x0E00 && r <= 0x0E7F:
		if unicode.IsLetter(r) || unicode.IsMark(r) {
			return Thai
		}
		return Other
	case r >= 0x0B80 && r <= 0x0BFF:
		return markOrLetter(r, Tamil)
	case r >= 0x0980 && r <= 0x09FF:
		return markOrLetter(r, Bengali)
	case (r >= 0x0900 && r <= 0x097F) || (r >= 0xA8E0 && r <= 0xA8FF):
		return markOrLetter(r, Devanagari)
	case (r >= 0x0600 && r <= 0x06FF) || (r >= 0x0750 && r <= 0x077F) || (r >= 0xFB50 && r <= 0xFDFF) || (r >= 0xFE70 && r <= 0xFEFF):
		return markOrLetter(r, Arabic)
	case r >= 0x0400 && r <= 0x052F:
		return markOrLetter(r, Cyrillic)
	case r >= 0x0370 && r <= 0x03FF:
		return markOrLetter(r, Greek)
	case r >= 0x0590 && r <= 0x05FF:
		return markOrLetter(r, Hebrew)
	case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul):
		return Han
	}
	return Other
}

// markOrLetter counts combining vowel signs as part of their script: in Indic scripts a
// large share of what a reader sees as letters are marks (unicode.IsMark), not letters.
func markOrLetter(r rune, s Script) Script {
	if unicode.IsLetter(r) || unicode.IsMark(r) {
		return s
	}
	return Other
}

// Counts is how many letters (and combining marks) of each script a text has.
type Counts struct {
	Letters  int // letters and marks of any script, including scripts counted as Other
	ByScript [NumScripts]int
}

// Letter returns the script of r and whether Count counts r as a letter: letters and
// combining marks are, digits, punctuation, symbols and spaces are not. Letters of
// scripts not listed here are counted as Other.
func Letter(r rune) (Script, bool) {
	if r >= 0 && r < tableSize {
		c := letterTable[r]
		return Script(c - 1), c != 0
	}
	c := classify(r)
	return Script(c - 1), c != 0
}

// tableSize covers every script listed here but CJK: the runes of real text almost
// always fall below it, and a lookup beats unicode.IsLetter's binary search several-fold.
const tableSize = 0x2000

var letterTable [tableSize]uint8 // 1+script for a counted letter, 0 for none

func init() {
	for r := range rune(tableSize) {
		letterTable[r] = classify(r)
	}
}

func classify(r rune) uint8 {
	s := Of(r)
	if s == Other && (r < 0x80 || !(unicode.IsLetter(r) || unicode.IsMark(r))) {
		return 0
	}
	return 1 + uint8(s)
}

// Count counts the letters of text by script. Digits, punctuation, symbols and spaces
// are not letters and are not counted.
func Count(text string) Counts {
	var c Counts
	for i := 0; i < len(text); {
		b := text[i]
		if b < utf8.RuneSelf {
			if (b|0x20)-'a' < 26 {
				c.Letters++
				c.ByScript[Latin]++
			}
			i++
			continue
		}
		// Decode the valid 2-byte sequences and the 3-byte ones below tableSize here
		// (the bulk of the scripts counted); leave the rest to utf8, as range would.
		var r rune
		size := 2
		switch {
		case b >= 0xC2 && b < 0xE0 && i+1 < len(text) && text[i+1]&0xC0 == 0x80:
			r = rune(b&0x1F)<<6 | rune(text[i+1]&0x3F)
		case (b == 0xE0 || b == 0xE1) && i+2 < len(text) && text[i+1]&0xC0 == 0x80 && text[i+2]&0xC0 == 0x80 &&
			(b == 0xE1 || text[i+1] >= 0xA0):
			r, size = rune(b&0x0F)<<12|rune(text[i+1]&0x3F)<<6|rune(text[i+2]&0x3F), 3
		default:
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		i += size
		if s, ok := Letter(r); ok {
			c.Letters++
			c.ByScript[s]++
		}
	}
	return c
}

// Share returns the fraction of letters in script s, or 0 for a text without letters.
func (c Counts) Share(s Script) float64 {
	if c.Letters == 0 {
		return 0
	}
	return float64(c.ByScript[s]) / float64(c.Letters)
}

// Dominant returns the script with the most letters, or Other for a text without letters.
func (c Counts) Dominant() Script {
	best, n := Other, 0
	for s := Latin; s < NumScripts; s++ {
		if c.ByScript[s] > n {
			best, n = s, c.ByScript[s]
		}
	}
	if c.ByScript[Other] > n {
		return Other
	}
	return best
}

// ForLanguage returns the script a language is written in, and false for a language
// this package does not know. Codes are ISO 639-1.
func ForLanguage(lang string) (Script, bool) {
	s, ok := languageScripts[lang]
	return s, ok
}

var languageScripts = map[string]Script{
	"fi": Latin, "id": Latin, "tr": Latin, "vi": Latin, "sw": Latin, "en": Latin,
	"de": Latin, "fr": Latin, "es": Latin, "pt": Latin, "it": Latin, "nl": Latin, "pl": Latin,
	"th": Thai, "ta": Tamil, "bn": Bengali, "hi": Devanagari, "ur": Arabic,
	"ar": Arabic, "fa": Arabic, "ru": Cyrillic, "zh": Han, "ja": Han, "ko": Han,
}
