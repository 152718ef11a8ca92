package langid

import (
	_ "embed"
	"math"
	"math/bits"
	"slices"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/xinstruct/xinstruct/internal/script"
)

// DefaultMaxLetters is how many letters of a text Detect looks at: the first this-many.
// Measured on the 3175 documents of the shared corpora: 3172 right with the first 400
// letters, 3174 with whole texts. The documents whose answer changes with the window
// are mostly lists of foreign names (heads of state, a river's name in ten languages).
const DefaultMaxLetters = 400

// Result of language identification.
type Result struct {
	Lang       string  // ISO 639-1, lower case; "" when undetermined (no letters, or no candidate scored)
	Confidence float64 // in [0,1]: the best language's share of probability among the candidates
}

// A Detector identifies languages. It is immutable once loaded, and safe for concurrent
// use. Get one from Default; the zero Detector is not usable.
type Detector struct {
	groups [script.NumScripts]*group // scripts with several languages: scored
	single [script.NumScripts]string // scripts with one language: decided by script
	langs  []string                  // sorted: every language Detect can return
	fold   *[foldSize]uint32         // lower-case letter of each rune below foldSize; 0 for non-letters
}

//go:embed model.bin.gz
var modelData []byte

var loadDefault = sync.OnceValue(func() *Detector {
	d, err := parseModel(modelData)
	if err != nil {
		panic(err)
	}
	return d
})

// Default returns the Detector of the embedded model, loading it on the first call. It
// panics only if the embedded model is corrupt.
func Default() *Detector { return loadDefault() }

// Languages returns the ISO 639-1 codes of the languages Detect can return, sorted:
// the model's languages, and zh, ja and ko, which are told apart by script.
func (d *Detector) Languages() []string { return slices.Clone(d.langs) }

// foldSize bounds the lower-casing table: it covers every script the model scores
// (Latin up to Latin Extended Additional, Arabic) and those decided by script.
const foldSize = 0x2000

func (d *Detector) init() {
	langs := []string{"ja", "ko", "zh"}
	for s := range script.NumScripts {
		if d.single[s] != "" {
			langs = append(langs, d.single[s])
		}
		if g := d.groups[s]; g != nil {
			langs = append(langs, g.langs...)
		}
	}
	slices.Sort(langs)
	d.langs = langs
	d.fold = new([foldSize]uint32)
	for r := range rune(foldSize) {
		if unicode.IsLetter(r) {
			d.fold[r] = uint32(unicode.ToLower(r))
		}
	}
}

// lower returns the lower-case form of r if r is a letter (Unicode category L), and 0
// otherwise.
func (d *Detector) lower(r rune) rune {
	if r < foldSize {
		return rune(d.fold[r])
	}
	if unicode.IsLetter(r) {
		return unicode.ToLower(r)
	}
	return 0
}

// Detect returns the language of text, judged by its first DefaultMaxLetters letters.
// It makes no allocations.
//
// The candidates are the languages of the script that most of those letters are in
// (package script). A script that only one language of the model uses decides alone
// (Thai, Tamil, Bengali, Devanagari, Cyrillic). CJK text is ko if it has more Hangul
// than kana, else ja if it has any kana, else zh. Latin and Arabic script text is
// scored as lingua-go's low-accuracy mode scores it:
//
//   - Words are the runs of letters of the lower-cased text.
//   - Letter rules (rules.go): if most words have a letter that only one candidate uses
//     (such as Vietnamese ư), that candidate wins with confidence 1; otherwise, if some
//     candidates' shared letters (such as ã for pt and vi) are in at least half of the
//     words, only those remain.
//   - Every distinct trigram of the words adds to each candidate's sum the
//     log-probability of the trigram in it, or failing that of the trigram's first two
//     letters, or failing that of its first letter, or nothing.
//   - Among the candidates whose sum is below zero, the highest sum wins, with the
//     confidence exp(sumₗ) / Σₖ exp(sumₖ).
//
// Lang is "" when text has no letters, when its script is one no language of the model
// is written in (Greek, say), or when no letter rule decides and fewer than three letters
// are scored, no candidate's sum is below zero, or the best two tie. Confidence is then 0.
//
// When the dominant script holds less than half of the letters, the confidence is
// multiplied by twice that share: text split between scripts is not confidently any
// one language.
func (d *Detector) Detect(text string) Result {
	var counts script.Counts
	end, n := d.scan(text, DefaultMaxLetters, &counts)
	return d.detect(text[:end], n, &counts)
}

// DetectCount returns Detect(text) and script.Count(text), in less time than both: the
// letters Detect looks at are counted by script once, for both.
func (d *Detector) DetectCount(text string) (Result, script.Counts) {
	var counts script.Counts
	end, n := d.scan(text, DefaultMaxLetters, &counts)
	res := d.detect(text[:end], n, &counts)
	all := script.Count(text[end:])
	all.Letters += counts.Letters
	for s, c := range counts.ByScript {
		all.ByScript[s] += c
	}
	return res, all
}

// detect is Detect after the scan: text is the scanned prefix, n its letters, and
// counts its letters by script.
func (d *Detector) detect(text string, n int, counts *script.Counts) Result {
	if n == 0 {
		return Result{}
	}
	dom := counts.Dominant()
	lang, conf := "", 1.0
	switch {
	case dom == script.Han:
		lang = cjk(text)
	case d.single[dom] != "":
		lang = d.single[dom]
	case d.groups[dom] != nil:
		lang, conf = d.groups[dom].score(d, text)
	}
	if lang == "" {
		return Result{}
	}
	return Result{Lang: lang, Confidence: conf * min(1, 2*counts.Share(dom))}
}

// scan returns the length in bytes of the shortest prefix of text that holds limit
// letters, or of the whole text if it has fewer, and the number of letters in it. It
// adds the prefix's letters to counts by script, as script.Count(text[:end]) would count
// them, in the same pass.
func (d *Detector) scan(text string, limit int, counts *script.Counts) (end, n int) {
	for i := 0; i < len(text); {
		if c := text[i]; c < utf8.RuneSelf {
			i++
			if (c|0x20)-'a' < 26 {
				counts.Letters++
				counts.ByScript[script.Latin]++
				if n++; n == limit {
					return i, n
				}
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		if s, ok := script.Letter(r); ok {
			counts.Letters++
			counts.ByScript[s]++
		}
		if d.lower(r) != 0 {
			if n++; n == limit {
				return i, n
			}
		}
	}
	return len(text), n
}

// cjk tells Korean, Japanese and Chinese text apart: Korean if it has more Hangul than
// kana, else Japanese if it has any kana (as lingua, which calls a text with Han and kana
// Japanese), else Chinese.
func cjk(text string) string {
	var hangul, kana int
	for _, r := range text {
		switch {
		case r < 0x1100:
		case unicode.Is(unicode.Hangul, r):
			hangul++
		case unicode.In(r, unicode.Hiragana, unicode.Katakana):
			kana++
		}
	}
	switch {
	case hangul > kana:
		return "ko"
	case kana > 0:
		return "ja"
	}
	return "zh"
}

// isCJK reports whether r is a Han, Hangul, Hiragana or Katakana letter: lingua makes
// each of those a word of its own.
func isCJK(r rune) bool {
	return (r >= 0x1100 && r <= 0x11FF) ||
		(r >= 0x2E80 && unicode.In(r, unicode.Han, unicode.Hangul, unicode.Hiragana, unicode.Katakana))
}

// seenSize is the size of the set of distinct trigrams of one text: at least twice
// the most trigrams DefaultMaxLetters letters can form, so that probing stays short.
const (
	seenBits = 10
	seenSize = 1 << seenBits
	_        = uint(seenSize - 2*DefaultMaxLetters) // compile-time check
)

// score scores text, whose letters must number at most DefaultMaxLetters, against g's
// languages, and returns the best one and its confidence ("" when none).
func (g *group) score(d *Detector, text string) (string, float64) {
	var seen [seenSize]uint64 // distinct trigrams; 0 marks an empty slot
	var sums [maxLangs]float64
	var rs ruleState
	var gram uint64 // the last up-to-three letters of the current word, packed
	inWord, letters := 0, 0
	for _, r := range text {
		var l rune
		if r < utf8.RuneSelf {
			if c := r | 0x20; uint32(c-'a') < 26 {
				l = c
			}
		} else if !isCJK(r) {
			l = d.lower(r)
		}
		if l == 0 {
			if inWord > 0 {
				rs.endWord(g)
			}
			if r >= utf8.RuneSelf && isCJK(r) { // a word of its own
				rs.words++
				rs.unknown++
			}
			gram, inWord = 0, 0
			continue
		}
		letters++
		if l < foldSize {
			if i := g.ruleOf[l]; i != 0 {
				rs.letter(l, &g.rules[i])
			}
		}
		gram = packRunes(gram, l) & (1<<(3*runeBits) - 1)
		if inWord++; inWord < 3 {
			continue
		}
		// Insert gram into seen; score it if it is new.
		i := (gram * 0x9E3779B97F4A7C15) >> (64 - seenBits)
		for seen[i] != 0 && seen[i] != gram {
			i = (i + 1) & (seenSize - 1)
		}
		if seen[i] == gram {
			continue
		}
		seen[i] = gram
		row := g.tab.get(gram)
		if row < 0 { // no candidate has the trigram: back off for all of them
			if row = g.tab.get(gram >> runeBits); row < 0 {
				if row = g.tab.get(gram >> (2 * runeBits)); row < 0 {
					continue
				}
			}
		}
		for c, v := range g.rows[row*g.width : (row+1)*g.width] {
			sums[c] += float64(v)
		}
	}
	if inWord > 0 {
		rs.endWord(g)
	}
	if rs.words == 0 {
		return "", 0
	}
	if c := rs.decided(g.width); c >= 0 {
		return g.langs[c], 1
	}
	cands := rs.candidates(g.width)
	if bits.OnesCount64(cands) == 1 {
		return g.langs[bits.TrailingZeros64(cands)], 1
	}
	if letters < 3 {
		return "", 0
	}

	// As lingua: only candidates whose sum is below zero count.
	best, second := -1, -1
	for c := range g.width {
		switch s := sums[c]; {
		case cands&(1<<c) == 0 || s >= 0:
		case best < 0 || s > sums[best]:
			best, second = c, best
		case second < 0 || s > sums[second]:
			second = c
		}
	}
	if best < 0 || (second >= 0 && sums[second] == sums[best]) {
		return "", 0
	}
	denom := 0.0
	for c := range g.width {
		if cands&(1<<c) != 0 && sums[c] < 0 {
			denom += math.Exp(sums[c] - sums[best])
		}
	}
	return g.langs[best], 1 / denom
}
