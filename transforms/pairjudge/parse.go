// Package pairjudge compares two assistants' answers with an LLM judge (FastChat MT-Bench
// pair judge, Arena-Hard, and X-Instruction's two scores). This file reads the judge's
// verdict from its reply.
package pairjudge

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Format is the verdict format a judge is asked for.
type Format string

// The verdict formats.
const (
	// FormatXInstruction: the reply ends with <score1>N</score1> <score2>N</score2>, N an
	// integer from 0 to 10 (score1 for Assistant A, score2 for Assistant B).
	FormatXInstruction Format = "xinstruction"
	// FormatPairwise (FastChat pair-v2): [[A]], [[B]], or [[C]] for a tie.
	FormatPairwise Format = "pairwise"
	// FormatArena (Arena-Hard): [[A>>B]], [[A>B]], [[A=B]], [[B>A]] or [[B>>A]].
	FormatArena Format = "arena"
)

// ParseFormat returns the Format that s names exactly ("xinstruction", "pairwise" or
// "arena").
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatXInstruction, FormatPairwise, FormatArena:
		return f, nil
	}
	return "", fmt.Errorf("pairjudge: unknown verdict format %q (want xinstruction, pairwise or arena)", s)
}

// Verdict is a judge's verdict on one ordering of the two answers: positions as shown to
// the judge (A first).
type Verdict struct {
	Winner string // "A", "B" or "tie"
	// Strength of the preference: arena 2 (>>), 1 (>) or 0 (=); pairwise 1, or 0 for a
	// tie; xinstruction always 0 (the scores say more).
	Strength       int
	Score1, Score2 int    // xinstruction only: A's and B's scores
	Scored         bool   // Score1 and Score2 are set
	Token          string // the verdict as matched: "[[A>B]]", or the reply's text from the first to the last of the two score tags; for ParseStructured, the verdict in that form
}

// ErrNoVerdict is wrapped by every error of Parse and ParseStructured about the reply
// (not the format): the caller may re-ask the judge.
var ErrNoVerdict = errors.New("no verdict")

func noVerdict(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrNoVerdict}, args...)...)
}

// errFormat is the error for a Format that is none of the three.
func errFormat(f Format) error {
	return fmt.Errorf("pairjudge: unknown verdict format %q", string(f))
}

// Outcomes of the bracketed tokens.
var (
	pairwiseTokens = map[string]Verdict{
		"[[A]]": {Winner: "A", Strength: 1},
		"[[B]]": {Winner: "B", Strength: 1},
		"[[C]]": {Winner: "tie", Strength: 0},
	}
	arenaTokens = map[string]Verdict{
		"[[A>>B]]": {Winner: "A", Strength: 2},
		"[[A>B]]":  {Winner: "A", Strength: 1},
		"[[A=B]]":  {Winner: "tie", Strength: 0},
		"[[B>A]]":  {Winner: "B", Strength: 1},
		"[[B>>A]]": {Winner: "B", Strength: 2},
	}
)

// quoteContext is how many characters (runes, after normalize) of the reply on one side of
// a verdict token must repeat, together with the token, a passage of a quoted text for
// the token to be taken as quoted data rather than the judge's verdict. A bare token,
// or one with less matching context, is the judge's: the judge's own final "[[B]]" is
// not dismissed because an answer also says "[[B]]", while a judge quoting a
// sentence of an answer ("... so the verdict is [[A]]") repeats a dozen characters of it
// around the token. Twelve characters of free text coincide by chance rarely; fewer
// (a "verdict: " prefix) coincide often.
const quoteContext = 12

// Parse reads the verdict of format f from a judge's prose reply. quoted are the texts
// the judge was shown as data (the answers, and the question); pass only data, not the
// instructions, whose example verdict phrase the judge is expected to repeat.
//
// The verdict is the last well-formed verdict of format f in the judge's own text:
//
//   - pairwise and arena: the last of the format's tokens ([[A]], [[A>B]], ...), with
//     any text around it (Markdown bold, quotes, white space), but not with extra
//     brackets ([[[A]]]) and not with blanks or other text inside the brackets; tokens
//     of the other format are not verdicts.
//   - xinstruction: the last <score1>…</score1> tag and the last <score2>…</score2>
//     tag (the content no longer than 16 bytes). Both must be there, and both of these
//     last tags must hold an integer from 0 to 10 (blanks around it allowed): an invalid
//     last tag is an error, not a reason to read an earlier one.
//
// A token that the reply repeats from a quoted text is not the judge's verdict: the
// token is ignored if, on at least one side of it, quoteContext characters of the reply
// next to it repeat, with it, a passage of one of the quoted texts. (An xinstruction
// <score1> and <score2> tag written next to each other count as one token.) Text is
// compared after normalize: runs of white space count as one space, and Markdown's '*'
// and '`' are left out, so a quote that re-wraps lines or adds bold still matches. A
// bare token, or one whose neighbours in the reply are not the quoted text's, stays a
// verdict even if an answer holds the same token; so does a quoted token with less than
// quoteContext characters of the answer on both sides of it (a quote of just
// "[[A]]"): it cannot be told from the judge's own.
func Parse(f Format, reply string, quoted []string) (Verdict, error) {
	if _, err := ParseFormat(string(f)); err != nil {
		return Verdict{}, errFormat(f)
	}
	norm, pos := normalize(reply)
	units := findUnits(f, norm, true)
	if len(units) == 0 {
		return Verdict{}, noVerdict("%s", missing(f, norm))
	}
	idx := newQuoteIndex(f, quoted)
	var own []unit
	for _, u := range units {
		if !idx.quotes(norm, u) {
			own = append(own, u)
		}
	}
	if len(own) == 0 {
		return Verdict{}, noVerdict("the only verdicts in the reply are quoted from the answers or the question")
	}
	tokenOf := func(start, end int) string { return reply[pos[start] : pos[end-1]+1] }
	if f != FormatXInstruction {
		u := own[len(own)-1]
		tokens := pairwiseTokens
		if f == FormatArena {
			tokens = arenaTokens
		}
		v := tokens[norm[u.start:u.end]]
		v.Token = tokenOf(u.start, u.end)
		return v, nil
	}
	// xinstruction: the last tag of each.
	var last [3]*tag
	for i := range own {
		for j := range own[i].tags {
			t := &own[i].tags[j]
			last[t.n] = t
		}
	}
	for n := 1; n <= 2; n++ {
		if last[n] == nil {
			return Verdict{}, noVerdict("no <score%d> tag outside the quoted answers", n)
		}
	}
	v := Verdict{Winner: "tie", Scored: true}
	for n := 1; n <= 2; n++ {
		s, err := scoreValue(last[n].content)
		if err != nil {
			return Verdict{}, noVerdict("the last <score%d> %v", n, err)
		}
		if n == 1 {
			v.Score1 = s
		} else {
			v.Score2 = s
		}
	}
	switch {
	case v.Score1 > v.Score2:
		v.Winner = "A"
	case v.Score1 < v.Score2:
		v.Winner = "B"
	}
	v.Token = tokenOf(min(last[1].start, last[2].start), max(last[1].end, last[2].end))
	return v, nil
}

// scoreValue returns the integer score that a tag holds: one or two digits, 0 to 10,
// blanks around them allowed.
func scoreValue(content string) (int, error) {
	s := strings.TrimSpace(content)
	if s == "" || len(s) > 2 || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("holds %q, not an integer from 0 to 10", content)
	}
	n, _ := strconv.Atoi(s)
	if n > 10 {
		return 0, fmt.Errorf("is %d, outside 0..10", n)
	}
	return n, nil
}

// missing says why a reply with no verdict token of format f has none, naming a token of
// another format if the reply has one.
func missing(f Format, norm string) string {
	for _, g := range []Format{FormatPairwise, FormatArena, FormatXInstruction} {
		if g == f {
			continue
		}
		if us := findUnits(g, norm, true); len(us) > 0 {
			u := us[len(us)-1]
			return fmt.Sprintf("no %s verdict in the reply (it has %q, a %s verdict)", f, norm[u.start:u.end], g)
		}
	}
	switch f {
	case FormatPairwise:
		return "no [[A]], [[B]] or [[C]] in the reply"
	case FormatArena:
		return "no [[A>>B]], [[A>B]], [[A=B]], [[B>A]] or [[B>>A]] in the reply"
	}
	return "no <score1> and <score2> tags in the reply"
}

// normalize returns s with every run of white space replaced by one space and the
// Markdown emphasis and code marks '*' and '`' left out, and for each byte of the result
// the offset in s of the byte it comes from (with one more entry, len(s)).
func normalize(s string) (string, []int) {
	var b strings.Builder
	b.Grow(len(s))
	pos := make([]int, 0, len(s)+1)
	space := false
	for i := 0; i < len(s); {
		c := s[i]
		if c == '*' || c == '`' {
			i++
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if unicode.IsSpace(r) {
			if !space {
				b.WriteByte(' ')
				pos = append(pos, i)
				space = true
			}
			i += size
			continue
		}
		space = false
		b.WriteString(s[i : i+size])
		for k := range size {
			pos = append(pos, i+k)
		}
		i += size
	}
	pos = append(pos, len(s))
	return b.String(), pos
}

// A unit is a verdict token in normalized text: a bracketed token, or one or two
// xinstruction score tags (a <score1> and a <score2> tag next to each other).
type unit struct {
	start, end int
	tags       []tag // xinstruction only
}

// A tag is an xinstruction score tag.
type tag struct {
	n          int // 1 or 2
	start, end int
	content    string
}

// scoreTag matches a score tag; the two numbers must agree (checked by findTags).
var scoreTag = regexp.MustCompile(`<score([12])>([^<>]{0,16})</score([12])>`)

// maxTagGap bounds what may separate two score tags that count as one unit: white space
// and punctuation only, as in "<score1>7</score1>, <score2>5</score2>".
const maxTagGap = 8

// findUnits returns the verdict tokens of format f in normalized text s, in order. With
// strict, a bracketed token next to another bracket ("[[[A]]]") is not one.
func findUnits(f Format, s string, strict bool) []unit {
	if f == FormatXInstruction {
		return tagUnits(s, findTags(s))
	}
	tokens := pairwiseTokens
	if f == FormatArena {
		tokens = arenaTokens
	}
	var units []unit
	for i := 0; ; {
		j := strings.Index(s[i:], "[[")
		if j < 0 {
			return units
		}
		i += j
		for tok := range tokens {
			if !strings.HasPrefix(s[i:], tok) {
				continue
			}
			end := i + len(tok)
			if !strict || ((i == 0 || s[i-1] != '[') && (end == len(s) || s[end] != ']')) {
				units = append(units, unit{start: i, end: end})
			}
			break
		}
		i++
	}
}

// findTags returns the score tags of normalized text s, in order.
func findTags(s string) []tag {
	var tags []tag
	for _, m := range scoreTag.FindAllStringSubmatchIndex(s, -1) {
		if s[m[2]:m[3]] != s[m[6]:m[7]] {
			continue
		}
		tags = append(tags, tag{n: int(s[m[2]] - '0'), start: m[0], end: m[1], content: s[m[4]:m[5]]})
	}
	return tags
}

// tagUnits groups tags into units: a <score1> and a <score2> tag (in either order) with
// at most maxTagGap bytes of white space and punctuation between them are one unit; any
// other tag is a unit alone.
func tagUnits(s string, tags []tag) []unit {
	var units []unit
	for i := 0; i < len(tags); i++ {
		u := unit{start: tags[i].start, end: tags[i].end, tags: tags[i : i+1]}
		if i+1 < len(tags) && tags[i+1].n != tags[i].n && adjacent(s[tags[i].end:tags[i+1].start]) {
			u.end, u.tags = tags[i+1].end, tags[i:i+2]
			i++
		}
		units = append(units, u)
	}
	return units
}

// adjacent reports whether gap, the text between two tags, lets them count as one unit.
func adjacent(gap string) bool {
	if len(gap) > maxTagGap {
		return false
	}
	for _, r := range gap {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '<' || r == '>' || r == '[' || r == ']' {
			return false
		}
	}
	return true
}

// A quoteIndex holds, for every verdict token of the quoted texts, the token with the
// quoteContext characters before it, and the token with those after it (normalized).
type quoteIndex struct {
	left, right map[string]bool
}

func newQuoteIndex(f Format, quoted []string) quoteIndex {
	idx := quoteIndex{left: map[string]bool{}, right: map[string]bool{}}
	for _, q := range quoted {
		norm, _ := normalize(q)
		var units []unit
		if f == FormatXInstruction {
			// Every tag alone and every pair: a reply's unit is matched against a unit
			// of the same extent.
			tags := findTags(norm)
			for i := range tags {
				units = append(units, unit{start: tags[i].start, end: tags[i].end})
			}
			for _, u := range tagUnits(norm, tags) {
				if len(u.tags) == 2 {
					units = append(units, u)
				}
			}
		} else {
			units = findUnits(f, norm, false)
		}
		for _, u := range units {
			if l, ok := leftContext(norm, u.start); ok {
				idx.left[norm[l:u.end]] = true
			}
			if r, ok := rightContext(norm, u.end); ok {
				idx.right[norm[u.start:r]] = true
			}
		}
	}
	return idx
}

// quotes reports whether unit u of normalized reply s repeats a quoted passage.
func (idx quoteIndex) quotes(s string, u unit) bool {
	if l, ok := leftContext(s, u.start); ok && idx.left[s[l:u.end]] {
		return true
	}
	if r, ok := rightContext(s, u.end); ok && idx.right[s[u.start:r]] {
		return true
	}
	return false
}

// leftContext returns the offset quoteContext runes before i in s, and false if s has
// fewer before i.
func leftContext(s string, i int) (int, bool) {
	for range quoteContext {
		if i == 0 {
			return 0, false
		}
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return i, true
}

// rightContext returns the offset quoteContext runes after i in s, and false if s has
// fewer after i.
func rightContext(s string, i int) (int, bool) {
	for range quoteContext {
		if i == len(s) {
			return 0, false
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i, true
}
