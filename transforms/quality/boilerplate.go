package quality

import (
	"fmt"
	"strings"
)

// boilerplateMarkers are phrases and fragments that web pages carry around their text, and
// that prose hardly ever contains. They are lower case; they match ignoring the case of
// ASCII letters only (so "Privacy Policy" matches, "TÜM HAKLARI SAKLIDIR" does not).
//
// Bare words that articles use ("cookie", "javascript", "subscribe", "404") are not
// markers: Wikipedia has articles on cookies and on JavaScript, and 404 is a year. The
// markers in the target languages are the usual footer phrases ("all rights reserved",
// "privacy policy", "read also:"), checked against real footers.
var boilerplateMarkers = []string{
	// notices
	"we use cookies", "uses cookies", "use of cookies", "accept cookies", "accept all cookies",
	"cookie policy", "cookie settings", "enable javascript", "javascript is disabled",
	"javascript:void", "lorem ipsum",
	// footers and navigation
	"all rights reserved", "©", "privacy policy", "terms of use", "terms of service",
	"terms and conditions", "click here", "subscribe now", "subscribe to our",
	"sign up for our newsletter", "skip to content", "skip to main content", "toggle navigation",
	// error pages
	"page not found", "404 not found", "error 404", "page you requested", "page you are looking for",
	// markup and templating left in the text; a "{{...}}" template counts once
	"{{", "</", "<div", "<span", "<script", "<br", "<p>", "<a href", "<img", "&nbsp;", "&amp;", "&quot;",
	// id
	"baca juga:", "baca selengkapnya", "hak cipta dilindungi", "kebijakan privasi",
	// tr
	"tüm hakları saklıdır", "gizlilik politikası", "çerez politikası",
	// fi
	"kaikki oikeudet pidätetään", "käytämme evästeitä", "tietosuojaseloste",
	// vi
	"bản quyền thuộc về", "chính sách bảo mật",
	// sw
	"haki zote zimehifadhiwa",
	// th
	"สงวนลิขสิทธิ์", "นโยบายความเป็นส่วนตัว",
	// hi
	"सर्वाधिकार सुरक्षित", "गोपनीयता नीति",
	// bn
	"সর্বস্বত্ব সংরক্ষিত",
	// ta
	"அனைத்து உரிமைகளும் பாதுகாக்கப்பட்டவை",
	// ur
	"جملہ حقوق محفوظ",
}

// markersByFirst indexes the markers by their first byte, and markerPairs says which
// first two bytes start a marker: most bytes of a text are rejected by one bit test.
// In Thai and the Indic scripts every letter starts with the same two bytes as the
// markers in that script (E0 B8 for Thai), so markerTriples then tests the third byte:
// a bit per hash of the first three bytes of the markers, unless pairMarkers says that a
// marker is only those two bytes ("©", "{{").
var (
	markersByFirst [256][]uint8
	markerPairs    [256][4]uint64 // bit b1 of markerPairs[b0]: some marker starts with b0 b1
	pairMarkers    [256][4]uint64 // bit b1 of pairMarkers[b0]: some marker is b0 b1
	markerTriples  [1 << 16 / 64]uint64
)

func init() {
	if len(boilerplateMarkers) > 255 {
		panic("quality: too many boilerplate markers")
	}
	for i, m := range boilerplateMarkers {
		markersByFirst[m[0]] = append(markersByFirst[m[0]], uint8(i))
		markerPairs[m[0]][m[1]>>6] |= 1 << (m[1] & 63)
		if len(m) == 2 {
			pairMarkers[m[0]][m[1]>>6] |= 1 << (m[1] & 63)
		} else {
			h := tripleHash(m[0], m[1], m[2])
			markerTriples[h>>6] |= 1 << (h & 63)
		}
	}
}

// tripleHash hashes three bytes to 16 bits.
func tripleHash(b0, b1, b2 byte) uint32 {
	return (uint32(b0)<<16 | uint32(b1)<<8 | uint32(b2)) * 0x9E3779B1 >> 16
}

func lowerASCII(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// maxHitOffsets bounds how many marker positions boilerplate keeps to find their lines.
const maxHitOffsets = 32

// boilerplate fails a text with at least hits boilerplate markers, or in which at least
// two lines, and more than maxLineShare of the lines (nLines non-empty lines), carry one.
func boilerplate(text string, nLines, hits int, maxLineShare float64) (string, bool) {
	var offsets [maxHitOffsets]int32
	n, first := findMarkers(text, &offsets)
	if n == 0 {
		return "", false
	}
	if n >= hits {
		return fmt.Sprintf("%d boilerplate markers >= %d (first %q)", n, hits, boilerplateMarkers[first]), true
	}
	// Count the lines with a marker: hits are in text order, so a line's hits are adjacent.
	hitLines, lastLine := 0, -2
	for _, off := range offsets[:min(n, maxHitOffsets)] {
		if l := strings.LastIndexByte(text[:off], '\n'); l != lastLine {
			hitLines, lastLine = hitLines+1, l
		}
	}
	if s := share(hitLines, nLines); hitLines >= 2 && s > maxLineShare {
		return fmt.Sprintf("boilerplate on %d of %d lines, %s (first %q)", hitLines, nLines, cmp(s, ">", maxLineShare), boilerplateMarkers[first]), true
	}
	return "", false
}

// findMarkers returns how many boilerplate markers text holds, not overlapping, the
// index of the first one found, and the offsets of the first maxHitOffsets.
func findMarkers(text string, offsets *[maxHitOffsets]int32) (n, first int) {
	first = -1
	for i := 0; i+1 < len(text); i++ {
		b0, b1 := lowerASCII(text[i]), lowerASCII(text[i+1])
		if markerPairs[b0][b1>>6]&(1<<(b1&63)) == 0 {
			continue
		}
		if pairMarkers[b0][b1>>6]&(1<<(b1&63)) == 0 {
			// Only markers of three bytes or more start with b0 b1.
			if i+2 >= len(text) {
				continue
			}
			if h := tripleHash(b0, b1, lowerASCII(text[i+2])); markerTriples[h>>6]&(1<<(h&63)) == 0 {
				continue
			}
		}
		// Markers that start with an ASCII letter start a word. (Thai has no word
		// boundaries, but its markers start with a Thai letter.)
		if isASCIILetter(b0) && i > 0 && isASCIILetter(text[i-1]) {
			continue
		}
		for _, k := range markersByFirst[b0] {
			m := boilerplateMarkers[k]
			if m[1] == b1 && hasPrefixFoldASCII(text[i:], m) {
				if n < maxHitOffsets {
					offsets[n] = int32(i)
				}
				if first < 0 {
					first = int(k)
				}
				n++
				i += len(m) - 1
				break
			}
		}
	}
	return n, first
}

// hasPrefixFoldASCII reports whether s starts with the lower-case marker m, ignoring the
// case of ASCII letters in s. The caller has matched the first two bytes.
func hasPrefixFoldASCII(s, m string) bool {
	if len(s) < len(m) {
		return false
	}
	for j := 2; j < len(m); j++ {
		if lowerASCII(s[j]) != m[j] {
			return false
		}
	}
	return true
}
