package quality

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// The rules' names, as they appear in dead letters after "low_quality:".
const (
	RuleLetterShare   = "letter_share"
	RuleDigitShare    = "digit_share"
	RuleURLShare      = "url_share"
	RuleBoilerplate   = "boilerplate"
	RuleRepeatedChars = "repeated_chars"
	RuleRepeatedLines = "repeated_lines"
	RuleBulletLines   = "bullet_lines"
	RuleShortLines    = "short_lines"
)

var ruleNames = [...]string{
	RuleLetterShare,
	RuleDigitShare,
	RuleURLShare,
	RuleBoilerplate,
	RuleRepeatedChars,
	RuleRepeatedLines,
	RuleBulletLines,
	RuleShortLines,
}

// Rules lists the rule names, in the order Check applies them: the rules that say most
// about what a text is come first, so that a number table is reported as letter_share
// rather than short_lines.
func Rules() []string {
	return append([]string(nil), ruleNames[:]...)
}

// Check returns the name of the first rule text fails and a short detail (e.g. "letter
// share 0.31 < 0.60"), or ok=true. p is not validated: callers that take Params from
// outside should call p.Validate first.
//
// Text is expected to be cleaned as record.Doc.Text is (NFC, lines separated by "\n",
// no runs of spaces); other text is checked too, only less precisely.
func Check(text string, p Params) (rule, detail string, ok bool) {
	var buf [64]line
	c, lines := scan(text, buf[:0])

	if d, bad := letterShare(c, p.MinLetterShare); bad {
		return RuleLetterShare, d, false
	}
	if d, bad := digitShare(c, p.MaxDigitShare); bad {
		return RuleDigitShare, d, false
	}
	if d, bad := urlShare(text, c, p.MaxURLShare); bad {
		return RuleURLShare, d, false
	}
	if d, bad := boilerplate(text, len(lines), p.BoilerplateHits, p.MaxBoilerplateLineShare); bad {
		return RuleBoilerplate, d, false
	}
	if d, bad := repeatedChars(text, p.RepeatMinCopies, p.RepeatMinRunes); bad {
		return RuleRepeatedChars, d, false
	}
	if d, bad := repeatedLines(text, lines, p.MaxRepeatedLineShare); bad {
		return RuleRepeatedLines, d, false
	}
	if d, bad := bulletLines(lines, p.MinLines, p.MaxBulletLineShare); bad {
		return RuleBulletLines, d, false
	}
	if d, bad := shortLines(lines, p.MinLines, p.ShortLineRunes, p.MaxShortLineShare); bad {
		return RuleShortLines, d, false
	}
	return "", "", true
}

// Character classes.
const (
	clsOther  uint8 = iota // punctuation and symbols
	clsLetter              // letters and combining marks
	clsDigit               // decimal digits of any script
	clsSpace
	clsFormat // invisible format characters: ZWJ, ZWNJ, direction marks, BOM
)

// classes caches classOf for the scripts of the target languages (Latin, Arabic,
// Devanagari, Bengali, Tamil, Thai, Vietnamese) and general punctuation: a table lookup
// instead of the unicode package's range tables on every rune.
var classes [0x3000]uint8

func init() {
	for r := range classes {
		classes[r] = classOf(rune(r))
	}
}

// classOf classifies r. Marks count as letters, as in script.Count: most of what a reader
// of Hindi, Bengali, Tamil or Thai sees as letters are vowel signs, which are marks.
func classOf(r rune) uint8 {
	switch {
	case unicode.IsLetter(r) || unicode.IsMark(r):
		return clsLetter
	case unicode.IsDigit(r):
		return clsDigit
	case unicode.IsSpace(r):
		return clsSpace
	case unicode.Is(unicode.Cf, r):
		return clsFormat
	}
	return clsOther
}

// counts are a text's rune counts by class.
type counts struct {
	nonSpace int // letters, digits, punctuation and symbols: not spaces, not format characters
	letters  int
	digits   int
}

// A line is a non-empty line of the text, trimmed of white space.
type line struct {
	start, end int32 // byte offsets in the text
	runes      int32
	bullet     bool // starts with a bullet or list marker
}

// scan counts text's runes by class and appends its non-empty lines to lines, in one pass.
func scan(text string, lines []line) (counts, []line) {
	var c counts
	start := -1 // byte offset of the current line's first non-space rune; -1 before it
	last := 0   // byte offset of the current line's last non-space rune so far
	runes, lineRunes := 0, 0
	var first, lastRune rune
	flush := func() {
		end := last + utf8.RuneLen(lastRune)
		if lastRune == utf8.RuneError || end > len(text) { // invalid UTF-8 decodes as a 1-byte RuneError
			end = min(last+1, len(text))
		}
		lines = append(lines, line{int32(start), int32(end), int32(lineRunes), isBullet(first)})
	}
	for i, r := range text {
		if r == '\n' {
			if start >= 0 {
				flush()
			}
			start = -1
			continue
		}
		var k uint8
		if r < rune(len(classes)) {
			k = classes[r]
		} else {
			k = classOf(r)
		}
		runes++
		switch k {
		case clsSpace:
			continue
		case clsLetter:
			c.letters++
			c.nonSpace++
		case clsDigit:
			c.digits++
			c.nonSpace++
		case clsOther:
			c.nonSpace++
		}
		if start < 0 {
			start, first, runes = i, r, 1
		}
		last, lastRune, lineRunes = i, r, runes
	}
	if start >= 0 {
		flush()
	}
	return c, lines
}

// isBullet reports whether r marks a list item or a table row at the start of a line.
// En and em dashes and "»" are left out: Finnish, Turkish and Vietnamese fiction starts
// lines of dialogue with them.
func isBullet(r rune) bool {
	switch r {
	case '-', '*', '|', '>', '•', '·', '‣', '◦', '→', '►', '▶', '▸', '▪', '■', '□', '●', '○', '◆', '◇', '★', '☆', '✓', '✔', '✗', '➢', '➤', '\uf0b7': // U+F0B7: Word's bullet in the private use area
		return true
	}
	return false
}

// share returns n/of, or 0 when of is 0.
func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// cmp formats "v op limit" with enough decimals to tell v from limit (2 to 4).
func cmp(v float64, op string, limit float64) string {
	for prec := 2; prec < 4; prec++ {
		if fmt.Sprintf("%.*f", prec, v) != fmt.Sprintf("%.*f", prec, limit) {
			return fmt.Sprintf("%.*f %s %.*f", prec, v, op, prec, limit)
		}
	}
	return fmt.Sprintf("%.4f %s %.4f", v, op, limit)
}

// letterShare fails a text whose share of letters among its non-space runes is below
// min. A text without any non-space rune has share 0.
func letterShare(c counts, min float64) (string, bool) {
	s := share(c.letters, c.nonSpace)
	if s < min {
		return "letter share " + cmp(s, "<", min), true
	}
	return "", false
}

// digitShare fails a text whose share of digits among its non-space runes is above max.
func digitShare(c counts, max float64) (string, bool) {
	s := share(c.digits, c.nonSpace)
	if s > max {
		return "digit share " + cmp(s, ">", max), true
	}
	return "", false
}

// bulletLines fails a text of at least minLines lines of which more than max start with
// a bullet or list marker.
func bulletLines(lines []line, minLines int, max float64) (string, bool) {
	if len(lines) < minLines {
		return "", false
	}
	n := 0
	for _, l := range lines {
		if l.bullet {
			n++
		}
	}
	if s := share(n, len(lines)); s > max {
		return fmt.Sprintf("bullet lines %d of %d, %s", n, len(lines), cmp(s, ">", max)), true
	}
	return "", false
}

// shortLines fails a text of at least minLines lines of which more than max are shorter
// than runes runes.
func shortLines(lines []line, minLines, runes int, max float64) (string, bool) {
	if len(lines) < minLines {
		return "", false
	}
	n := 0
	for _, l := range lines {
		if int(l.runes) < runes {
			n++
		}
	}
	if s := share(n, len(lines)); s > max {
		return fmt.Sprintf("lines under %d runes %d of %d, %s", runes, n, len(lines), cmp(s, ">", max)), true
	}
	return "", false
}

// repeatedLines fails a text in which more than max of the runes of its non-empty lines
// are in lines that occur more than once.
func repeatedLines(text string, lines []line, max float64) (string, bool) {
	if len(lines) < 2 {
		return "", false
	}
	total, dup := 0, 0
	if len(lines) <= 256 {
		var seen [256 / 64]uint64 // bit i: line i occurs more than once
		for i, a := range lines {
			total += int(a.runes)
			if seen[i/64]&(1<<(i%64)) != 0 { // a copy of an earlier line
				dup += int(a.runes)
				continue
			}
			as := text[a.start:a.end]
			for j := i + 1; j < len(lines); j++ {
				b := lines[j]
				if b.end-b.start == a.end-a.start && text[b.start:b.end] == as {
					seen[i/64] |= 1 << (i % 64)
					seen[j/64] |= 1 << (j % 64)
				}
			}
			if seen[i/64]&(1<<(i%64)) != 0 {
				dup += int(a.runes)
			}
		}
	} else {
		n := make(map[string]int, len(lines))
		for _, l := range lines {
			n[text[l.start:l.end]]++
		}
		for _, l := range lines {
			total += int(l.runes)
			if n[text[l.start:l.end]] > 1 {
				dup += int(l.runes)
			}
		}
	}
	if s := share(dup, total); s > max {
		return "runes in repeated lines " + cmp(s, ">", max), true
	}
	return "", false
}
