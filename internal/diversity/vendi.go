package diversity

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Vendi is the Vendi score of the n rows of vecs (d columns each) under the cosine
// kernel. For unit rows K = XXᵀ, and K/n has the same non-zero eigenvalues as the d×d
// matrix XᵀX/n, so the cost is n·d² to build it and d³ to decompose it, at any n. Rows
// are normalized here; zero rows (texts without features) have no direction and are left
// out. NaN for a set without a non-zero row.
func Vendi(vecs []float32, n, d int) float64 {
	g := NewGram(d)
	for i := 0; i < n; i++ {
		g.Add(vecs[i*d : (i+1)*d])
	}
	return g.Vendi()
}

// Gram accumulates XᵀX over unit rows, a block of rows at a time.
type Gram struct {
	D     int
	N     int64
	Upper []float64 // d×d, row-major; the upper triangle holds XᵀX
	block []float64 // rows waiting for the next rank-k update
}

const gramBlock = 64

// NewGram returns an empty accumulator for rows of d columns.
func NewGram(d int) *Gram { return &Gram{D: d, Upper: make([]float64, d*d)} }

// Add adds one row, normalized to unit length; a zero row is skipped.
func (g *Gram) Add(v []float32) {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	if ss == 0 {
		return
	}
	inv := 1 / math.Sqrt(ss)
	for _, x := range v {
		g.block = append(g.block, float64(x)*inv)
	}
	g.N++
	if len(g.block) == gramBlock*g.D {
		g.flush()
	}
}

// flush adds the waiting rows with one symmetric rank-k update (BLAS syrk).
func (g *Gram) flush() {
	rows := len(g.block) / g.D
	if rows == 0 {
		return
	}
	a := blas64.General{Rows: rows, Cols: g.D, Stride: g.D, Data: g.block}
	c := blas64.Symmetric{N: g.D, Stride: g.D, Uplo: blas.Upper, Data: g.Upper}
	blas64.Syrk(blas.Trans, 1, a, 1, c)
	g.block = g.block[:0]
}

// Vendi is the Vendi score of the rows added so far.
func (g *Gram) Vendi() float64 {
	g.flush()
	if g.N == 0 {
		return math.NaN()
	}
	k := mat.NewSymDense(g.D, nil)
	for i := 0; i < g.D; i++ {
		for j := i; j < g.D; j++ {
			k.SetSym(i, j, g.Upper[i*g.D+j]/float64(g.N))
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(k, false) {
		return math.NaN()
	}
	return math.Exp(entropy(eig.Values(nil)))
}

// entropy is −Σ λ log λ over the positive eigenvalues; round-off leaves tiny negative
// ones, which carry no mass.
func entropy(lambda []float64) float64 {
	var h float64
	for _, l := range lambda {
		if l > 0 {
			h -= l * math.Log(l)
		}
	}
	return h
}
