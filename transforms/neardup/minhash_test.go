package neardup

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/internal/testenv"
)

// shingleSet is the exact set EachShingle hashes, for comparison.
func shingleSet(text string, k int) map[uint64]bool {
	m := map[uint64]bool{}
	EachShingle(text, k, func(h uint64) { m[h] = true })
	return m
}

func exactJaccard(a, b map[uint64]bool) float64 {
	inter := 0
	for h := range a {
		if b[h] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

func TestEachShingleFoldsCaseAndWhitespace(t *testing.T) {
	a := shingleSet("Hello   World\n\nagain ", 5)
	b := shingleSet(" hello world again", 5)
	if exactJaccard(a, b) != 1 {
		t.Errorf("case and whitespace changed the shingles: %d vs %d", len(a), len(b))
	}
	if n := len(shingleSet("abcdefg", 5)); n != 3 {
		t.Errorf("abcdefg has %d 5-shingles, want 3", n)
	}
	if n := len(shingleSet("abc", 5)); n != 1 {
		t.Errorf("a text shorter than k has %d shingles, want 1", n)
	}
	if n := len(shingleSet("  ", 5)); n != 0 {
		t.Errorf("a blank text has %d shingles, want 0", n)
	}
	// Thai has no spaces between words: shingles still come from every character.
	if n := len(shingleSet("ภาษาไทยไม่มีช่องว่าง", 5)); n != 16 {
		t.Errorf("Thai text of 20 characters has %d 5-shingles, want 16", n)
	}
}

func TestFoldTable(t *testing.T) {
	for r := range rune(foldTableSize) {
		c, space := foldRune(r)
		if c >= foldSpace {
			t.Fatalf("%U folds to %U, which a uint16 entry cannot hold", r, c)
		}
		if f := foldTable[r]; space != (f == foldSpace) || !space && rune(f) != c {
			t.Errorf("%U: table %#x, foldRune %U %v", r, f, c, space)
		}
	}
}

func TestEachShinglePanicsOnBadSize(t *testing.T) {
	for _, k := range []int{0, 33} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("k=%d did not panic", k)
				}
			}()
			EachShingle("text", k, func(uint64) {})
		}()
	}
}

// words is a text of n pseudo-random words from a small vocabulary.
func words(r *rand.Rand, n int) []string {
	w := make([]string, n)
	for i := range w {
		l := 2 + r.IntN(7)
		b := make([]byte, l)
		for j := range b {
			b[j] = byte('a' + r.IntN(26))
		}
		w[i] = string(b)
	}
	return w
}

// TestSimilarityEstimatesJaccard compares the estimate with the exact Jaccard of the
// shingle sets over pairs from unrelated to nearly equal, long and short texts.
func TestSimilarityEstimatesJaccard(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var sumErr float64
	n := 0
	for trial := 0; trial < 200; trial++ {
		base := words(r, 30+r.IntN(200))
		other := append([]string(nil), base...)
		// Replace a share of the words, from none to all.
		share := float64(trial%20) / 19
		for i := range other {
			if r.Float64() < share {
				other[i] = words(r, 1)[0]
			}
		}
		a, b := strings.Join(base, " "), strings.Join(other, " ")
		exact := exactJaccard(shingleSet(a, ShingleRunes), shingleSet(b, ShingleRunes))
		sa, _ := Sign(a, ShingleRunes)
		sb, _ := Sign(b, ShingleRunes)
		est := Similarity(&sa, &sb)
		// 4.5 standard errors of a 256-bin estimate at worst (J = 0.5): 0.14.
		if d := math.Abs(est - exact); d > 4.5*math.Sqrt(exact*(1-exact)/SignatureSize)+0.01 {
			t.Errorf("trial %d: estimate %.3f, exact %.3f", trial, est, exact)
		}
		sumErr += math.Abs(est - exact)
		n++
	}
	// The mean absolute error of an unbiased 256-bin estimate is about 0.02 across these J.
	if mean := sumErr / float64(n); mean > 0.03 {
		t.Errorf("mean absolute error %.3f, want ≤ 0.03", mean)
	}
}

func TestSignIdenticalAndEmpty(t *testing.T) {
	a, n := Sign("the same text, twice over", ShingleRunes)
	b, _ := Sign("The  same text,\ntwice over", ShingleRunes)
	if n == 0 || Similarity(&a, &b) != 1 {
		t.Errorf("equal texts after folding: similarity %v, %d shingles", Similarity(&a, &b), n)
	}
	if _, n := Sign("", ShingleRunes); n != 0 {
		t.Errorf("empty text: %d shingles", n)
	}
}

func TestBandsSCurve(t *testing.T) {
	b := Bands(0.8)
	if b != (Banding{Bands: 20, Rows: 7}) {
		t.Fatalf("Bands(0.8) = %+v, want 20 bands of 7 rows (the doc comment's curve)", b)
	}
	// The doc comment's figures, to the digits it gives.
	for _, c := range []struct{ j, p, tol float64 }{
		{0.3, 0.0044, 0.0001}, {0.5, 0.145, 0.001}, {0.6, 0.43, 0.01}, {0.7, 0.82, 0.01},
		{0.75, 0.94, 0.01}, {0.8, 0.991, 0.001}, {0.85, 0.9996, 0.0001}, {0.9, 1.0, 0.0001},
	} {
		if got := b.Candidate(c.j); math.Abs(got-c.p) > c.tol {
			t.Errorf("P(%v) = %.5f, the doc comment says %v", c.j, got, c.p)
		}
	}
	for _, th := range []float64{0.25, 0.5, 0.7, 0.8, 0.9, 0.95, 1} {
		b := Bands(th)
		if b.Bands*b.Rows > SignatureSize || b.Bands > maxBands || b.Candidate(th) < minRecall {
			t.Errorf("Bands(%v) = %+v: P(t) = %.4f", th, b, b.Candidate(th))
		}
	}
	for _, bad := range []float64{0, -1, 1.5, math.NaN()} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Bands(%v) did not panic", bad)
				}
			}()
			Bands(bad)
		}()
	}
}

func TestKeysSeparateLanguages(t *testing.T) {
	sig, _ := Sign("some text that is long enough to shingle", ShingleRunes)
	b := Bands(0.8)
	fi := b.Keys(nil, "fi", &sig)
	tr := b.Keys(nil, "tr", &sig)
	if len(fi) != b.Bands {
		t.Fatalf("%d keys, want %d", len(fi), b.Bands)
	}
	for i := range fi {
		if fi[i] == tr[i] {
			t.Errorf("band %d: the same key for two languages", i)
		}
	}
}

// BenchmarkSign signs a Thai, a Tamil and a Finnish document of the shared corpora.
func BenchmarkSign(b *testing.B) {
	var texts []string
	for _, lang := range []string{"th", "ta", "fi"} {
		f, err := os.ReadFile(testenv.Shared("corpora", lang+".jsonl"))
		if err != nil {
			b.Skip(err)
		}
		var d struct{ Text string }
		line, _, _ := strings.Cut(string(f), "\n")
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			b.Fatal(err)
		}
		texts = append(texts, d.Text)
	}
	var buf []uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sign(texts[i%len(texts)], ShingleRunes, &buf)
	}
}
