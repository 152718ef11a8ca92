package refine

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Overlap returns the share of the instruction's distinct character 4-grams that occur
// in output, and how many distinct 4-grams the instruction has. Both texts are
// normalized first: letters lower-cased, Latin diacritics folded to their base letter,
// combining accents dropped, and every run of other characters (spaces, punctuation,
// symbols) made one space, with a space before and after. An instruction with no
// letters or digits has one 4-gram at most, and a share of 0 if it has none.
//
// The cost is one pass over each text and no allocations for instructions of up to 512
// 4-grams: the instruction's 4-grams go in a small open-addressing table, and the
// output's are looked up in it. 4-grams are keyed by their four runes' low 16 bits, so a
// 4-gram of runes beyond the Basic Multilingual Plane (emoji, rare CJK) may collide with
// another; that only nudges the share.
func Overlap(instruction, output string) (share float64, grams int) {
	var stack [1024]uint64
	var table []uint64
	// Count the instruction's 4-grams to size the table: at most one per normalized rune.
	n := utf8.RuneCountInString(instruction) + 2
	size := 16
	for size < 2*n {
		size <<= 1
	}
	if size <= len(stack) {
		table = stack[:size]
	} else {
		table = make([]uint64, size)
	}
	mask := uint64(size - 1)
	const found = 1 << 63

	distinct := 0
	eachGram(instruction, func(k uint64) bool {
		i := hashGram(k) & mask
		for table[i] != 0 {
			if table[i] == k {
				return true
			}
			i = (i + 1) & mask
		}
		table[i] = k
		distinct++
		return true
	})
	if distinct == 0 {
		return 0, 0
	}
	hits := 0
	eachGram(output, func(k uint64) bool {
		i := hashGram(k) & mask
		for t := table[i]; t != 0; t = table[i] {
			if t&^found == k {
				if t&found == 0 {
					table[i] |= found
					hits++
				}
				break
			}
			i = (i + 1) & mask
		}
		return hits < distinct
	})
	return float64(hits) / float64(distinct), distinct
}

func hashGram(k uint64) uint64 { return (k * 0x9E3779B97F4A7C15) >> 17 }

// eachGram calls f with the key of each 4-gram of s's normalized form (see Overlap),
// until f returns false. Keys are non-zero and below 1<<63.
func eachGram(s string, f func(uint64) bool) {
	var k uint64 // the last four runes' low 16 bits; the top bit is cleared
	have := 0
	push := func(r rune) bool {
		k = (k<<16 | uint64(r)&0xFFFF) & (1<<63 - 1)
		if have++; have >= 4 {
			return f(k)
		}
		return true
	}
	space := true // start with a space: "a leading space" before the first word
	if !push(' ') {
		return
	}
	for _, r := range s {
		var c rune
		if r < foldSize {
			c = foldTable[r]
		} else if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) {
			c = unicode.ToLower(r)
		}
		switch {
		case c == foldSkip:
			continue
		case c == 0:
			if !space {
				space = true
				if !push(' ') {
					return
				}
			}
		default:
			space = false
			if !push(c) {
				return
			}
		}
	}
	if !space {
		push(' ')
	}
}

// foldTable maps each rune below foldSize to its normalized form: 0 for a separator,
// foldSkip for a combining accent over Latin letters, else the lower-cased letter with any
// Latin diacritic removed.
const (
	foldSize = 0x2000
	foldSkip = -1
)

var foldTable = func() *[foldSize]rune {
	var t [foldSize]rune
	special := map[rune]rune{'ı': 'i', 'đ': 'd', 'ø': 'o', 'ł': 'l', 'ß': 's', 'ħ': 'h', 'ŧ': 't'}
	for r := rune(0); r < foldSize; r++ {
		switch {
		case r >= 0x300 && r <= 0x36F: // combining diacritical marks
			t[r] = foldSkip
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			l := unicode.ToLower(r)
			if s, ok := special[l]; ok {
				l = s
			} else if l >= 0x80 && (l <= 0x24F || (l >= 0x1E00 && l <= 0x1EFF)) {
				if b, _ := utf8.DecodeRuneInString(norm.NFD.String(string(l))); b < utf8.RuneSelf {
					l = b
				}
			}
			t[r] = l
		}
	}
	return &t
}()
