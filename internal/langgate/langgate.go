// Package langgate checks that an answer is in the language it was asked in: the eval
// pipeline's answer-language gate. An answer in another language is off-language whatever
// its content; an answer with little prose (code, formulas) cannot be judged by its
// language and passes.
package langgate

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/xinstruct/xinstruct/internal/langid"
	"github.com/xinstruct/xinstruct/internal/script"
)

// Result of checking that an answer is in the language it was asked in.
type Result struct {
	OK         bool    // the answer is in lang, or there is too little language evidence to say otherwise
	Detected   string  // the language identified on the evidence ("" when undetermined)
	Confidence float64 // the share of the evidence's letters in Detected, times language ID's confidence in it
	Letters    int     // letters of language evidence (after removing code, URLs, formulas)
	Reason     string  // when !OK, e.g. "detected en (0.97), asked in ta"; when OK for lack of evidence, "too little text"
}

// Thresholds, measured on the shared corpora (see langgate_test.go, TestCorpora and
// TestShortPrefixes, for the figures).
const (
	// MinLetters is the least evidence, in letters, that Check judges: below it an
	// answer is OK ("too little text"). A one-line answer ("Kyllä, 42.") or a formula
	// has no language to speak of. From 20 letters on the script check is nearly
	// reliable: of the first 20 letters of the non-Latin corpora's 1518 documents, 10
	// are mostly Latin (texts that open with a Latin name or an English title: bn 1, hi
	// 1, th 3, ur 5, ta 0), and whole documents all pass. Language ID is not reliable
	// on so little, and needs minIDLetters.
	MinLetters = 20
	// minScriptShare: an answer whose evidence has less than this share of its letters
	// in the target language's script is off-language. Every corpus document has at
	// least 0.75 (the corpora were built with that floor, Hindi and Thai XQuAD
	// translations with many Latin names included); an English answer to a Tamil
	// question has none. The line is drawn at "mostly": a native answer that names
	// products and code identifiers in Latin letters keeps well over half of its
	// letters in its own script.
	minScriptShare = 0.5
	// minConfidence is the least confidence with which language ID must name another
	// language, over at least offShare of the evidence's letters, for the answer to be
	// off-language. On text in another language it is near 1 (the English answers of
	// the tests: 1.00; the corpora checked against a wrong language of the same
	// script: 99.9% off). Confidence does not catch language ID's own mistakes: the
	// 2 of 3175 corpus documents it gets wrong, and most of its mistakes on short
	// prefixes, come with 0.9-1.0 (minIDLetters handles those); 0.7 only keeps chunks
	// it is unsure of (mixed or name-heavy text, 0.3-0.6) from counting.
	minConfidence = 0.7
	// offShare is the share of the evidence's letters that must be in chunks confidently
	// identified as one other language.
	offShare = 0.5
	// chunkLetters is the size of the chunks that language ID scores: it reads only
	// the first langid.DefaultMaxLetters letters of a text, so a long answer is cut
	// into chunks of about that many letters at white space and each chunk is scored.
	chunkLetters = langid.DefaultMaxLetters
	// minIDLetters is the least evidence on which language ID alone may call an answer
	// off-language. On shorter text it is often confidently wrong: on the corpora's
	// prefixes of 40 letters it names a wrong language with confidence >= 0.7 for
	// 5-9% of the id, sw and tr documents, at 60 letters 1-5%, at 100 letters under 1%.
	minIDLetters = 100
	// minEnglishShare: below minIDLetters, an answer is off-language only as English:
	// if language ID says English (with minConfidence, over offShare of the letters)
	// and at least this share of its words are common English function words
	// (englishWords). Measured: of the corpora's 3175 documents, the prefixes of 30-99
	// letters that language ID takes for English have at most 0.33 (Finnish, whose
	// share comes from an English title), most have none; one-sentence English answers
	// have 0.12-0.67, half of them more than 0.35. Short English answers made of
	// content words only ("Drink water and get enough sleep every night.") pass.
	minEnglishShare = 0.35
)

// Check reports whether answer is in lang (ISO 639-1), judged on its Evidence.
//
// The answer is off-language (OK false) when either
//
//   - less than minScriptShare of the evidence's letters are in lang's script (package
//     script; only for languages whose script is known): Latin letters for a Tamil
//     answer, Devanagari for a Finnish one; or
//   - language ID (package langid), reading the evidence in chunks of about
//     langid.DefaultMaxLetters letters, names one other language with at least
//     minConfidence for chunks holding at least offShare of the letters.
//
// With fewer than MinLetters letters of evidence, the answer is OK with Reason
// "too little text"; for a language that neither package script nor langid knows, with
// Reason "unknown language". Between MinLetters and minIDLetters letters, language ID
// alone calls an answer off-language only as English with English function words in it
// (see minEnglishShare): on so little text it is too often wrong.
//
// Code, identifiers in backticks, URLs and formulas are not evidence (Evidence); a few
// English terms or Latin-script names inside native prose move neither the script share
// nor the chunks' language.
func Check(answer, lang string) Result {
	ev := Evidence(answer)
	counts := script.Count(ev)
	res := Result{Letters: counts.Letters}
	if counts.Letters < MinLetters {
		res.OK, res.Reason = true, "too little text"
		return res
	}
	want, scriptKnown := script.ForLanguage(lang)
	if !scriptKnown && !knownLanguage(lang) {
		res.OK, res.Reason = true, "unknown language"
		return res
	}
	det := detect(ev)
	res.Detected, res.Confidence = det.lang, det.conf
	var why []string
	if scriptKnown {
		if share := counts.Share(want); share < minScriptShare {
			dom := counts.Dominant()
			why = append(why, fmt.Sprintf("%.0f%% of the letters are %s, %.0f%% %s",
				100*counts.Share(dom), dom, 100*share, want))
		}
	}
	other := det.lang != "" && det.lang != lang
	idOff := other && det.offShare >= offShare && knownLanguage(lang) &&
		(counts.Letters >= minIDLetters || (det.lang == "en" && englishShare(ev) >= minEnglishShare))
	if !idOff && len(why) == 0 {
		res.OK = true
		return res
	}
	if other {
		// Name the language first: "detected en (0.97), asked in ta".
		why = append([]string{fmt.Sprintf("detected %s (%.2f)", det.lang, det.langConf)}, why...)
	}
	res.Reason = strings.Join(why, "; ") + ", asked in " + lang
	return res
}

// knownLanguage reports whether language ID can return lang: for any other language, it
// names a neighbour (Malay text is Indonesian to it), so only the script is checked.
func knownLanguage(lang string) bool {
	return slices.Contains(detectable(), lang)
}

var detectable = sync.OnceValue(func() []string { return langid.Default().Languages() })

// detection is language ID's reading of the evidence, chunk by chunk.
type detection struct {
	lang     string  // the language with the most letters' worth of confident chunks, or "" if none
	conf     float64 // letters of lang's chunks times their confidence, over all letters
	langConf float64 // mean confidence of lang's chunks, weighted by letters
	offShare float64 // share of the letters in lang's chunks with at least minConfidence
}

// detect runs language ID on chunks of text.
func detect(text string) detection {
	d := langid.Default()
	type tally struct {
		letters, confident int
		weighted           float64
	}
	tallies := map[string]*tally{}
	total := 0
	for _, chunk := range chunks(text, chunkLetters) {
		r, counts := d.DetectCount(chunk)
		n := counts.Letters
		total += n
		if r.Lang == "" {
			continue
		}
		t := tallies[r.Lang]
		if t == nil {
			t = &tally{}
			tallies[r.Lang] = t
		}
		t.letters += n
		t.weighted += float64(n) * r.Confidence
		if r.Confidence >= minConfidence {
			t.confident += n
		}
	}
	var best detection
	bestW := 0.0
	for lang, t := range tallies {
		if t.weighted > bestW || (t.weighted == bestW && lang < best.lang) {
			bestW = t.weighted
			best = detection{lang: lang, conf: t.weighted / float64(total),
				langConf: t.weighted / float64(t.letters), offShare: float64(t.confident) / float64(total)}
		}
	}
	return best
}

// chunks cuts text at white space into pieces of about size letters each (the last
// piece takes the rest if it would be less than half of size).
func chunks(text string, size int) []string {
	var out []string
	start, letters := 0, 0
	for i := 0; i < len(text); {
		r, w := utf8.DecodeRuneInString(text[i:])
		if _, ok := script.Letter(r); ok {
			letters++
		}
		i += w
		if letters >= size && unicode.IsSpace(r) {
			out = append(out, text[start:i])
			start, letters = i, 0
		}
	}
	if start < len(text) {
		if len(out) > 0 && letters < size/2 {
			out[len(out)-1] += text[start:]
		} else {
			out = append(out, text[start:])
		}
	}
	return out
}

// englishWords are common English function words that are not words of the target
// languages ("on" is Finnish, "di" Indonesian, "a" and "i" too many languages').
var englishWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`the and of to is in that it for you with are this be as can
		your or have by an not at from will if they we what which there was were has been would
		should could do does their its these those than then also but how when where who why
		into about more most some such only other any each very just so because while use used`) {
		englishWords[w] = true
	}
}

// englishShare returns the share of text's words (runs of letters) that are in
// englishWords.
func englishShare(text string) float64 {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' })
	if len(words) == 0 {
		return 0
	}
	n := 0
	for _, w := range words {
		if englishWords[w] {
			n++
		}
	}
	return float64(n) / float64(len(words))
}
