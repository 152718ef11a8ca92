package neardup

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// ShingleRunes is the shingle size: 5 characters of the text, lowercased, with every run
// of whitespace collapsed to one space. Characters, not words, so that Thai (no spaces)
// and the Indic scripts shingle like the rest. internal/bench/neardup measured 3, 4, 5 and
// 7 on the shared corpora of the ten languages: the exact Jaccard of unrelated documents
// of one language is 0.155 on average (99.9th percentile 0.35) at 3, 0.067 (0.20) at 4,
// 0.032 (0.13) at 5 and 0.009 (0.07) at 7, so short shingles fill the band buckets with
// false candidates; planted copies lose little from 4 to 7 (with a replaced sentence, a
// median of 0.75, 0.73, 0.73). 5 is past the background's knee at a cost to copies that
// 7 only doubles.
const ShingleRunes = 5

// SignatureSize is the number of MinHash values per document. The estimate's standard
// error is about sqrt(J(1-J)/SignatureSize): 0.025 at J = 0.8.
const SignatureSize = 256

// Signature is a document's MinHash signature: one-permutation hashing over
// SignatureSize bins, densified, so that two signatures agree in a bin with probability
// about the Jaccard similarity of the documents' shingle sets.
type Signature [SignatureSize]uint32

const (
	seed      uint64 = 0x6e65617264757073 // "neardups": fixed, so every run hashes alike
	emptyBin  uint32 = 1<<32 - 1          // marks a bin no shingle fell into; values are 31 bits
	binShift         = 64 - 8             // the top 8 bits pick one of 256 bins
	maxProbes        = 1 << 12            // densification gives up after this many probes of one bin
)

// mix64 is splitmix64's finalizer: a bijection that spreads every input bit.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// foldTable holds foldRune's answers for the runes below foldTableSize (Latin, Greek,
// Cyrillic, Arabic, the Indic scripts, Thai, Vietnamese): a lookup instead of the
// unicode package's range tables, which were most of the shingling time on those texts.
var foldTable = func() *[foldTableSize]uint16 {
	var t [foldTableSize]uint16
	for r := range rune(foldTableSize) {
		c, space := foldRune(r)
		if space {
			t[r] = foldSpace
		} else {
			t[r] = uint16(c)
		}
	}
	return &t
}()

const (
	foldTableSize = 0x2000 // every rune below folds into the BMP, below foldSpace
	foldSpace     = 0xffff // foldTable's mark of whitespace
)

// foldRune returns r lowercased, and whether r is whitespace (collapsed to one space).
func foldRune(r rune) (rune, bool) {
	if r < utf8.RuneSelf {
		switch {
		case r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\v' || r == '\f':
			return ' ', true
		case 'A' <= r && r <= 'Z':
			return r + 'a' - 'A', false
		}
		return r, false
	}
	if unicode.IsSpace(r) {
		return ' ', true
	}
	return unicode.ToLower(r), false
}

// AppendShingles appends to dst a 64-bit hash of every k-character shingle of text
// (folded by foldRune, whitespace runs collapsed, leading and trailing whitespace
// dropped). A text of fewer than k characters is one shingle; an empty one has none.
// Equal shingles give equal hashes. It panics unless 0 < k ≤ 8.
//
// The last k characters are kept as 16-bit lanes of two shift registers (a character
// outside the BMP by a 16-bit hash of it), and each window is hashed from them afresh:
// the only work carried from one character to the next is a shift, so the multiplies of
// successive windows overlap in the CPU instead of waiting on each other, as a rolling
// polynomial's do (twice as fast on these texts).
func AppendShingles(dst []uint64, text string, k int) []uint64 {
	if k <= 0 || k > 8 {
		panic(fmt.Sprintf("neardup: shingle size %d not in [1, 8]", k))
	}
	// lo holds the last min(k, 4) characters, hi the k-4 before them.
	loMask, hiMask := ^uint64(0), uint64(0)
	if k < 4 {
		loMask = 1<<(16*k) - 1
	} else if k > 4 {
		hiMask = 1<<(16*(k-4)) - 1
	}
	var lo, hi uint64
	n := 0 // characters taken
	pendingSpace := false
	for i := 0; i < len(text); {
		// Decode: ASCII and the 3-byte sequences of the Indic scripts and Thai inline;
		// the rest (and anything malformed) through the utf8 package.
		var r rune
		if b := text[i]; b < utf8.RuneSelf {
			r = rune(b)
			i++
		} else if b&0xf0 == 0xe0 && i+2 < len(text) && text[i+1]&0xc0 == 0x80 && text[i+2]&0xc0 == 0x80 {
			r = rune(b&0x0f)<<12 | rune(text[i+1]&0x3f)<<6 | rune(text[i+2]&0x3f)
			i += 3
		} else {
			var size int
			r, size = utf8.DecodeRuneInString(text[i:])
			i += size
		}
		c, space := r, false
		if r < foldTableSize {
			if f := foldTable[r]; f == foldSpace {
				space = true
			} else {
				c = rune(f)
			}
		} else {
			c, space = foldRune(r)
		}
		if space {
			pendingSpace = n > 0
			continue
		}
		if c > 0xffff {
			c = rune(uint32(c)*0x9e3779b1) >> 16 // a lane is 16 bits
		}
		if pendingSpace {
			pendingSpace = false
			hi = (hi<<16 | lo>>48) & hiMask
			lo = (lo<<16 | ' ') & loMask
			if n++; n >= k {
				dst = append(dst, window(lo, hi))
			}
		}
		hi = (hi<<16 | lo>>48) & hiMask
		lo = (lo<<16 | uint64(c)) & loMask
		if n++; n >= k {
			dst = append(dst, window(lo, hi))
		}
	}
	if n > 0 && n < k {
		dst = append(dst, window(lo, hi))
	}
	return dst
}

// window hashes a shingle's lanes: the top bits (the bin) and the low bits (the value)
// both depend on every lane. TestSimilarityEstimatesJaccard checks that the estimates
// stay unbiased.
func window(lo, hi uint64) uint64 {
	x := (lo^seed)*0x9e3779b97f4a7c15 ^ (hi<<48 | hi>>16) // hi has at most 64 bits of lanes
	x ^= x >> 32
	x *= 0xbf58476d1ce4e5b9
	return x ^ x>>29
}

// EachShingle calls fn with each hash AppendShingles gives, in order.
func EachShingle(text string, k int, fn func(h uint64)) {
	for _, h := range AppendShingles(nil, text, k) {
		fn(h)
	}
}

// Sign returns text's signature over k-character shingles, and the number of shingles
// it saw (0 for an empty text, whose signature is all zeros).
//
// One-permutation hashing (Li, Owen and Zhang 2012): each shingle's hash picks a bin by
// its top bits and competes for the bin's minimum with its low 32 bits, so a text costs
// one hash per character rather than one per character and signature value. Bins no
// shingle fell into take the value of the first non-empty bin along a seeded probe
// sequence of their own ("optimal densification", Shrivastava 2017), which keeps the
// probability that two signatures agree in a bin at the Jaccard similarity.
func Sign(text string, k int) (Signature, int) {
	var buf []uint64
	return sign(text, k, &buf)
}

// sign is Sign with a buffer for the shingles' hashes, reused across calls.
func sign(text string, k int, buf *[]uint64) (Signature, int) {
	var sig Signature
	for i := range sig {
		sig[i] = emptyBin
	}
	*buf = AppendShingles((*buf)[:0], text, k)
	for _, h := range *buf {
		b := h >> binShift
		if v := uint32(h) >> 1; v < sig[b] { // < emptyBin
			sig[b] = v
		}
	}
	n := len(*buf)
	if n == 0 {
		return Signature{}, 0
	}
	filled := sig // densify from the bins as hashed, not from bins filled on the way
	for b := range sig {
		if sig[b] != emptyBin {
			continue
		}
		for probe := 0; probe < maxProbes; probe++ {
			if j := probeBin(b, probe); filled[j] != emptyBin {
				sig[b] = filled[j]
				break
			}
		}
	}
	return sig, n
}

// probeBin is the probe-th bin that densification tries for the empty bin b: a seeded
// sequence of its own per bin. The first tableProbes probes of every bin are tabulated: a
// short text leaves half the bins empty, and hashing each probe was a third of its time.
func probeBin(b, probe int) int {
	if probe < tableProbes {
		return int(probeTable[b][probe])
	}
	return int(probeHash(b, probe) >> binShift)
}

func probeHash(b, probe int) uint64 {
	return mix64(mix64(seed^uint64(b)<<32) + uint64(probe)*0x9e3779b97f4a7c15)
}

const tableProbes = 32 // a text that fills a tenth of the bins misses all 32 in 3% of them

var probeTable = func() *[SignatureSize][tableProbes]uint8 {
	var t [SignatureSize][tableProbes]uint8
	for b := range t {
		for p := range t[b] {
			t[b][p] = uint8(probeHash(b, p) >> binShift)
		}
	}
	return &t
}()

// Similarity estimates the Jaccard similarity of the shingle sets behind two signatures:
// the share of bins in which they agree.
func Similarity(a, b *Signature) float64 {
	same := 0
	for i := range a {
		if a[i] == b[i] {
			same++
		}
	}
	return float64(same) / SignatureSize
}
