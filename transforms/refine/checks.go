package refine

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/xinstruct/xinstruct/internal/langid"
)

// Reasons a pair fails CheckPair. Each is the Reason of the pair's dead letter.
const (
	ReasonInstructionEmpty       = "instruction_empty"
	ReasonInstructionTooShort    = "instruction_too_short"
	ReasonInstructionTooLong     = "instruction_too_long"
	ReasonInstructionCopiesOut   = "instruction_copies_output"
	ReasonInstructionNotEnglish  = "instruction_not_english"
	ReasonInstructionRefersText  = "instruction_refers_to_text"
	ReasonInstructionNotARequest = "instruction_not_a_request"
)

// CheckReasons lists CheckPair's reasons in the order it tests them: a pair that breaks
// several rules is reported under the first.
var CheckReasons = []string{
	ReasonInstructionEmpty,
	ReasonInstructionTooShort,
	ReasonInstructionTooLong,
	ReasonInstructionCopiesOut,
	ReasonInstructionNotEnglish,
	ReasonInstructionRefersText,
	ReasonInstructionNotARequest,
}

// CheckParams are the thresholds of CheckPair. DefaultCheckParams gives the defaults; the
// comment on each field says why.
type CheckParams struct {
	// MinInstructionChars and MaxInstructionChars bound the instruction's length in
	// runes, after trimming white space (15 and 500). X-Instruction's instructions average
	// about 100 characters with a standard deviation of about 85, so 15 is the mean less
	// one deviation: below it are two- or three-word stubs ("Text:", "Explain.", "Write a
	// poem.") that cannot pin down a whole native document as their answer. 500 is the
	// mean plus about 4.7 deviations; the generator is asked for one line, and above 500
	// an "instruction" is almost always pasted text or a rambling model answer. Of the 80
	// English MT-Bench questions, 13 are longer than 500: 12 carry their own input data
	// ("Read the below passage ..."), one is a 511-character role-play prompt. All 80
	// Vicuna questions are within bounds.
	MinInstructionChars, MaxInstructionChars int

	// MinEnglishConfidence is the least language-ID confidence that the instruction is
	// English (0.70). Language ID (internal/langid) is reliable on sentences (the Vicuna
	// questions all score at least 0.77, nearly all 1.00), but short instructions that
	// name a dish, a place or a person are often taken for the language of the name
	// ("Write about Jyväskylä's Alvar Aalto buildings." is fi, 0.99), and one long English
	// word can make a short Vietnamese sentence English. So the English check (see
	// CheckPair) leaves names out, and weighs language ID together with the share of
	// common English words.
	MinEnglishConfidence float64

	// MaxOverlap is the largest share of the instruction's distinct character 4-grams
	// that may also occur in the output (0.50). Both texts are lower-cased, Latin
	// diacritics are folded ("Hà Nội" = "ha noi", "ş" = "s") and every run of non-letters
	// becomes one space, so a copy, a prefix or an echo of the output, and a copy with
	// its accents dropped, score near 1 (every first sentence of the shared corpora's
	// Latin-script documents scores 1.00 against its document). An unrelated English
	// question scores at most 0.15 against those documents, and the fake model's
	// placeholder instructions, which quote a word or two of their output, at most 0.29. For outputs in other scripts the share is near 0 whatever the
	// instruction says; an instruction that copies such an output is rejected by the
	// English check instead, and a romanization of it (Hindi written in Latin letters) is
	// caught only by that check, if at all.
	MaxOverlap float64
}

// DefaultCheckParams returns the default thresholds: 15 to 500 characters, English
// confidence 0.70, overlap 0.50.
func DefaultCheckParams() CheckParams {
	return CheckParams{
		MinInstructionChars:  15,
		MaxInstructionChars:  500,
		MinEnglishConfidence: 0.70,
		MaxOverlap:           0.50,
	}
}

// Validate reports what is wrong with p.
func (p CheckParams) Validate() error {
	switch {
	case p.MinInstructionChars < 1:
		return fmt.Errorf("min instruction chars %d < 1", p.MinInstructionChars)
	case p.MaxInstructionChars < p.MinInstructionChars:
		return fmt.Errorf("max instruction chars %d < min %d", p.MaxInstructionChars, p.MinInstructionChars)
	case !(p.MinEnglishConfidence >= 0 && p.MinEnglishConfidence <= 1):
		return fmt.Errorf("min English confidence %v not in [0,1]", p.MinEnglishConfidence)
	case !(p.MaxOverlap >= 0 && p.MaxOverlap <= 1):
		return fmt.Errorf("max overlap %v not in [0,1]", p.MaxOverlap)
	}
	return nil
}

// CheckPair applies the cheap checks that come before any judge call to an instruction
// and its output. It returns ok, or the reason the pair fails (one of CheckReasons) and a
// human-readable detail. The rules, in the order they are tested:
//
//   - instruction_empty: nothing but white space.
//   - instruction_too_short, instruction_too_long: fewer than MinInstructionChars or more
//     than MaxInstructionChars runes after trimming.
//   - instruction_copies_output: more than MaxOverlap of the instruction's character
//     4-grams occur in the output (see Overlap). Tested before the English check, since
//     a copied sentence of a Finnish output is also not English, and the copy is the
//     better diagnosis.
//   - instruction_not_english: names left out (capitalized words inside a sentence, or
//     opening one before another such word, that are not common English words: "Hà
//     Nội", "Alvar Aalto"), the instruction is English if language ID says English with
//     at least MinEnglishConfidence and at least a fifth of its words are common English
//     words (function words, request verbs, the nouns of requests, language names), or if
//     at least half of them are, whatever language ID says. Otherwise it fails, with
//     language ID's answer in the detail. Text in another script is mostly one "word"
//     per run of letters, none of them English.
//   - instruction_refers_to_text: the instruction mentions a text the user never sees
//     ("the passage above", "the given text", "this article", "based on the text",
//     "the author's" ...).
//   - instruction_not_a_request: a label or template echo ("Text:", "### Instruction",
//     "Output: ...", "Sure, here is ..."), a line ending with a colon, or a line with no
//     request cue: it neither ends with "?" nor has a clause that starts with a request
//     or question word (write, explain, describe, list, how, what, can, is ...; see
//     requestWords), after an optional "please", "now", "also" ...
//
// The request rule is a heuristic with known limits: an implicit request phrased as a
// statement ("My tomatoes split before they ripen.") fails it, and a noun phrase that
// happens to begin with a verb-like word ("Plan of the old town.") passes it. The judge
// sees what passes.
//
// CheckPair panics if p is invalid (see Validate).
func CheckPair(instruction, output string, p CheckParams) (reason, detail string, ok bool) {
	if err := p.Validate(); err != nil {
		panic("refine.CheckPair: " + err.Error())
	}
	in := strings.TrimSpace(instruction)
	if in == "" {
		return ReasonInstructionEmpty, "the instruction is empty or white space", false
	}
	n := utf8.RuneCountInString(in)
	if n < p.MinInstructionChars {
		return ReasonInstructionTooShort, fmt.Sprintf("%d characters < %d", n, p.MinInstructionChars), false
	}
	if n > p.MaxInstructionChars {
		return ReasonInstructionTooLong, fmt.Sprintf("%d characters > %d", n, p.MaxInstructionChars), false
	}
	if share, grams := Overlap(in, output); share > p.MaxOverlap {
		return ReasonInstructionCopiesOut, fmt.Sprintf("%.0f%% of the instruction's %d character 4-grams occur in the output (max %.0f%%)",
			100*share, grams, 100*p.MaxOverlap), false
	}

	var buf [64]word
	words := tokenize(in, buf[:0])
	if why := notEnglish(in, words, p.MinEnglishConfidence); why != "" {
		return ReasonInstructionNotEnglish, why, false
	}
	if phrase := refersToText(words); phrase != "" {
		return ReasonInstructionRefersText, fmt.Sprintf("mentions %q, a text the user never sees", phrase), false
	}
	if why := notARequest(in, words); why != "" {
		return ReasonInstructionNotARequest, why, false
	}
	return "", "", true
}

// A word is a run of letters, digits and combining marks of the instruction.
type word struct {
	s        string // lower-cased
	name     bool   // a capitalized word that is not a common English word, inside a sentence or followed by another: "Hà Nội", "Morogoro"
	sentence bool   // first word of the text, or after . ! ? : > # or a newline
	clause   bool   // first word of a sentence, or after ; , a bracket or a dash
}

// tokenize appends the words of text to buf. Apostrophes split words ("author's" is
// "author", "s").
func tokenize(text string, buf []word) []word {
	from := len(buf)
	sentence, clause := true, true
	start := -1
	flush := func(end int) {
		w := text[start:end]
		first, _ := utf8.DecodeRuneInString(w)
		lower := strings.ToLower(w)
		buf = append(buf, word{
			s:        lower,
			name:     unicode.IsUpper(first) && w != "I" && !englishWords[lower] && !requestWords[lower],
			sentence: sentence,
			clause:   clause,
		})
		start, sentence, clause = -1, false, false
	}
	for i, r := range text {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			flush(i)
		}
		switch r {
		case '.', '!', '?', ':', '\n', '>', '#', '。', '।', '۔':
			sentence, clause = true, true
		case ';', ',', '(', ')', '[', ']', '—', '–', '…':
			clause = true
		}
	}
	if start >= 0 {
		flush(len(text))
	}
	// A capitalized word that opens a sentence is a name only if a name follows it
	// ("Helsinki Central Station"): most sentences open with a verb or a question word.
	for i := len(buf) - 1; i >= from; i-- {
		if buf[i].sentence && buf[i].name && (i+1 == len(buf) || !buf[i+1].name || buf[i+1].sentence) {
			buf[i].name = false
		}
	}
	return buf
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') || ('A' <= r && r <= 'Z')
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// Shares of common English words (englishWords, requestWords) among an instruction's
// words, names left out, for the English check. Measured: the English Vicuna and
// MT-Bench questions of up to 500 characters have at least 0.33; first sentences of the
// shared corpora's documents and the MT-Bench translations (fi, bn, hi, ta, th, ur) reach
// 0.45 ("A on B:n isä. B on C:n isä. ...").
const (
	// minEnglishWords is the least share even when language ID says English: a short
	// Vietnamese sentence with one long English word in it ("Engineering News-Record là
	// một tạp chí ...") is English to language ID, with 0.99, and has 0.08.
	minEnglishWords = 0.2
	// enoughEnglishWords is the share that makes an instruction English whatever
	// language ID says: "Give me a recipe for nasi goreng in Indonesian." is Indonesian
	// to it, with 1.00, and has 0.78.
	enoughEnglishWords = 0.5
)

// notEnglish returns why in (with its words) is not English, or "". Names (see word) are
// left out, since they are in whatever language the place or person is: language ID
// reads the other words, and the share of common English words is taken over them.
// in is English if language ID says English with at least minConf and the share is at
// least minEnglishWords, or if the share is at least enoughEnglishWords. Single letters
// other than "a" and "i" (the "s" of "author's", the "x" of a formula) are not counted as
// words. An instruction made only of names is not English.
func notEnglish(in string, words []word, minConf float64) string {
	var b strings.Builder
	var n, eng int
	for _, w := range words {
		if w.name {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w.s)
		if len(w.s) == 1 && w.s != "a" && w.s != "i" {
			continue
		}
		n++
		if englishWords[w.s] || requestWords[w.s] {
			eng++
		}
	}
	text := b.String()
	if n == 0 {
		text = in
	}
	r := langid.Default().Detect(text)
	share := 0.0
	if n > 0 {
		share = float64(eng) / float64(n)
	}
	if (r.Lang == "en" && r.Confidence >= minConf && share >= minEnglishWords) || share >= enoughEnglishWords {
		return ""
	}
	lang := r.Lang
	if lang == "" {
		lang = "undetermined"
	}
	return fmt.Sprintf("language ID says %s (%.2f; English needs %.2f), and %.0f%% of the words (names left out) are common English words",
		lang, r.Confidence, minConf, 100*share)
}

// refersToText returns the phrase by which words refer to an unseen text, or "".
func refersToText(words []word) string {
	at := func(i int) string {
		if i >= 0 && i < len(words) {
			return words[i].s
		}
		return ""
	}
	phrase := func(i, j int) string {
		var b strings.Builder
		for k := i; k < j && k < len(words); k++ {
			if k > i {
				b.WriteByte(' ')
			}
			b.WriteString(words[k].s)
		}
		return b.String()
	}
	for i, w := range words {
		switch w.s {
		case "the", "this", "these", "that", "those":
			next := at(i + 1)
			switch {
			// "the given text", "the following news article", "the text provided"
			case refModifiers[next] && (textNouns[at(i+2)] || textNouns[at(i+3)]):
				end := i + 3
				if !textNouns[at(i+2)] {
					end++
				}
				return phrase(i, end)
			// "the above", "the above-mentioned"; not "none of the above" in a quiz
			case w.s == "the" && next == "above" && !(at(i-1) == "of" && (at(i-2) == "none" || at(i-2) == "all")):
				return phrase(i, i+2)
			// "the text above", "the passage provided"
			case textNouns[next] && postModifiers[at(i+2)]:
				return phrase(i, i+3)
			// "this text", "this passage"; not "this text message"
			case (w.s == "this" || w.s == "these") && strongTextNouns[next] && !textCompounds[at(i+2)]:
				return phrase(i, i+2)
			// "the passage", "the excerpt", "the article"; not "the passage of time"
			case w.s == "the" && (next == "passage" || next == "passages" || next == "excerpt" || next == "excerpts" ||
				next == "article" || next == "articles") && at(i+2) != "of":
				return phrase(i, i+2)
			// "the text": not "the text of the anthem", "the text for a card", "the text message"
			case w.s == "the" && (next == "text" || next == "texts") && !textCompounds[at(i+2)]:
				return phrase(i, i+2)
			// "the author's", "the author argues"
			case w.s == "the" && (next == "author" || next == "authors" || next == "writer") &&
				(at(i+2) == "s" || discourseVerbs[at(i+2)] || at(i-1) == "does" || at(i-1) == "did"):
				return phrase(i, i+3)
			}
		case "above":
			// "as described above", "above text", "above-mentioned"
			if aboveVerbs[at(i-1)] {
				return phrase(i-1, i+1)
			}
			if textNouns[at(i+1)] || at(i+1) == "mentioned" {
				return phrase(i, i+2)
			}
		}
	}
	return ""
}

// notARequest returns why in (trimmed, with its words) is not a request, or "".
func notARequest(in string, words []word) string {
	lower := strings.ToLower(in)
	if strings.HasPrefix(lower, "#") || strings.HasPrefix(lower, "<") {
		return fmt.Sprintf("starts with %q: a template echo", leadRunes(in, 12))
	}
	// A label: "Text:", "English Instruction (Thai): ...", "Output - ..."
	if len(words) > 0 {
		k := 0
		if words[0].s == "english" || words[0].s == "candidate" || words[0].s == "final" {
			k = 1
		}
		if k < len(words) && labelWords[words[k].s] {
			rest := lower[strings.Index(lower, words[k].s)+len(words[k].s):]
			rest = strings.TrimLeft(rest, " *_")
			if strings.HasPrefix(rest, "(") {
				if j := strings.IndexByte(rest, ')'); j >= 0 {
					rest = strings.TrimLeft(rest[j+1:], " *_")
				}
			}
			if strings.HasPrefix(rest, ":") {
				label, _, _ := strings.Cut(in, ":")
				return fmt.Sprintf("starts with the label %q: a template echo", label+":")
			}
		}
	}
	if chatter(lower, words) {
		return fmt.Sprintf("starts with %q: the model's chatter, not the instruction", leadRunes(in, 24))
	}
	end := strings.TrimRight(in, " \t\"'”’»*_)")
	if strings.HasSuffix(end, ":") {
		return "ends with a colon: a label or an unfinished request"
	}
	if strings.HasSuffix(end, "?") {
		return ""
	}
	for i := 0; i < len(words); i++ {
		if !words[i].clause {
			continue
		}
		j := i
		for j < len(words) && fillerWords[words[j].s] {
			j++
		}
		if j == len(words) {
			break
		}
		if requestWords[words[j].s] {
			return ""
		}
		if firstPersonRequest(words[j:]) {
			return ""
		}
	}
	return "no request cue: it does not end with \"?\" and no clause starts with a request or question word"
}

func leadRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

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

// firstPersonRequest reports whether words start a first-person request: "I need ...",
// "I'd like ...", "I'm looking for ...", "Let's ...", "Let me know ...".
func firstPersonRequest(words []word) bool {
	at := func(i int) string {
		if i < len(words) {
			return words[i].s
		}
		return ""
	}
	switch at(0) {
	case "let":
		return at(1) == "s" || at(1) == "us" || at(1) == "me"
	case "i":
		switch at(1) {
		case "need", "want", "wish", "wonder", "would", "d", "require", "hope":
			return true
		case "m", "am":
			return iAmDoing[at(2)]
		}
	}
	return false
}

// chatter reports whether lower (with its words) opens with a model's chatter around the
// instruction it was asked for: "Sure, ...", "Certainly! ...", "Here is an instruction
// ...", "The instruction could be ...".
func chatter(lower string, words []word) bool {
	for _, p := range chatterPrefixes {
		if strings.HasPrefix(lower, p) {
			return true
		}
	}
	// "Here is/Here's/Here are ..." with "instruction" in the first six words; not "Here's
	// my situation: ...", which a user may well type.
	if len(words) > 1 && words[0].s == "here" && (words[1].s == "is" || words[1].s == "are" || words[1].s == "s") {
		for _, w := range words[2:min(len(words), 6)] {
			if w.s == "instruction" || w.s == "instructions" {
				return true
			}
		}
	}
	return false
}
