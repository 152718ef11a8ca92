package diversity

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// DefaultNearDuplicate is the cosine similarity above which two instructions count as
// near-duplicates in NearDuplicateShare: with the local embedder, rewordings of one
// request ("Write a poem about the sea" / "Write a short poem about the sea") score above
// it and distinct requests on one topic below (see the README's diversity table).
const DefaultNearDuplicate = 0.9

// NearDuplicateShare is the share of the probed rows (indices into the n rows of vecs,
// unit rows of d columns) whose most similar other row has a cosine similarity of at
// least threshold. Probing every row is exact and costs n²·d; a seeded sample of probes
// estimates it. NaN without probes or with fewer than two rows.
func NearDuplicateShare(vecs []float32, n, d int, probes []int, threshold float64) float64 {
	if len(probes) == 0 || n < 2 {
		return math.NaN()
	}
	best := MostSimilarOther(vecs, n, d, probes)
	dup := 0
	for _, s := range best {
		if s >= threshold {
			dup++
		}
	}
	return float64(dup) / float64(len(probes))
}

// MostSimilarOther returns, for each probe (an index into the n rows of vecs), the
// largest cosine similarity between it and any other row: blocks of rows against all
// probes, one matrix product (BLAS sgemm) per block.
func MostSimilarOther(vecs []float32, n, d int, probes []int) []float64 {
	const block = 512
	p := len(probes)
	pm := make([]float32, p*d)
	for i, r := range probes {
		copy(pm[i*d:(i+1)*d], vecs[r*d:(r+1)*d])
	}
	best := make([]float64, p)
	for i := range best {
		best[i] = math.Inf(-1)
	}
	sims := make([]float32, p*block)
	for lo := 0; lo < n; lo += block {
		rows := min(block, n-lo)
		a := blas32.General{Rows: p, Cols: d, Stride: d, Data: pm}
		b := blas32.General{Rows: rows, Cols: d, Stride: d, Data: vecs[lo*d : (lo+rows)*d]}
		c := blas32.General{Rows: p, Cols: rows, Stride: rows, Data: sims[:p*rows]}
		blas32.Gemm(blas.NoTrans, blas.Trans, 1, a, b, 0, c)
		for i, r := range probes {
			row := sims[i*rows : (i+1)*rows]
			for j, s := range row {
				if lo+j != r && float64(s) > best[i] {
					best[i] = float64(s)
				}
			}
		}
	}
	return best
}

// MeanPairwiseDistance is the mean cosine distance over the unordered pairs of distinct
// rows (unit or zero rows): Σ_{i≠j} xᵢ·xⱼ = ||Σx||² − Σ||x||². NaN below two rows.
func MeanPairwiseDistance(vecs []float32, n, d int) float64 {
	if n < 2 {
		return math.NaN()
	}
	sum := make([]float64, d)
	var norms float64
	for i := 0; i < n; i++ {
		for j, x := range vecs[i*d : (i+1)*d] {
			sum[j] += float64(x)
			norms += float64(x) * float64(x)
		}
	}
	var sq float64
	for _, s := range sum {
		sq += s * s
	}
	return 1 - (sq-norms)/(float64(n)*float64(n-1))
}
