package cluster

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
)

// Throughout this file, data is an n×d row-major float32 matrix (row i is
// data[i*d:(i+1)*d]) and centroids is a k×d row-major float32 matrix. The functions
// never copy data. Assign's scratch is a packed copy of the centroids (k×d) plus
// O(d) per goroutine; Lloyd adds O(n + k) to sort rows by cluster (kernel_update.go).

// KMeansParams configures k-means clustering: k-means++ seeding (SeedPlusPlus)
// followed by Lloyd iterations (Lloyd).
type KMeansParams struct {
	K          int     // number of clusters, ≥ 1
	MaxIters   int     // maximum number of Lloyd iterations, ≥ 0
	Tol        float64 // stop when inertia improves by less than Tol relative; 0 = run MaxIters
	Seed       uint64  // seed of the k-means++ sampling
	SeedSample int     // k-means++ on at most this many points; 0 = all
}

func (p KMeansParams) validate() error {
	switch {
	case p.K < 1:
		return fmt.Errorf("K = %d, want ≥ 1", p.K)
	case p.MaxIters < 0:
		return fmt.Errorf("MaxIters = %d, want ≥ 0", p.MaxIters)
	case p.Tol < 0 || math.IsNaN(p.Tol):
		return fmt.Errorf("Tol = %v, want ≥ 0", p.Tol)
	case p.SeedSample < 0:
		return fmt.Errorf("SeedSample = %d, want ≥ 0", p.SeedSample)
	}
	return nil
}

// KMeans runs SeedPlusPlus and then Lloyd with the parameters p on the n×d matrix
// data. It returns the k×d centroids, the cluster of every row, the inertia (sum of
// squared distances of the rows to their centroids) and the number of Lloyd
// iterations run. It panics if p is invalid or on the shape errors that
// SeedPlusPlus and Lloyd panic on.
func KMeans(data []float32, n, d int, p KMeansParams) (centroids []float32, assign []int32, inertia float64, itersRun int) {
	if err := p.validate(); err != nil {
		panic(fmt.Sprintf("cluster.KMeans: %v", err))
	}
	centroids = SeedPlusPlus(data, n, d, p.K, p.SeedSample, p.Seed)
	assign, inertia, itersRun = Lloyd(data, n, d, centroids, p.K, p.MaxIters, p.Tol)
	return centroids, assign, inertia, itersRun
}

// blockRows is the number of rows one goroutine takes at a time, and the unit of
// the inertia's partial sums. It is a multiple of every kernel's mr (4, 6, 12), so
// only the last block has a partial row group, and it is fixed so that the order of
// the sum does not depend on GOMAXPROCS.
const blockRows = 240

// checkShape panics with a message naming fn unless n, d, k ≥ 1, len(data) = n·d and
// len(centroids) = k·d (centroids is not checked when nil).
func checkShape(fn string, data []float32, n, d int, centroids []float32, k int) {
	switch {
	case n < 1:
		panic(fmt.Sprintf("cluster.%s: n = %d, want ≥ 1", fn, n))
	case d < 1:
		panic(fmt.Sprintf("cluster.%s: d = %d, want ≥ 1", fn, d))
	case k < 1:
		panic(fmt.Sprintf("cluster.%s: k = %d, want ≥ 1", fn, k))
	case len(data) != n*d:
		panic(fmt.Sprintf("cluster.%s: len(data) = %d, want n·d = %d", fn, len(data), n*d))
	case centroids != nil && len(centroids) != k*d:
		panic(fmt.Sprintf("cluster.%s: len(centroids) = %d, want k·d = %d", fn, len(centroids), k*d))
	}
}

// SeedPlusPlus returns k×d initial centroids chosen by k-means++ (D² sampling,
// Arthur and Vassilvitskii 2007) among the rows of the n×d matrix data: the first
// centroid is a uniformly random row, and each next one is row x with probability
// D(x)² / Σ D(y)², where D(x) is the distance from x to the nearest centroid chosen
// so far.
//
// When 0 < sample < n, the candidates are a uniformly random subset of sample rows
// (without replacement); otherwise all n rows are. When every candidate already
// coincides with a chosen centroid (k exceeds the number of distinct candidates, in
// particular k ≥ n), the remaining centroids are uniformly random candidates, so
// centroids repeat. The result depends only on the inputs: the same seed gives the
// same centroids, whatever GOMAXPROCS is.
//
// The cost is at most O(m·k·d) for m candidates, usually far less (distances the
// triangle inequality rules out are skipped); the scratch is O(m + k·d).
// SeedPlusPlus panics if n, d or k < 1, if len(data) ≠ n·d, or if sample < 0.
func SeedPlusPlus(data []float32, n, d, k int, sample int, seed uint64) []float32 {
	checkShape("SeedPlusPlus", data, n, d, nil, k)
	if sample < 0 {
		panic(fmt.Sprintf("cluster.SeedPlusPlus: sample = %d, want ≥ 0", sample))
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	idx := sampleRows(n, sample, rng)
	m := len(idx)
	row := func(j int) []float32 { i := int(idx[j]); return data[i*d : (i+1)*d] }

	// d2[j] = squared distance of candidate j to the nearest centroid chosen so far,
	// near[j] that centroid. A new centroid c cannot be nearer to x than x's current
	// one a when ||c − a|| ≥ 2·||x − a|| (triangle inequality), so most candidates
	// skip the distance: without that, seeding is one pass over the candidates per
	// centroid, memory-bound, and costs more than the whole fit at k in the
	// thousands. The result is the same as computing every distance.
	d2 := make([]float64, m)
	for j := range d2 {
		d2[j] = math.Inf(1)
	}
	near := make([]int32, m)
	cc := make([]float64, k) // squared distance of the new centroid to each earlier one
	sqdist := kern.sqdist
	centroids := make([]float32, k*d)
	pick := rng.IntN(m)
	for c := 0; c < k; c++ {
		if c > 0 {
			pick = drawD2(d2, rng)
		}
		cen := centroids[c*d : (c+1)*d]
		copy(cen, row(pick))
		if c == k-1 {
			break
		}
		for a := 0; a < c; a++ {
			cc[a] = sqdist(centroids[a*d:(a+1)*d], cen)
		}
		parallelRange(m, func(lo, hi int) {
			for j := lo; j < hi; j++ {
				// The margin keeps float64 rounding from skipping a tie-close case.
				if c > 0 && cc[near[j]] >= 4*d2[j]*(1+1e-9) {
					continue
				}
				if dist := sqdist(row(j), cen); dist < d2[j] {
					d2[j], near[j] = dist, int32(c)
				}
			}
		})
	}
	return centroids
}

// drawD2 returns j with probability d2[j]/Σd2, or a uniformly random index when
// Σd2 = 0.
func drawD2(d2 []float64, rng *rand.Rand) int {
	var total float64
	for _, w := range d2 {
		total += w
	}
	if !(total > 0) {
		return rng.IntN(len(d2))
	}
	r := rng.Float64() * total
	last := -1
	var cum float64
	for j, w := range d2 {
		if w <= 0 {
			continue
		}
		cum += w
		last = j
		if r < cum {
			return j
		}
	}
	return last // r ≥ cum only through rounding
}

// sampleRows returns, in increasing order, min(sample, n) distinct row indices drawn
// uniformly (Floyd's algorithm), or all n when sample is 0 or ≥ n.
func sampleRows(n, sample int, rng *rand.Rand) []int32 {
	if sample == 0 || sample >= n {
		idx := make([]int32, n)
		for i := range idx {
			idx[i] = int32(i)
		}
		return idx
	}
	chosen := make(map[int32]struct{}, sample)
	idx := make([]int32, 0, sample)
	for j := n - sample; j < n; j++ {
		t := int32(rng.IntN(j + 1))
		if _, ok := chosen[t]; ok {
			t = int32(j)
		}
		chosen[t] = struct{}{}
		idx = append(idx, t)
	}
	sort.Slice(idx, func(a, b int) bool { return idx[a] < idx[b] })
	return idx
}

// Lloyd runs Lloyd's algorithm on the n×d matrix data from the k×d centroids, which
// it updates in place. Each iteration moves every centroid to the mean of the rows
// assigned to it and then reassigns every row to its nearest centroid (Assign);
// an assignment pass also runs once before the first iteration, so Lloyd makes
// itersRun+1 passes in all. It stops after iters iterations, or earlier when tol > 0
// and an iteration improves the inertia by less than tol relative:
// (previous − current) < tol·previous, or the inertia reaches 0.
//
// A cluster left empty takes one of the rows farthest from their centroids as its
// new centroid, as scikit-learn does, so that no cluster is wasted and the two give
// the same result from the same init. This never increases the inertia. Only rows at
// a positive distance move, so when k exceeds the distinct rows the surplus
// centroids stay where they are (possibly duplicating others).
//
// Lloyd returns the cluster of every row for the returned centroids, the inertia
// Σᵢ ||xᵢ − c_assign[i]||² of that assignment and the number of iterations run
// (0 ≤ itersRun ≤ iters; 0 means centroids are unchanged). Means are accumulated in
// float64 and rounded to float32.
//
// Lloyd panics if n, d or k < 1, if len(data) ≠ n·d or len(centroids) ≠ k·d, if
// iters < 0, or if tol < 0 or NaN.
func Lloyd(data []float32, n, d int, centroids []float32, k int, iters int, tol float64) (assign []int32, inertia float64, itersRun int) {
	checkShape("Lloyd", data, n, d, centroids, k)
	if iters < 0 {
		panic(fmt.Sprintf("cluster.Lloyd: iters = %d, want ≥ 0", iters))
	}
	if tol < 0 || math.IsNaN(tol) {
		panic(fmt.Sprintf("cluster.Lloyd: tol = %v, want ≥ 0", tol))
	}
	assign = make([]int32, n)
	inertia = Assign(data, n, d, centroids, k, assign)
	u := newUpdater(n, k)
	for itersRun < iters {
		u.update(data, n, d, assign, centroids, k)
		prev := inertia
		inertia = Assign(data, n, d, centroids, k, assign)
		itersRun++
		if tol > 0 && (prev-inertia < tol*prev || inertia == 0) {
			break
		}
	}
	return assign, inertia, itersRun
}

// Assign sets assign[i] to the index of the centroid nearest to row i of the n×d
// matrix data by squared Euclidean distance, ties to the lower index, and returns
// the inertia Σᵢ ||xᵢ − c_assign[i]||².
//
// The nearest centroid is found with ||x||² − 2x·c + ||c||², where the dot products
// x·c are summed in float32; so two centroids whose distances to x differ by less
// than float32 rounding of that expansion (about 1e-7·(||x||² + ||c||²)) may be
// taken for one another. The inertia is then summed exactly, in float64, from the
// differences x − c of the chosen centroids, in an order that does not depend on
// GOMAXPROCS. Rows are split into blocks that runtime.GOMAXPROCS goroutines share.
//
// Assign panics if n, d or k < 1, if len(data) ≠ n·d, len(centroids) ≠ k·d or
// len(assign) ≠ n.
func Assign(data []float32, n, d int, centroids []float32, k int, assign []int32) (inertia float64) {
	checkShape("Assign", data, n, d, centroids, k)
	if len(assign) != n {
		panic(fmt.Sprintf("cluster.Assign: len(assign) = %d, want n = %d", len(assign), n))
	}
	kn := kern
	p := pack(centroids, k, d, kn.nr, kn.halfPanel)
	blocks := (n + blockRows - 1) / blockRows
	partial := make([]float64, blocks)
	workers := min(runtime.GOMAXPROCS(0), blocks)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newBlockScratch(kn, d)
			for {
				b := int(next.Add(1) - 1)
				if b >= blocks {
					return
				}
				lo, hi := b*blockRows, min((b+1)*blockRows, n)
				partial[b] = nearestBlock(kn, data[lo*d:hi*d], hi-lo, d, centroids, p, s, assign[lo:hi])
			}
		}()
	}
	wg.Wait()
	for _, p := range partial {
		inertia += p
	}
	return inertia
}

// parallelRange calls f on contiguous subranges that split [0, n) among
// runtime.GOMAXPROCS goroutines and waits for them.
func parallelRange(n int, f func(lo, hi int)) {
	workers := max(1, min(runtime.GOMAXPROCS(0), n/1024))
	if workers == 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
}

// SqDist returns ||a − b||², summed in float64 by the SIMD kernel in a fixed order (the
// same on every CPU). It panics if len(b) < len(a).
func SqDist(a, b []float32) float64 {
	if len(b) < len(a) {
		panic(fmt.Sprintf("cluster.SqDist: vectors of lengths %d and %d", len(a), len(b)))
	}
	return kern.sqdist(a, b)
}
