// Package local is an [embeddings.Embedder] that needs no model weights and no network:
// hashed word and character n-gram features, weighted without a corpus, then a seeded
// sparse random projection. The vectors are a pure function of (text, Dims, Seed), so
// they are the same on every run and machine.
//
// # Features
//
// Text is lower-cased rune by rune with [unicode.ToLower] and split into words:
// maximal runs of letters, marks and digits. Apostrophes (' and ’) inside a run are
// dropped rather than splitting it, so "don't" is the word "dont". Three feature groups:
//
//   - word unigrams;
//   - word bigrams of adjacent words;
//   - character 3-, 4- and 5-grams of each word wrapped in boundary markers, "<word>"
//     (counted in runes, so non-ASCII words work too).
//
// Each feature is hashed with 64-bit FNV-1a over a one-byte group tag and its UTF-8 bytes
// (bigrams: first word, a 0x00 separator, second word).
//
// # Weighting
//
// Within a group, a feature that occurs tf times has weight (1 + ln tf) · idf, where idf is
// fixed and needs no corpus: a word in a small built-in list of English function words
// ("the", "of", "how", "do", "i", ...; see stopwords.go) has idf [StopwordWeight], every
// other word 1. A bigram takes the geometric mean of its two words' idf and a character
// n-gram the idf of its word (the largest, if it occurs in several words).
//
// # Projection
//
// Every feature hash h is mapped to [Probes] entries (index, ±1/√Probes) of a Dims-length
// vector by a SplitMix64 sequence seeded with h XOR Seed: no matrix is stored and no
// global random state is used. Each group's projected vector is L2-normalised, the groups
// are summed with weights [UnigramWeight], [BigramWeight] and [CharWeight] (so many short
// character n-grams cannot drown the few words), and the sum is L2-normalised again.
//
// A text without any word (empty, whitespace, punctuation only) gets the zero vector:
// it carries no signal, and [embeddings.Cosine] defines its similarity to anything as 0.
//
// All arithmetic is float64 with explicit conversions where Go could otherwise fuse a
// multiply-add, and math.Log and math.Sqrt are the only library calls, so results agree
// across architectures to far better than float32 precision.
package local

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"unicode"
	"unicode/utf8"
)

const (
	// DefaultDims is the vector length when Options.Dims is 0.
	DefaultDims = 256
	// DefaultSeed is the projection seed when Options.Seed is 0 (the ASCII of "xinstruc").
	DefaultSeed uint64 = 0x78696e7374727563

	// Probes is the number of (index, sign) entries each feature adds.
	Probes = 4
	// StopwordWeight is the fixed idf of a built-in English function word; other words have 1.
	StopwordWeight = 0.2
	// UnigramWeight, BigramWeight and CharWeight weight the L2-normalised feature groups.
	UnigramWeight = 1.0
	BigramWeight  = 0.5
	CharWeight    = 1.0

	minGram = 3
	maxGram = 5
)

// Changing any constant above, the stopword list, the tokenizer or the hashing changes every
// vector, and with them every dataset's clusters; the golden test will say so.

// Options configures New. The zero value gives the defaults.
type Options struct {
	// Dims is the vector length; 0 means DefaultDims. It must not be negative.
	Dims int
	// Seed selects the random projection; 0 means DefaultSeed.
	Seed uint64
}

// Embedder is the local embeddings.Embedder. It is safe for concurrent use; create it with New.
type Embedder struct {
	dims int
	seed uint64
	pool sync.Pool // *scratch
}

// New returns a local Embedder. It panics if opts.Dims is negative.
func New(opts Options) *Embedder {
	if opts.Dims < 0 {
		panic(fmt.Sprintf("local.New: Dims = %d, must not be negative", opts.Dims))
	}
	if opts.Dims == 0 {
		opts.Dims = DefaultDims
	}
	if opts.Seed == 0 {
		opts.Seed = DefaultSeed
	}
	e := &Embedder{dims: opts.Dims, seed: opts.Seed}
	e.pool.New = func() any { return newScratch(e.dims) }
	return e
}

// Dims returns the length of every vector Embed returns.
func (e *Embedder) Dims() int { return e.dims }

// Embed returns one L2-normalised vector of length Dims per text, in input order; the zero
// vector for a text without words. It fails only if ctx is done.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	backing := make([]float32, len(texts)*e.dims)
	s := e.pool.Get().(*scratch)
	defer e.pool.Put(s)
	for i, t := range texts {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		out[i] = backing[i*e.dims : (i+1)*e.dims : (i+1)*e.dims]
		e.embed(t, out[i], s)
	}
	return out, nil
}

const (
	groupUnigram = iota
	groupBigram
	groupChar
	numGroups
)

var groupWeights = [numGroups]float64{UnigramWeight, BigramWeight, CharWeight}
var groupTags = [numGroups]byte{'u', 'b', 'c'}

type feature struct {
	h   uint64
	idf float64
}

type span struct{ start, end int }

// scratch holds per-call buffers, reused through the Embedder's pool.
type scratch struct {
	lower []byte // lower-cased words, concatenated
	words []span // into lower
	gram  []byte // "<word>"
	offs  []int  // rune offsets into gram
	feats [numGroups][]feature
	acc   [numGroups][]float64
	sum   []float64
}

func newScratch(dims int) *scratch {
	s := &scratch{sum: make([]float64, dims)}
	for g := range s.acc {
		s.acc[g] = make([]float64, dims)
	}
	return s
}

// embed writes text's vector into out (len Dims).
func (e *Embedder) embed(text string, out []float32, s *scratch) {
	s.tokenize(text)
	if len(s.words) == 0 {
		clear(out)
		return
	}
	s.extract()
	clear(s.sum)
	for g := range numGroups {
		acc := s.acc[g]
		clear(acc)
		e.project(s.feats[g], acc)
		n := norm(acc)
		if n == 0 {
			continue
		}
		scale := groupWeights[g] / n
		for i, x := range acc {
			s.sum[i] += float64(scale * x)
		}
	}
	n := norm(s.sum)
	if n == 0 { // not reachable in practice: every word yields a unigram
		clear(out)
		return
	}
	for i, x := range s.sum {
		out[i] = float32(x / n)
	}
}

// tokenize fills s.lower and s.words.
func (s *scratch) tokenize(text string) {
	s.lower, s.words = s.lower[:0], s.words[:0]
	start := -1
	for _, r := range text {
		switch {
		case unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r):
			if start < 0 {
				start = len(s.lower)
			}
			s.lower = utf8.AppendRune(s.lower, unicode.ToLower(r))
		case (r == '\'' || r == '’') && start >= 0:
			// Inside a word: drop it, keep the word going. A trailing one is harmless.
		default:
			if start >= 0 {
				s.words = append(s.words, span{start, len(s.lower)})
				start = -1
			}
		}
	}
	if start >= 0 {
		s.words = append(s.words, span{start, len(s.lower)})
	}
}

// extract fills s.feats from s.words.
func (s *scratch) extract() {
	for g := range s.feats {
		s.feats[g] = s.feats[g][:0]
	}
	prevIdf := 0.0
	for i, w := range s.words {
		word := s.lower[w.start:w.end]
		idf := 1.0
		if stopwords[string(word)] { // no allocation: map index by converted []byte
			idf = StopwordWeight
		}
		s.feats[groupUnigram] = append(s.feats[groupUnigram], feature{fnvBytes(fnvByte(fnvOffset, 'u'), word), idf})
		if i > 0 {
			p := s.words[i-1]
			h := fnvByte(fnvOffset, 'b')
			h = fnvBytes(h, s.lower[p.start:p.end])
			h = fnvByte(h, 0)
			h = fnvBytes(h, word)
			s.feats[groupBigram] = append(s.feats[groupBigram], feature{h, math.Sqrt(prevIdf * idf)})
		}
		prevIdf = idf

		s.gram = append(append(append(s.gram[:0], '<'), word...), '>')
		s.offs = s.offs[:0]
		for j := range string(s.gram) {
			s.offs = append(s.offs, j)
		}
		s.offs = append(s.offs, len(s.gram))
		runes := len(s.offs) - 1
		for n := minGram; n <= maxGram && n <= runes; n++ {
			for j := 0; j+n <= runes; j++ {
				h := fnvBytes(fnvByte(fnvOffset, 'c'), s.gram[s.offs[j]:s.offs[j+n]])
				s.feats[groupChar] = append(s.feats[groupChar], feature{h, idf})
			}
		}
	}
}

// project adds the weighted, projected features to acc. feats is sorted in place so that
// equal hashes are counted together; the result does not depend on the input order.
func (e *Embedder) project(feats []feature, acc []float64) {
	slices.SortFunc(feats, func(a, b feature) int {
		switch {
		case a.h < b.h:
			return -1
		case a.h > b.h:
			return 1
		}
		return 0
	})
	for i := 0; i < len(feats); {
		h, idf, tf := feats[i].h, feats[i].idf, 1
		j := i + 1
		for ; j < len(feats) && feats[j].h == h; j++ {
			idf = max(idf, feats[j].idf)
			tf++
		}
		i = j
		v := float64((1+math.Log(float64(tf)))*idf) / math.Sqrt(Probes)
		x := h ^ e.seed
		for range Probes {
			x += 0x9e3779b97f4a7c15
			z := splitmix64(x)
			idx := int((z >> 32) * uint64(len(acc)) >> 32) // z>>32 < 2^32, len(acc) < 2^31 in practice
			if z&1 == 0 {
				acc[idx] += v
			} else {
				acc[idx] -= v
			}
		}
	}
}

// splitmix64 is the output function of Steele, Lea and Flood's SplitMix64.
func splitmix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvByte(h uint64, b byte) uint64 { return (h ^ uint64(b)) * fnvPrime }

func fnvBytes(h uint64, p []byte) uint64 {
	for _, b := range p {
		h = (h ^ uint64(b)) * fnvPrime
	}
	return h
}

// norm returns the Euclidean norm of x.
func norm(x []float64) float64 {
	var ss float64
	for _, v := range x {
		ss += float64(v * v) // conversion forbids fusing into an FMA
	}
	return math.Sqrt(ss)
}
