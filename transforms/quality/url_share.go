package quality

import "strings"

// urlShare fails a text in which URLs and e-mail addresses make up more than max of the
// non-space runes.
func urlShare(text string, c counts, max float64) (string, bool) {
	n := urlRunes(text)
	if n == 0 {
		return "", false
	}
	if s := share(n, c.nonSpace); s > max {
		return "URL share " + cmp(s, ">", max), true
	}
	return "", false
}

// urlRunes returns how many runes of text are in URLs ("scheme://...", "www....") and
// e-mail addresses ("name@host.tld"). A URL ends at white space, a quote or angle bracket,
// or a non-ASCII rune (so that it stops where Thai text resumes without a space), and
// trailing sentence punctuation is not part of it. "@name" mentions are not addresses.
func urlRunes(text string) int {
	total, pos := 0, 0         // pos: where the next URL may start, after the last one
	next := [3]int{-1, -1, -1} // next "://", "www." and "@" at or after pos; -1: not searched
	pats := [3]string{"://", "www.", "@"}
	for {
		best, at := -1, len(text)
		for k := range next {
			if next[k] >= 0 && next[k] < pos {
				next[k] = -1
			}
			if next[k] < 0 {
				i := strings.Index(text[pos:], pats[k])
				if i < 0 {
					next[k] = len(text)
				} else {
					next[k] = pos + i
				}
			}
			if next[k] < at {
				best, at = k, next[k]
			}
		}
		if best < 0 {
			return total
		}
		start, end := at, at
		switch best {
		case 0: // scheme://
			for start > pos && isASCIILetter(text[start-1]) {
				start--
			}
			if start < at {
				end = urlEnd(text, at+3)
			}
		case 1: // www.
			end = urlEnd(text, at+4)
		case 2: // e-mail: local@domain.tld
			for start > pos && isEmailLocal(text[start-1]) {
				start--
			}
			end = at + 1
			for end < len(text) && (isASCIILetter(text[end]) || isDigit(text[end]) || text[end] == '-' || text[end] == '.') {
				end++
			}
			for end > at+1 && text[end-1] == '.' {
				end--
			}
			if start == at || strings.IndexByte(text[at+1:end], '.') < 0 {
				end = at // not an address
			}
		}
		if end > at {
			total += end - start // URLs and addresses are ASCII: bytes are runes
			pos = end
		} else {
			pos = at + 1
		}
	}
}

// urlEnd returns where the URL that continues at i ends.
func urlEnd(text string, i int) int {
	for i < len(text) {
		b := text[i]
		if b <= ' ' || b >= 0x7f || b == '"' || b == '\'' || b == '<' || b == '>' || b == '`' {
			break
		}
		i++
	}
	for i > 0 && strings.IndexByte(".,;:!?)]}", text[i-1]) >= 0 {
		i--
	}
	return i
}

func isASCIILetter(b byte) bool { return (b|0x20) >= 'a' && (b|0x20) <= 'z' }
func isDigit(b byte) bool       { return b >= '0' && b <= '9' }

func isEmailLocal(b byte) bool {
	return isASCIILetter(b) || isDigit(b) || b == '.' || b == '_' || b == '%' || b == '+' || b == '-'
}
