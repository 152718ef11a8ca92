package diversity

import (
	"math"
	"slices"

	"github.com/xinstruct/xinstruct/transforms/cluster"
)

// NearestDistances returns, for each of the n rows of pool, the cosine distance to the
// nearest of the k rows of chosen (d columns each, unit rows). The nearest row is found
// with the k-means distance kernel (cluster.Assign, the chosen rows as centroids); the
// distance is then recomputed in float64: for unit vectors ||x − y||²/2 = 1 − cos(x, y).
func NearestDistances(pool []float32, n int, chosen []float32, k, d int) []float64 {
	out := make([]float64, n)
	if n == 0 {
		return out
	}
	if k == 0 {
		for i := range out {
			out[i] = math.NaN()
		}
		return out
	}
	assign := make([]int32, n)
	cluster.Assign(pool, n, d, chosen, k, assign)
	for i, c := range assign {
		out[i] = cluster.SqDist(pool[i*d:(i+1)*d], chosen[int(c)*d:(int(c)+1)*d]) / 2
	}
	return out
}

// Coverage is how far the pool lies from a chosen set: the mean and the 95th percentile
// (nearest rank) of every pool item's distance to its nearest chosen item. Lower is
// better: a set that covers the pool leaves no item far from it.
type Coverage struct {
	Mean, P95 float64
}

// CoverageOf summarizes distances from NearestDistances; NaN for none.
func CoverageOf(dist []float64) Coverage {
	if len(dist) == 0 {
		return Coverage{math.NaN(), math.NaN()}
	}
	var sum float64
	for _, x := range dist {
		sum += x
	}
	sorted := slices.Clone(dist)
	slices.Sort(sorted)
	rank := int(math.Ceil(0.95*float64(len(sorted)))) - 1
	return Coverage{Mean: sum / float64(len(dist)), P95: sorted[max(rank, 0)]}
}
