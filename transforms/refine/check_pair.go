package refine

import (
	"fmt"
	"strings"
	"unicode/utf8"
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
