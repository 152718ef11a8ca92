package quality

import (
	"fmt"
	"unicode/utf8"
)

// maxRepeatUnit is the longest repeated unit repeatedChars looks for, in bytes: 8 runes of
// Thai or an Indic script, 32 of ASCII.
const maxRepeatUnit = 32

// repeatedChars fails a text in which a unit of at most maxRepeatUnit bytes is repeated
// back to back at least minCopies times over at least minRunes runes: "!!!!!!!!!!!!",
// "hahahahahaha", "ๆๆๆๆๆ", "spam spam spam spam spam ". It works on bytes, so it needs
// no word boundaries.
//
// For each period p, a stretch of text repeating with period p is a run of positions i
// where text[i] == text[i+p]; a stretch of minCopies copies over minRunes runes needs a
// run of at least r = max((minCopies-1)*p, minRunes-p) positions (a rune is at least a
// byte). Probing every r-th position finds every such run, so a pass costs about len/r
// comparisons per period rather than len.
func repeatedChars(text string, minCopies, minRunes int) (string, bool) {
	n := len(text)
	for p := 1; p <= maxRepeatUnit && p < n; p++ {
		r := max((minCopies-1)*p, minRunes-p, 1)
		last := n - p // positions i in [0, last) can be compared with i+p
		for j := r - 1; j < last; j += r {
			if text[j] != text[j+p] {
				continue
			}
			a, b := j, j // the run of matches around j is [a, b]
			for a > 0 && text[a-1] == text[a-1+p] {
				a--
			}
			for b+1 < last && text[b+1] == text[b+1+p] {
				b++
			}
			if b-a+1 >= r {
				stretch := text[a : b+1+p]
				copies := len(stretch) / p
				if runes := utf8.RuneCountInString(stretch); copies >= minCopies && runes >= minRunes {
					return fmt.Sprintf("%q repeated %d times (%d runes)", unit(stretch, p), copies, runes), true
				}
			}
			j += (b - j) / r * r // continue after the run
		}
	}
	return "", false
}

// unit returns the repeated unit of a stretch with period p, starting on a rune boundary.
func unit(stretch string, p int) string {
	i := 0
	for i < p && i < len(stretch) && !utf8.RuneStart(stretch[i]) {
		i++
	}
	return stretch[i : i+p]
}
