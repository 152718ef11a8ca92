package topics

import "strings"

// lemmaVerb returns the base form of a lower-case verb tagged tag (Penn Treebank tags).
// VB and VBP are base forms already. The others lose their ending by rule, after a table
// of irregular verbs: -ies/-ied -> -y; -es after ss, x, zz, ch, sh, o; otherwise -s; -ed and
// -ing, undoubling a doubled final consonant ("stopped" -> stop) and restoring a silent e
// where the stem's ending calls for one (see needsE).
func lemmaVerb(w, tag string) string {
	if l, ok := irregularVerbs[w]; ok {
		return l
	}
	switch tag {
	case "VBZ":
		switch {
		case strings.HasSuffix(w, "ies") && len(w) > 4:
			return w[:len(w)-3] + "y"
		case strings.HasSuffix(w, "sses"), strings.HasSuffix(w, "xes"), strings.HasSuffix(w, "zzes"),
			strings.HasSuffix(w, "ches"), strings.HasSuffix(w, "shes"), strings.HasSuffix(w, "oes"):
			return w[:len(w)-2]
		case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && len(w) > 2:
			return w[:len(w)-1]
		}
	case "VBD", "VBN":
		switch {
		case strings.HasSuffix(w, "ied") && len(w) > 4:
			return w[:len(w)-3] + "y"
		case strings.HasSuffix(w, "ed") && len(w) > 3:
			return restore(w[:len(w)-2])
		}
	case "VBG":
		if strings.HasSuffix(w, "ing") && len(w) > 5 {
			return restore(w[:len(w)-3])
		}
	}
	return w
}

// restore turns the stem left by removing -ed or -ing into the base form.
func restore(stem string) string {
	n := len(stem)
	if n >= 3 && stem[n-1] == stem[n-2] && isConsonant(stem[n-1]) && !strings.ContainsRune("lsz", rune(stem[n-1])) {
		return stem[:n-1] // stopped, planned, submitted
	}
	if needsE(stem) {
		return stem + "e"
	}
	return stem
}

// needsE reports whether a stem lost a silent e: after c, v or z (produce, solve, analyze);
// after a single vowel + k or s (make, use, revise) or a consonant + s (collapse, parse,
// license); after a consonant + l (handle, title); after the endings -ate, -ute, -ote, -ibe,
// -ide, -ose, -ange, -rge, -dge, -age, -ine, -ure, -are, -ire, -ore, -ete (create, compute,
// quote, describe, provide, compose, change, merge, judge, engage, define, ensure, compare,
// require, explore, complete). It is a rule of thumb, right for the verbs instructions use
// most; irregularVerbs lists the exceptions met.
func needsE(stem string) bool {
	n := len(stem)
	if n < 2 {
		return false
	}
	last, prev := stem[n-1], stem[n-2]
	switch {
	case last == 'c' || last == 'v' || last == 'z':
		return true
	case last == 's':
		return prev != 's' // use, revise, collapse, parse; not discuss, process
	case last == 'k':
		return isVowel(prev) && n >= 3 && !isVowel(stem[n-3]) // make, take; not look, ask
	case last == 'l':
		return isConsonant(prev) && prev != 'l' && prev != 'r'
	}
	for _, end := range []string{"at", "ut", "ot", "ib", "id", "os", "ang", "rg", "dg", "ag", "ur", "ar", "ir", "or", "plet", "elet", "pet"} {
		if strings.HasSuffix(stem, end) {
			v := n - len(end) - 1 // the letter before the ending
			if end == "at" {
				return !strings.HasSuffix(stem, "eat") && !strings.HasSuffix(stem, "oat") // not repeat, float
			}
			if end == "ur" || end == "ar" || end == "ir" || end == "or" || end == "id" || end == "at" || end == "ut" || end == "ot" || end == "ag" {
				// a single vowel before the ending's consonant: not "appear", "repeat", "shout"
				return v >= 0 && (isConsonant(stem[v]) || (stem[v] == 'u' && v > 0 && stem[v-1] == 'q')) // require
			}
			return true
		}
	}
	if strings.HasSuffix(stem, "in") && n >= 3 && isConsonant(stem[n-3]) {
		return true // define, combine, determine; not explain, join
	}
	return false
}

func isVowel(b byte) bool { return strings.IndexByte("aeiou", b) >= 0 }

func isConsonant(b byte) bool { return b >= 'a' && b <= 'z' && !isVowel(b) }

// irregularVerbs maps inflected forms that the rules get wrong to their base forms.
var irregularVerbs = map[string]string{
	"is": "be", "are": "be", "am": "be", "was": "be", "were": "be", "been": "be", "being": "be", "'s": "be", "'re": "be", "'m": "be",
	"does": "do", "did": "do", "done": "do", "doing": "do",
	"has": "have", "had": "have", "having": "have", "'ve": "have",
	"given": "give", "gave": "give", "written": "write", "wrote": "write", "writing": "write",
	"made": "make", "took": "take", "taken": "take", "saw": "see", "seen": "see", "said": "say",
	"told": "tell", "found": "find", "thought": "think", "brought": "bring", "bought": "buy",
	"chose": "choose", "chosen": "choose", "knew": "know", "known": "know", "showed": "show", "shown": "show",
	"drew": "draw", "drawn": "draw", "got": "get", "gotten": "get", "built": "build", "sent": "send",
	"spent": "spend", "held": "hold", "kept": "keep", "left": "leave", "led": "lead", "meant": "mean",
	"ran": "run", "began": "begin", "begun": "begin", "became": "become", "came": "come", "felt": "feel",
	"understood": "understand", "taught": "teach", "caught": "catch", "sold": "sell", "paid": "pay",
	"heard": "hear", "won": "win", "lost": "lose", "fed": "feed", "fell": "fall", "fallen": "fall",
	"forgot": "forget", "forgotten": "forget", "hid": "hide", "hidden": "hide", "broke": "break", "broken": "break",
	"stood": "stand", "spoke": "speak", "spoken": "speak", "sang": "sing", "sung": "sing", "ate": "eat", "eaten": "eat",
	"went": "go", "gone": "go", "grew": "grow", "grown": "grow", "threw": "throw", "thrown": "throw",
	"wore": "wear", "worn": "wear", "rode": "ride", "ridden": "ride", "rose": "rise", "risen": "rise",
	"drove": "drive", "driven": "drive", "flew": "fly", "flown": "fly", "met": "meet", "read": "read",
	"focused": "focus", "focusing": "focus", "biased": "bias", "visited": "visit", "edited": "edit",
	"limited": "limit", "exhibited": "exhibit", "credited": "credit", "offered": "offer", "entered": "enter",
	"answered": "answer", "considered": "consider", "covered": "cover", "delivered": "deliver",
	"discovered": "discover", "ordered": "order", "remembered": "remember", "monitored": "monitor",
	"colored": "color", "happened": "happen", "opened": "open", "listened": "listen", "targeted": "target",
	"developed": "develop", "appeared": "appear", "rated": "rate", "dated": "date", "stated": "state",
	"noted": "note", "voted": "vote", "quoted": "quote", "cited": "cite", "invited": "invite",
	"united": "unite", "excited": "excite", "noticed": "notice", "created": "create", "creating": "create",
	"caused": "cause", "controlled": "control", "labelled": "label", "travelled": "travel", "modelled": "model",
	"cancelled": "cancel", "treated": "treat", "heated": "heat",
}

// lemmaNoun returns the singular of a lower-case noun: plural tags (NNS, NNPS) lose -ies
// -> -y, -es after ss, x, ch, sh, or a plain -s (not after s, u or i: "class", "status",
// "analysis"), after a table of irregular plurals and of nouns that end in s in the
// singular.
func lemmaNoun(w, tag string) string {
	if tag != "NNS" && tag != "NNPS" {
		return w
	}
	if l, ok := irregularNouns[w]; ok {
		return l
	}
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"), strings.HasSuffix(w, "xes"), strings.HasSuffix(w, "ches"), strings.HasSuffix(w, "shes"):
		return w[:len(w)-2]
	case strings.HasSuffix(w, "s") && len(w) > 2 && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:len(w)-1]
	}
	return w
}

var irregularNouns = map[string]string{
	"people": "people", "children": "child", "men": "man", "women": "woman", "feet": "foot", "teeth": "tooth",
	"mice": "mouse", "data": "data", "criteria": "criterion", "phenomena": "phenomenon", "analyses": "analysis",
	"hypotheses": "hypothesis", "theses": "thesis", "crises": "crisis", "indices": "index", "matrices": "matrix",
	"lives": "life", "wives": "wife", "knives": "knife", "leaves": "leaf", "halves": "half", "shelves": "shelf",
	"news": "news", "series": "series", "species": "species", "physics": "physics", "mathematics": "mathematics",
	"economics": "economics", "politics": "politics", "statistics": "statistics", "ethics": "ethics",
	"lyrics": "lyrics", "pros": "pro", "cons": "con", "quizzes": "quiz", "heroes": "hero", "potatoes": "potato",
	"tomatoes": "tomato", "businesses": "business", "analytics": "analytics", "graphics": "graphics",
	"movies": "movie", "cookies": "cookie", "calories": "calorie", "zombies": "zombie", "smoothies": "smoothie",
	"brownies": "brownie", "selfies": "selfie", "pies": "pie", "ties": "tie", "lies": "lie", "headaches": "headache",
}
