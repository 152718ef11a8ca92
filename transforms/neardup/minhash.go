package neardup

import (
	"math/bits"
	"unicode"
	"unicode/utf8"
)

// ShingleRunes is the shingle size: 5 characters of the text, lowercased, with every run
// of whitespace collapsed to one space. Characters, not words, so that Thai (no spaces)
// and the Indic scripts shingle like the rest. internal/bench/neardup measured 3, 4, 5 and
// 7 on the shared corpora: at 3 and 4 unrelated documents of one language share many
// shingles (common syllables), which pushes their Jaccard towards the threshold and floods
// the buckets with false candidates; at 7 a changed sentence costs more shingles, so
// edited copies drop below the threshold sooner. 5 separates them best.
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
	emptyBin  uint32 = 0                  // marks a bin no shingle fell into, before densification
	polyBase  uint64 = 0x100000001b3      // odd: the rolling polynomial over runes
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

// EachShingle calls fn with a 64-bit hash of every k-character shingle of text (folded by
// foldRune, whitespace runs collapsed, leading and trailing whitespace dropped). A text
// of fewer than k characters is one shingle; an empty one has none. Equal shingles give
// equal hashes; the hash is a rolling polynomial over the characters, then mix64, so each
// character costs O(1) whatever k is, and nothing is allocated.
func EachShingle(text string, k int, fn func(h uint64)) {
	if k <= 0 {
		panic("neardup: shingle size must be positive")
	}
	var ring [32]uint64 // the last k characters; k ≤ 32
	if k > len(ring) {
		panic("neardup: shingle size over 32")
	}
	var top uint64 = 1 // polyBase^(k-1)
	for i := 1; i < k; i++ {
		top *= polyBase
	}
	var h uint64
	n := 0 // characters taken
	pendingSpace := false
	add := func(c rune) {
		v := uint64(c) + 1
		if n >= k {
			h -= ring[n%k] * top
		}
		h = h*polyBase + v
		ring[n%k] = v
		n++
		if n >= k {
			fn(mix64(h ^ seed))
		}
	}
	for _, r := range text {
		c, space := foldRune(r)
		if space {
			pendingSpace = n > 0
			continue
		}
		if pendingSpace {
			add(' ')
			pendingSpace = false
		}
		add(c)
	}
	if n > 0 && n < k {
		fn(mix64(h ^ seed))
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
	var sig Signature
	var set [SignatureSize / 64]uint64 // which bins a shingle fell into
	n := 0
	EachShingle(text, k, func(h uint64) {
		n++
		b := h >> binShift
		v := uint32(h) | 1 // never emptyBin
		if set[b/64]&(1<<(b%64)) == 0 || v < sig[b] {
			sig[b] = v
			set[b/64] |= 1 << (b % 64)
		}
	})
	if n == 0 {
		return sig, 0
	}
	full := 0
	for _, w := range set {
		full += bits.OnesCount64(w)
	}
	if full == SignatureSize {
		return sig, n
	}
	filled := sig // densify from the bins as hashed, not from bins filled on the way
	for b := range sig {
		if set[b/64]&(1<<(b%64)) != 0 {
			continue
		}
		x := mix64(seed ^ uint64(b)<<32)
		for probe := 0; probe < maxProbes; probe++ {
			x = mix64(x + uint64(probe))
			j := x >> binShift
			if set[j/64]&(1<<(j%64)) != 0 {
				sig[b] = filled[j]
				break
			}
		}
	}
	return sig, n
}

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
