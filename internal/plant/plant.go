// Package plant makes edited copies of documents: the near-duplicates that the neardup
// tests and benchmark plant among real documents, one kind of edit at a time.
package plant

import (
	"math/rand/v2"
	"strings"
)

// Kinds of edit, each a way web copies of one text differ.
const (
	Word        = "word"        // two words of one sentence replaced (a date, a name)
	Sentence    = "sentence"    // one sentence replaced by a sentence of another document
	Boilerplate = "boilerplate" // a share/copyright line added at the end
	Reorder     = "reorder"     // the sentences (or paragraphs) in another order
)

// Kinds are the edits, in the order the benchmark reports them.
var Kinds = []string{Word, Sentence, Boilerplate, Reorder}

// boilerplate is what Boilerplate appends: the kind of footer scraped pages carry.
const boilerplate = "Share this: Facebook · X · WhatsApp · Email. © 2024 All rights reserved."

// Sentences splits text after . ! ? । ۔ ؟ and at line breaks; Thai, which marks no
// sentence end, at spaces. Joining the parts with "" gives text back.
func Sentences(text, lang string) []string {
	var out []string
	start := 0
	rs := []rune(text)
	pos := 0 // byte offset of rs[i]
	for i, r := range rs {
		pos += len(string(r))
		end := false
		switch {
		case lang == "th":
			end = r == ' '
		case r == '\n':
			end = true
		case strings.ContainsRune(".!?।۔؟", r):
			end = i+1 < len(rs) && (rs[i+1] == ' ' || rs[i+1] == '\n')
			if end { // take the space with the sentence
				continue
			}
		case r == ' ' && i > 0 && strings.ContainsRune(".!?।۔؟", rs[i-1]):
			end = true
		}
		if end && pos > start {
			out = append(out, text[start:pos])
			start = pos
		}
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

// Edit returns an edited copy of text (of language lang) of the given kind; other is
// another document's text, the source of a replacement sentence or words. ok is false
// when text has too few sentences (or words) for the edit.
func Edit(r *rand.Rand, kind, text, lang, other string) (string, bool) {
	ss := Sentences(text, lang)
	switch kind {
	case Word:
		ws := strings.Fields(text)
		ow := strings.Fields(other)
		if len(ws) < 4 || len(ow) < 2 {
			return "", false
		}
		i := r.IntN(len(ws) - 1)
		ws[i], ws[i+1] = ow[r.IntN(len(ow))], ow[r.IntN(len(ow))]
		return strings.Join(ws, " "), true
	case Sentence:
		os := Sentences(other, lang)
		if len(ss) < 2 || len(os) < 1 {
			return "", false
		}
		i := r.IntN(len(ss))
		repl := strings.TrimRight(os[r.IntN(len(os))], " \n")
		if trail := ss[i][len(strings.TrimRight(ss[i], " \n")):]; trail != "" {
			repl += trail
		} else if i < len(ss)-1 {
			repl += " "
		}
		ss[i] = repl
		return strings.Join(ss, ""), true
	case Boilerplate:
		return text + "\n" + boilerplate, true
	case Reorder:
		if len(ss) < 3 {
			return "", false
		}
		for i := range ss {
			ss[i] = strings.TrimRight(ss[i], " \n")
		}
		// Rotate by a third: every sentence stays whole, two or three boundaries change.
		k := max(1, len(ss)/3)
		ss = append(ss[k:], ss[:k]...)
		return strings.Join(ss, " "), true
	}
	panic("plant: unknown edit " + kind)
}
