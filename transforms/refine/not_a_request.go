package refine

import (
	"fmt"
	"strings"
)

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
