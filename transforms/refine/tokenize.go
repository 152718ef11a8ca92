package refine

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

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
