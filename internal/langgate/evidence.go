package langgate

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xinstruct/xinstruct/internal/script"
)

// Patterns of what is not language evidence inside a line. Each match is replaced by a
// space, so that the words on either side stay apart.
var (
	// Inline code: a run of backticks, then text up to the same run (CommonMark).
	inlineCode = regexp.MustCompile("(`+)[^`]+?(`+)")
	// URLs with a scheme or a www. host, and e-mail addresses.
	url   = regexp.MustCompile(`(?i)\b(?:[a-z][a-z0-9+.-]*://|www\.)[^\s<>"'()\[\]]+`)
	email = regexp.MustCompile(`[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.\p{L}{2,}`)
	// TeX formulas: $$...$$ and \[...\] (may span lines), \(...\), and $...$ where the
	// opening $ is not followed by a blank and the closing one not preceded by one nor
	// followed by a digit (Pandoc's rule, so "$5 and $10" is not a formula).
	displayMath = regexp.MustCompile(`(?s)\$\$.+?\$\$|\\\[.+?\\\]|\\begin\{([a-zA-Z*]+)\}.+?\\end\{[a-zA-Z*]+\}`)
	inlineMath  = regexp.MustCompile(`\\\(.+?\\\)|\$[^\s$](?:[^$\n]*[^\s$])?\$`)
)

// Evidence returns the answer's text without what is not language evidence: fenced
// (``` or ~~~) and indented code blocks, inline code, URLs and e-mail addresses, TeX
// formulas ($...$, $$...$$, \(...\), \[...\], \begin{...}...\end{...}), and lines that
// are mostly digits, operators and punctuation (formulas, tables of numbers). What is
// removed inside a line is replaced by a space.
//
// An indented line (four spaces or a tab) is code only where Markdown would read it as
// code: after a blank line or another code line, and not a list item, so that nested
// list items and their continuation lines stay evidence.
func Evidence(answer string) string {
	answer = displayMath.ReplaceAllString(answer, " ")
	var b strings.Builder
	var fence string // the open fence's marker, "" outside a fenced block
	prevBlank, prevCode := true, false
	for line := range strings.Lines(answer) {
		line = strings.TrimRight(line, "\r\n")
		trimmed := strings.TrimLeft(line, " ")
		indent := len(line) - len(trimmed)
		if fence != "" {
			if indent < 4 && strings.HasPrefix(trimmed, fence) && strings.Trim(trimmed, fence[:1]+" \t") == "" {
				fence = ""
			}
			continue
		}
		if indent < 4 && (strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~")) {
			n := len(trimmed) - len(strings.TrimLeft(trimmed, trimmed[:1]))
			fence = strings.Repeat(trimmed[:1], n)
			prevBlank, prevCode = false, false
			continue
		}
		if strings.TrimSpace(line) == "" {
			prevBlank = true
			b.WriteByte('\n')
			continue
		}
		if (indent >= 4 || strings.HasPrefix(line, "\t")) && (prevBlank || prevCode) && !listItem(strings.TrimSpace(line)) {
			prevBlank, prevCode = false, true
			continue
		}
		prevBlank, prevCode = false, false
		line = inlineCode.ReplaceAllString(line, " ")
		line = url.ReplaceAllString(line, " ")
		line = email.ReplaceAllString(line, " ")
		line = inlineMath.ReplaceAllString(line, " ")
		if !wordy(line) {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return strings.TrimSpace(b.String())
}

// listItem reports whether a trimmed line starts with a Markdown list marker.
func listItem(s string) bool {
	if len(s) >= 2 && strings.ContainsRune("-*+", rune(s[0])) && (s[1] == ' ' || s[1] == '\t') {
		return true
	}
	i := 0
	for i < len(s) && i < 9 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i > 0 && i+1 < len(s) && (s[i] == '.' || s[i] == ')') && s[i+1] == ' '
}

// minWordyShare is the least share of a line's visible characters (not blanks) that
// must be letters (script.Letter: letters and combining marks) for the line to be
// evidence. "x = 3y + 4" has 2 letters in 7 (0.29); "| 2019 | 4.5 | 17 % |" has none;
// prose with numbers in it ("In 2019, 45 % of the 1,200 farms ...") has well over half.
const minWordyShare = 0.4

// wordy reports whether at least minWordyShare of line's visible characters are letters.
func wordy(line string) bool {
	var letters, visible int
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRuneInString(line[i:])
		i += size
		if unicode.IsSpace(r) {
			continue
		}
		visible++
		if _, ok := script.Letter(r); ok {
			letters++
		}
	}
	return visible > 0 && float64(letters) >= minWordyShare*float64(visible)
}
