package clean

import (
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// isNormal reports whether NormalizeText would return text unchanged because it is
// already clean and in NFC, and if so, how many runes text has. It is a fast,
// conservative pre-check: one pass over the text with a table lookup per non-ASCII rune,
// where NormalizeText's general path costs a normalization pass, a cleanup pass and a
// copy. When it is false, text[:end] is valid UTF-8 and end is at a rune boundary: the
// general path need not validate that part again.
//
// Clean means that the cleanup of NormalizeText has nothing to do: valid UTF-8; no
// control, zero-width, soft hyphen, BOM or word-joiner characters, no tabs, carriage
// returns, Unicode line or paragraph separators or spaces other than ' '; a ' ' only
// between two visible characters; at most two '\n' in a row, only after a visible
// character, and no whitespace at the end. In NFC means that norm.NFC's quick check
// accepts the text, as decided with nfcInfo (below) for the runes below nfcTableSize; any
// other rune makes isNormal false.
func isNormal(text string) (ok bool, end, runes int) {
	const ( // the states of the whitespace check
		visible  = iota // after a visible character
		newline         // after one newline
		newlines        // after two newlines
		space           // after a space
		start           // at the start: no space or newline may come
	)
	tab := nfcTables()
	state := start
	runes = len(text) // less the continuation bytes, below
	// For the NFC quick check: the last rune and its nfcInfo entry (0 for ASCII); the
	// last rune's leading canonical combining class (lastCCC), and an upper bound of the
	// non-starters in a row, as norm's stream-safe check counts them. ASCII resets both.
	prev, prevEntry := rune(-1), uint16(0)
	var lastCCC uint8
	nonStarters := 0
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			switch {
			case c > ' ' && c < 0x7F:
				state = visible
			case c == ' ':
				if state != visible {
					return false, i, 0
				}
				state = space
			case c == '\n':
				if state >= newlines {
					return false, i, 0
				}
				state++
			default: // other controls
				return false, i, 0
			}
			i++
			continue
		}
		if i > 0 && text[i-1] < utf8.RuneSelf {
			prev, prevEntry, lastCCC, nonStarters = rune(text[i-1]), 0, 0, 0
		}
		// Decode the 2- and 3-byte sequences of runes below 0x3000 here, validating them;
		// anything else is beyond the table, or invalid.
		var r rune
		size := 2
		if c < 0xE0 {
			if c < 0xC2 || i+1 >= len(text) || text[i+1]&0xC0 != 0x80 {
				return false, i, 0
			}
			r = rune(c&0x1F)<<6 | rune(text[i+1]&0x3F)
		} else {
			if c > 0xE2 || i+2 >= len(text) || text[i+1]&0xC0 != 0x80 || text[i+2]&0xC0 != 0x80 {
				return false, i, 0
			}
			r = rune(c&0x0F)<<12 | rune(text[i+1]&0x3F)<<6 | rune(text[i+2]&0x3F)
			if r < 0x800 { // overlong
				return false, i, 0
			}
			size = 3
		}
		e := tab.runes[r]
		ccc := uint8(e)
		switch {
		case e&nfcYes != 0:
		case e&nfcMaybe != 0:
			// NFC_Quick_Check=Maybe: the rune combines with some runes before it. It
			// would combine with the last starter (ccc 0), unless a rune in between
			// blocks it. Decided here when the rune right before is that starter, or
			// blocks it (any rune does, for a rune of ccc 0); otherwise give up. A
			// starter whose decomposition ends in non-starters (À) is not decided.
			if prev >= 0 {
				switch prevCCC := uint8(prevEntry); {
				case prevCCC == 0 && prevEntry&nfcTrailing == 0:
					if tab.composes[uint32(prev)<<16|uint32(r)] {
						return false, i, 0
					}
				case prevCCC != 0 && ccc == 0:
				default:
					return false, i, 0
				}
			}
		default: // not in NFC, or changed by cleanup
			return false, i, 0
		}
		if ccc != 0 { // a non-starter: it must not sort before the last rune
			if lastCCC > ccc {
				return false, i, 0
			}
			if nonStarters += 3; nonStarters > maxNonStarters {
				return false, i, 0
			}
		} else if e&nfcTrailing != 0 {
			nonStarters = 3
		} else {
			nonStarters = 0
		}
		prev, prevEntry, lastCCC = r, e, ccc
		state = visible
		runes -= size - 1
		i += size
	}
	if state != visible && state != start {
		return false, len(text), 0 // trailing whitespace
	}
	return true, len(text), runes
}

// nfcTableSize bounds the runes nfcTable covers: every script of the target languages
// (Latin and Vietnamese, Arabic, Devanagari, Bengali, Tamil, Thai) and general
// punctuation.
const nfcTableSize = 0x3000

// maxNonStarters is norm's stream-safe limit on non-starters in a row (30); isNormal
// counts each non-starter as 3, the most any rune's decomposition holds, so it gives up
// well before norm would.
const maxNonStarters = 30

// Bits of an nfcInfo.runes entry. The low 8 bits are the rune's leading canonical
// combining class (norm.Properties.LeadCCC): a rune with one is a non-starter.
const (
	nfcYes      = 1 << 8  // NFC_Quick_Check=Yes, and cleanup keeps the rune
	nfcMaybe    = 1 << 9  // NFC_Quick_Check=Maybe, every rune it composes with is known, and cleanup keeps it
	nfcTrailing = 1 << 10 // the rune's decomposition ends in a non-starter
)

// nfcInfo holds what norm.NFC's quick check reads from its tables, for each rune below
// nfcTableSize, and the pairs of such runes that compose.
type nfcInfo struct {
	runes    [nfcTableSize]uint16
	composes map[uint32]bool // prev<<16 | r: the starter prev and the Maybe rune r compose
}

// nfcTables builds nfcInfo once, from norm's exported API (a few tens of milliseconds).
var nfcTables = sync.OnceValue(nfcTablesUncached)

func nfcTablesUncached() *nfcInfo {
	t := &nfcInfo{composes: map[uint32]bool{}}
	for r := rune(0x80); r < nfcTableSize; r++ {
		s := string(r)
		p := norm.NFC.PropertiesString(s)
		e := uint16(p.LeadCCC())
		switch {
		case norm.NFC.QuickSpanString(s) == len(s):
			// For one rune alone, the quick check accepts exactly the runes whose
			// NFC_Quick_Check is Yes.
			e |= nfcYes
		case norm.NFC.String(s) == s && !(r >= 0x1100 && r < 0x1200):
			// Maybe: NFC keeps the rune alone, but it may compose with what comes
			// before. Hangul jamo compose algorithmically, beyond what the scan below
			// finds: they are left to norm.
			e |= nfcMaybe
		}
		if p.TrailCCC() != 0 {
			e |= nfcTrailing
		}
		if cleanupChanges(r) {
			e &^= nfcYes | nfcMaybe
		}
		t.runes[r] = e
	}
	// Every composition is a canonical decomposition read backwards: a composite
	// decomposes to a starter (itself maybe a composite) and one last rune. Find the
	// pairs that NFC composes among the runes of the table.
	for c := rune(0xC0); c <= unicode.MaxRune; c++ {
		if c >= 0xD800 && c < 0xE000 {
			continue
		}
		d := norm.NFC.PropertiesString(string(c)).Decomposition()
		if d == nil {
			continue
		}
		last, n := utf8.DecodeLastRune(d)
		if last >= nfcTableSize || t.runes[last]&nfcMaybe == 0 {
			continue
		}
		first := []rune(norm.NFC.String(string(d[:len(d)-n])))
		if len(first) != 1 || first[0] >= nfcTableSize {
			continue
		}
		if pair := string(first[0]) + string(last); norm.NFC.String(pair) != pair {
			t.composes[uint32(first[0])<<16|uint32(last)] = true
		}
	}
	return t
}

// cleanupChanges reports whether NormalizeText's cleanup removes or replaces the
// non-ASCII rune r.
func cleanupChanges(r rune) bool {
	return r <= 0x9F || r == '\u2028' || r == '\u2029' || r == '\u200B' || r == '\uFEFF' ||
		r == '\u00AD' || r == '\u2060' || unicode.IsSpace(r)
}
