package langid

import "math/bits"

// lingua-go decides some texts, or narrows their candidates, by the letters its words
// contain, before it scores n-grams. These are its rules (detector.go,
// detectLanguageWithRules and filterLanguagesByRules, and the tables they use,
// language.go's uniqueCharacters and constant.go's charsToLanguagesMapping, copied from
// lingua-go v1.4.0, Apache-2.0, © Peter M. Stahl), restricted to lower-case letters,
// since lingua applies them to lower-cased words. Languages that are not in the model
// are dropped when it is loaded; so are alphabets, which package script replaces.
//
// Without them, lingua's scores favour languages with few n-grams: an n-gram a language
// has never seen adds nothing to its score, so Vietnamese text, whose trigrams Swahili
// lacks, can score best as Swahili.

// uniqueLetters are letters that only one language (of lingua's 75) uses.
var uniqueLetters = map[string]string{
	"de": "ß",
	"pl": "łńśź",
	"vi": "ằầẳẩẵẫắấạặậềẻểẽễếệỉĩịơồờỏổởỗỡốớộợưừủửũữứụựỳỷỹỵ",
	// Also in lingua, for languages not in this model: az ə, ca ï, cs ěřů, eo ĉĝĥĵŝŭ,
	// hu őű, kk әғқңұ, lv ģķļņ, lt ėįų, mk ѓѕќџ, mr ळ, mn өү, ro ţ, sr ђћ, sk ĺľŕ,
	// uk ґєї, yo ōṣ; and es ¿¡, which are not letters.
}

// sharedLetters maps letters to the few languages that use them.
var sharedLetters = map[string][]string{
	"ã":   {"pt", "vi"},
	"ąę":  {"lt", "pl"},
	"ż":   {"pl", "ro"},
	"î":   {"fr", "ro"},
	"ñ":   {"eu", "es"},
	"ň":   {"cs", "sk"},
	"ť":   {"cs", "sk"},
	"ă":   {"ro", "vi"},
	"ığ":  {"az", "tr"},
	"јљњ": {"mk", "sr"},
	"ẹọ":  {"vi", "yo"},
	"ðþ":  {"is", "tr"},
	"û":   {"fr", "hu"},
	"ō":   {"mi", "yo"},
	"āēī": {"lv", "mi", "yo"},
	"ş":   {"az", "ro", "tr"},
	"ď":   {"cs", "ro", "sk"},
	"ć":   {"bs", "hr", "pl"},
	"đ":   {"bs", "hr", "vi"},
	"і":   {"be", "kk", "uk"},
	"ì":   {"it", "vi", "yo"},
	"ø":   {"nb", "da", "nn"},
	"ū":   {"lv", "lt", "mi", "yo"},
	"ë":   {"af", "sq", "nl", "fr"},
	"èù":  {"fr", "it", "vi", "yo"},
	"ê":   {"af", "fr", "pt", "vi"},
	"õ":   {"et", "hu", "pt", "vi"},
	"ô":   {"fr", "pt", "sk", "vi"},
	"ёыэ": {"be", "kk", "mn", "ru"},
	"щъ":  {"bg", "kk", "mn", "ru"},
	"ò":   {"ca", "it", "vi", "yo"},
	"æ":   {"nb", "da", "is", "nn"},
	"å":   {"nb", "da", "nn", "sv"},
	"ý":   {"cs", "is", "sk", "tr", "vi"},
	"ä":   {"et", "fi", "de", "sk", "sv"},
	"à":   {"ca", "fr", "it", "pt", "vi"},
	"â":   {"fr", "pt", "ro", "tr", "vi"},
	"ü":   {"az", "ca", "et", "de", "hu", "es", "tr"},
	"čšž": {"bs", "cs", "hr", "lv", "lt", "sk", "sl"},
	"ç":   {"sq", "az", "eu", "ca", "fr", "pt", "tr"},
	"ö":   {"az", "et", "fi", "de", "hu", "is", "sv", "tr"},
	"ó":   {"ca", "hu", "is", "ga", "pl", "pt", "sk", "es", "vi", "yo"},
	"áíú": {"ca", "cs", "is", "ga", "hu", "pt", "sk", "es", "vi", "yo"},
	"é":   {"ca", "cs", "fr", "hu", "is", "ga", "it", "pt", "sk", "es", "vi", "yo"},
}

// letterRule is what a letter tells about the languages of a group.
type letterRule struct {
	unique int8   // column of the one language that uses the letter, or -1
	shared uint64 // columns of the languages that share it
}

// buildRules fills g.ruleOf and g.rules from the tables above.
func (g *group) buildRules() {
	col := func(lang string) int {
		for c, l := range g.langs {
			if l == lang {
				return c
			}
		}
		return -1
	}
	byRune := map[rune]letterRule{}
	get := func(r rune) letterRule {
		if lr, ok := byRune[r]; ok {
			return lr
		}
		return letterRule{unique: -1}
	}
	for lang, letters := range uniqueLetters {
		if c := col(lang); c >= 0 {
			for _, r := range letters {
				lr := get(r)
				lr.unique = int8(c)
				byRune[r] = lr
			}
		}
	}
	for letters, langs := range sharedLetters {
		var mask uint64
		for _, l := range langs {
			if c := col(l); c >= 0 {
				mask |= 1 << c
			}
		}
		if mask == 0 {
			continue
		}
		for _, r := range letters {
			lr := get(r)
			lr.shared |= mask
			byRune[r] = lr
		}
	}
	g.ruleOf = make([]uint8, foldSize)
	g.rules = []letterRule{{unique: -1}} // rule 0: none
	// Deterministic order: by rune.
	for r := rune(0); r < foldSize; r++ {
		if lr, ok := byRune[r]; ok {
			g.ruleOf[r] = uint8(len(g.rules))
			g.rules = append(g.rules, lr)
		}
	}
	if len(g.rules) > 255 {
		panic("langid: too many letter rules")
	}
}

// ruleState accumulates, word by word, what lingua's rules need.
type ruleState struct {
	words      int // words so far, of any length
	unknown    int // words that no unique letter attributes to one language
	byUnique   [maxLangs]uint16
	byShared   [maxLangs]uint16
	wordUnique [maxLangs]uint16 // unique letters per language in the current word
	wordMask   uint64           // languages with a unique letter in the current word
	wordShared [16]rune         // distinct shared letters of the current word
	nShared    int
}

// letter notes a letter of the current word that has rule lr.
func (s *ruleState) letter(r rune, lr *letterRule) {
	if lr.unique >= 0 {
		s.wordUnique[lr.unique]++
		s.wordMask |= 1 << lr.unique
	}
	if lr.shared != 0 && s.nShared < len(s.wordShared) {
		for _, x := range s.wordShared[:s.nShared] {
			if x == r {
				return
			}
		}
		s.wordShared[s.nShared] = r
		s.nShared++
	}
}

// endWord closes the current word.
func (s *ruleState) endWord(g *group) {
	s.words++
	switch bits.OnesCount64(s.wordMask) {
	case 0:
		s.unknown++
	case 1:
		s.byUnique[bits.TrailingZeros64(s.wordMask)]++
	default: // the language with the most unique letters, if there is one
		best, bestN, secondN := -1, uint16(0), uint16(0)
		for m := s.wordMask; m != 0; m &= m - 1 {
			c := bits.TrailingZeros64(m)
			switch n := s.wordUnique[c]; {
			case n > bestN:
				best, bestN, secondN = c, n, bestN
			case n > secondN:
				secondN = n
			}
		}
		if bestN > secondN {
			s.byUnique[best]++
		} else {
			s.unknown++
		}
	}
	for m := s.wordMask; m != 0; m &= m - 1 {
		s.wordUnique[bits.TrailingZeros64(m)] = 0
	}
	s.wordMask = 0
	for _, r := range s.wordShared[:s.nShared] {
		for m := g.rules[g.ruleOf[r]].shared; m != 0; m &= m - 1 {
			s.byShared[bits.TrailingZeros64(m)]++
		}
	}
	s.nShared = 0
}

// decided is lingua's detectLanguageWithRules: the language that most words are
// attributed to by their unique letters, if that is a clear majority over the other
// languages and, unless fewer than half the words are unattributed, over those too.
// It returns -1 when the rules do not decide.
func (s *ruleState) decided(width int) int {
	best, bestN, secondN, entries := -1, 0, 0, 0
	consider := func(c, n int) {
		entries++
		switch {
		case n > bestN:
			best, bestN, secondN = c, n, bestN
		case n > secondN:
			secondN = n
		}
	}
	if s.unknown > 0 && 2*s.unknown >= s.words {
		consider(-1, s.unknown)
	}
	for c := range width {
		if n := int(s.byUnique[c]); n > 0 {
			consider(c, n)
		}
	}
	if entries == 0 || (entries > 1 && bestN == secondN) {
		return -1
	}
	return best
}

// candidates is the letter part of lingua's filterLanguagesByRules: the languages whose
// shared letters occur in at least half the words (counting each distinct letter of a
// word once), or all of them if there are none.
func (s *ruleState) candidates(width int) uint64 {
	var mask uint64
	for c := range width {
		if 2*int(s.byShared[c]) >= s.words && s.byShared[c] > 0 {
			mask |= 1 << c
		}
	}
	if mask == 0 {
		return 1<<width - 1
	}
	return mask
}
