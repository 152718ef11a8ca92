package refine

import "strings"

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
