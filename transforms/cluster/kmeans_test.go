package cluster

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// mixture returns n×d rows drawn around k centers: center coordinates are
// N(0, spread²) and the noise N(0, 1) per coordinate; label[i] is row i's center.
func mixture(n, d, k int, spread float64, seed uint64) (data []float32, label []int) {
	rng := rand.New(rand.NewPCG(seed, 7))
	centers := make([]float64, k*d)
	for i := range centers {
		centers[i] = spread * rng.NormFloat64()
	}
	data = make([]float32, n*d)
	label = make([]int, n)
	for i := 0; i < n; i++ {
		c := rng.IntN(k)
		label[i] = c
		for j := 0; j < d; j++ {
			data[i*d+j] = float32(centers[c*d+j] + rng.NormFloat64())
		}
	}
	return data, label
}

// bruteInertia is Σᵢ minⱼ ||xᵢ − cⱼ||² in float64, straight from the definition.
func bruteInertia(data []float32, n, d int, centroids []float32, k int) (float64, []int32) {
	var sum float64
	assign := make([]int32, n)
	for i := 0; i < n; i++ {
		best := math.Inf(1)
		for c := 0; c < k; c++ {
			var s float64
			for j := 0; j < d; j++ {
				diff := float64(data[i*d+j]) - float64(centroids[c*d+j])
				s += diff * diff
			}
			if s < best {
				best, assign[i] = s, int32(c)
			}
		}
		sum += best
	}
	return sum, assign
}

func TestAssignMatchesBruteForce(t *testing.T) {
	for _, tc := range []struct{ n, d, k int }{
		{1, 1, 1}, {7, 3, 2}, {300, 5, 9}, {1000, 16, 40}, // 1000 > blockRows: several blocks
	} {
		data, _ := mixture(tc.n, tc.d, tc.k, 3, 1)
		cent := SeedPlusPlus(data, tc.n, tc.d, tc.k, 0, 2)
		assign := make([]int32, tc.n)
		got := Assign(data, tc.n, tc.d, cent, tc.k, assign)
		want, wantAssign := bruteInertia(data, tc.n, tc.d, cent, tc.k)
		// Both sums are float64 of the same exact terms in a different order when the
		// assignments agree: relative error ~ n·2⁻⁵³, far below 1e-9.
		if math.Abs(got-want) > 1e-9*want+1e-12 {
			t.Errorf("n=%d d=%d k=%d: inertia %v, want %v", tc.n, tc.d, tc.k, got, want)
		}
		if !slices.Equal(assign, wantAssign) {
			t.Errorf("n=%d d=%d k=%d: assignments differ from brute force", tc.n, tc.d, tc.k)
		}
	}
}

func TestAssignTiesToLowerIndex(t *testing.T) {
	// x = 0 is at distance 1 from both ±1, and the expansion is exact in float32
	// (all terms are small integers), so the tie is exact.
	for _, tc := range []struct {
		name      string
		data      []float32
		centroids []float32
		k         int
		want      []int32
	}{
		{"two", []float32{0}, []float32{1, -1}, 2, []int32{0}},
		{"reversed", []float32{0}, []float32{-1, 1}, 2, []int32{0}},
		{"duplicates", []float32{5, 3}, []float32{0, 3, 3, 3}, 4, []int32{1, 1}},
		{"2-D", []float32{0, 0}, []float32{2, 0, 0, 2, 0, -2}, 3, []int32{0}},
	} {
		d := len(tc.data) / len(tc.want)
		assign := make([]int32, len(tc.want))
		Assign(tc.data, len(tc.want), d, tc.centroids, tc.k, assign)
		if !slices.Equal(assign, tc.want) {
			t.Errorf("%s: assign = %v, want %v", tc.name, assign, tc.want)
		}
	}
}

func TestLloydInertiaNonIncreasing(t *testing.T) {
	const n, d, k = 2000, 16, 10
	data, _ := mixture(n, d, 8, 2, 3)
	cent := SeedPlusPlus(data, n, d, k, 0, 4)
	_, prev, _ := Lloyd(data, n, d, cent, k, 0, 0)
	for it := 1; it <= 30; it++ {
		_, cur, run := Lloyd(data, n, d, cent, k, 1, 0)
		if run != 1 {
			t.Fatalf("iteration %d ran %d iterations, want 1", it, run)
		}
		// In exact arithmetic Lloyd never increases the inertia. Centroids are means
		// rounded to float32 (relative 6e-8 per coordinate) and the argmin may swap
		// centroids whose distances agree to float32 rounding, so allow 1e-6 relative.
		if cur > prev*(1+1e-6) {
			t.Errorf("iteration %d: inertia rose from %v to %v", it, prev, cur)
		}
		prev = cur
	}
}

func TestLloydTolStopsEarly(t *testing.T) {
	const n, d, k = 2000, 16, 8
	data, _ := mixture(n, d, k, 2, 5)
	cent := SeedPlusPlus(data, n, d, k, 0, 6)
	_, _, run := Lloyd(data, n, d, cent, k, 500, 1e-4)
	if run < 1 || run >= 500 {
		t.Errorf("ran %d iterations with tol 1e-4, want 1 ≤ it < 500", run)
	}
	cent = SeedPlusPlus(data, n, d, k, 0, 6)
	if _, _, run := Lloyd(data, n, d, cent, k, 25, 0); run != 25 {
		t.Errorf("ran %d iterations with tol 0, want exactly 25", run)
	}
}

func TestRecoversSeparatedBlobs(t *testing.T) {
	// Three blobs with unit noise whose centers are 100 apart: every point is far
	// closer to its own center than to another's.
	const n, d, k = 600, 4, 3
	rng := rand.New(rand.NewPCG(8, 9))
	centers := [][]float64{{0, 0, 0, 0}, {100, 0, 0, 0}, {0, 100, 0, 0}}
	data := make([]float32, n*d)
	label := make([]int, n)
	for i := range label {
		label[i] = i % k
		for j := 0; j < d; j++ {
			data[i*d+j] = float32(centers[label[i]][j] + rng.NormFloat64())
		}
	}
	for seed := uint64(0); seed < 5; seed++ {
		cent, assign, _, _ := KMeans(data, n, d, KMeansParams{K: k, MaxIters: 50, Tol: 1e-6, Seed: seed})
		blobToCluster := map[int]int32{}
		for i, a := range assign {
			if c, ok := blobToCluster[label[i]]; ok && c != a {
				t.Fatalf("seed %d: blob %d split over clusters %d and %d", seed, label[i], c, a)
			}
			blobToCluster[label[i]] = a
		}
		seen := map[int32]bool{}
		for _, c := range blobToCluster {
			seen[c] = true
		}
		if len(seen) != k {
			t.Fatalf("seed %d: blobs map to clusters %v, want %d distinct", seed, blobToCluster, k)
		}
		// Each centroid is the mean of ~200 unit-normal points around its center, so
		// within 0.5 (≈ 7 standard errors of 1/√200) of it in every coordinate.
		for b, c := range blobToCluster {
			for j := 0; j < d; j++ {
				if diff := math.Abs(float64(cent[int(c)*d+j]) - centers[b][j]); diff > 0.5 {
					t.Errorf("seed %d: centroid %d coordinate %d is %v from its center", seed, c, j, diff)
				}
			}
		}
	}
}

func TestDeterministicForSeed(t *testing.T) {
	const n, d, k = 1500, 8, 12
	data, _ := mixture(n, d, k, 1.5, 10)
	run := func(seed uint64, sample int) ([]float32, []int32, float64) {
		cent := SeedPlusPlus(data, n, d, k, sample, seed)
		assign, inertia, _ := Lloyd(data, n, d, cent, k, 10, 0)
		return cent, assign, inertia
	}
	for _, sample := range []int{0, 300} {
		c1, a1, i1 := run(42, sample)
		c2, a2, i2 := run(42, sample)
		if !slices.Equal(c1, c2) || !slices.Equal(a1, a2) || i1 != i2 {
			t.Errorf("sample %d: two runs with seed 42 differ", sample)
		}
		c3, _, _ := run(43, sample)
		if slices.Equal(c1, c3) {
			t.Errorf("sample %d: seeds 42 and 43 gave the same centroids", sample)
		}
	}
}

func TestSeedPlusPlusPicksRows(t *testing.T) {
	const n, d, k = 400, 3, 20
	data, _ := mixture(n, d, 5, 2, 11)
	for _, sample := range []int{0, 50, 1000} {
		cent := SeedPlusPlus(data, n, d, k, sample, 12)
		for c := 0; c < k; c++ {
			found := false
			for i := 0; i < n && !found; i++ {
				found = slices.Equal(cent[c*d:(c+1)*d], data[i*d:(i+1)*d])
			}
			if !found {
				t.Errorf("sample %d: centroid %d is not a row of data", sample, c)
			}
		}
		// n distinct random points: k-means++ never picks a point twice while some
		// D² > 0, so the k ≤ n centroids are distinct.
		for a := 0; a < k; a++ {
			for b := a + 1; b < k; b++ {
				if slices.Equal(cent[a*d:(a+1)*d], cent[b*d:(b+1)*d]) {
					t.Errorf("sample %d: centroids %d and %d coincide", sample, a, b)
				}
			}
		}
	}
}

func TestKAtLeastN(t *testing.T) {
	// Five distinct points and k = 5, 8: every point gets a zero-distance centroid,
	// and the surplus centroids (repeats) are harmless.
	data := []float32{0, 0, 1, 0, 0, 1, 5, 5, -3, 2}
	const n, d = 5, 2
	for _, k := range []int{5, 8} {
		cent := SeedPlusPlus(data, n, d, k, 0, 1)
		assign, inertia, _ := Lloyd(data, n, d, cent, k, 5, 0)
		if inertia != 0 {
			t.Errorf("k=%d: inertia %v, want 0", k, inertia)
		}
		for i, a := range assign {
			if !slices.Equal(cent[int(a)*d:(int(a)+1)*d], data[i*d:(i+1)*d]) {
				t.Errorf("k=%d: row %d assigned to centroid %v", k, i, cent[int(a)*d:(int(a)+1)*d])
			}
		}
	}
}

func TestKOneIsMean(t *testing.T) {
	const n, d = 1000, 5
	data, _ := mixture(n, d, 3, 4, 13)
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			mean[j] += float64(data[i*d+j]) / n
		}
	}
	cent := SeedPlusPlus(data, n, d, 1, 0, 14)
	assign, _, run := Lloyd(data, n, d, cent, 1, 3, 0)
	if run != 3 {
		t.Errorf("ran %d iterations, want 3", run)
	}
	for i, a := range assign {
		if a != 0 {
			t.Fatalf("row %d assigned to %d, want 0", i, a)
		}
	}
	for j := 0; j < d; j++ {
		// The mean is summed in float64 and rounded to float32 once: error ≤ 6e-8·|mean|
		// with |mean| < 10 here, well inside 1e-5.
		if diff := math.Abs(float64(cent[j]) - mean[j]); diff > 1e-5 {
			t.Errorf("coordinate %d: centroid %v, mean %v", j, cent[j], mean[j])
		}
	}
}

func TestOneDimension(t *testing.T) {
	// d = 1: points 0,1,2 and 10,11,12 split into two clusters with means 1 and 11
	// and inertia 2·(1+0+1) = 4, exactly representable.
	data := []float32{0, 10, 1, 11, 2, 12}
	cent := []float32{0, 12}
	assign, inertia, _ := Lloyd(data, 6, 1, cent, 2, 10, 0)
	if !slices.Equal(assign, []int32{0, 1, 0, 1, 0, 1}) {
		t.Errorf("assign = %v", assign)
	}
	if !slices.Equal(cent, []float32{1, 11}) || inertia != 4 {
		t.Errorf("centroids %v inertia %v, want [1 11] and 4", cent, inertia)
	}
}

func TestEmptyClusterTakesTheFarthestRow(t *testing.T) {
	// The centroid at 100 is never nearest. The row farthest from its centroid is 10
	// (8 from the centroid at 2): it becomes the empty cluster's centroid, as in
	// scikit-learn, and leaves its old cluster's mean.
	data := []float32{0, 1, 2, 3, 10}
	cent := []float32{0, 100, 2}
	assign, inertia, _ := Lloyd(data, 5, 1, cent, 3, 1, 0)
	if cent[1] != 10 || cent[0] != 0.5 || cent[2] != 2.5 {
		t.Errorf("centroids %v, want [0.5 10 2.5]", cent)
	}
	if !slices.Equal(assign, []int32{0, 0, 2, 2, 1}) || inertia != 1 {
		t.Errorf("assign %v inertia %v, want [0 0 2 2 1] and 1", assign, inertia)
	}
	// Rows that sit on their centroids do not move: the surplus centroid stays.
	same := []float32{5, 5, 5}
	cent = []float32{5, 100}
	Lloyd(same, 3, 1, cent, 2, 3, 0)
	if cent[1] != 100 {
		t.Errorf("a surplus centroid moved to %v with every row on a centroid", cent[1])
	}
}

func TestPanics(t *testing.T) {
	data := make([]float32, 6) // 3×2
	cent := make([]float32, 4) // 2×2
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"Assign n=0", func() { Assign(nil, 0, 2, cent, 2, nil) }, "n = 0"},
		{"Assign d=0", func() { Assign(data, 3, 0, cent, 2, make([]int32, 3)) }, "d = 0"},
		{"Assign k=0", func() { Assign(data, 3, 2, nil, 0, make([]int32, 3)) }, "k = 0"},
		{"Assign len(data)", func() { Assign(data[:5], 3, 2, cent, 2, make([]int32, 3)) }, "len(data)"},
		{"Assign len(centroids)", func() { Assign(data, 3, 2, cent[:3], 2, make([]int32, 3)) }, "len(centroids)"},
		{"Assign len(assign)", func() { Assign(data, 3, 2, cent, 2, make([]int32, 2)) }, "len(assign)"},
		{"Lloyd len(centroids)", func() { Lloyd(data, 3, 2, cent, 3, 1, 0) }, "len(centroids)"},
		{"Lloyd iters", func() { Lloyd(data, 3, 2, cent, 2, -1, 0) }, "iters"},
		{"Lloyd tol", func() { Lloyd(data, 3, 2, cent, 2, 1, -1) }, "tol"},
		{"Lloyd tol NaN", func() { Lloyd(data, 3, 2, cent, 2, 1, math.NaN()) }, "tol"},
		{"SeedPlusPlus k=0", func() { SeedPlusPlus(data, 3, 2, 0, 0, 1) }, "k = 0"},
		{"SeedPlusPlus len(data)", func() { SeedPlusPlus(data, 4, 2, 1, 0, 1) }, "len(data)"},
		{"SeedPlusPlus sample", func() { SeedPlusPlus(data, 3, 2, 1, -1, 1) }, "sample"},
		{"KMeans K", func() { KMeans(data, 3, 2, KMeansParams{K: 0}) }, "K = 0"},
		{"KMeans MaxIters", func() { KMeans(data, 3, 2, KMeansParams{K: 1, MaxIters: -1}) }, "MaxIters"},
		{"WriteNPY shape", func() { WriteNPY(nil, data, 2, 2) }, "WriteNPY"},
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil {
					t.Errorf("%s: no panic", tc.name)
					return
				}
				if msg := fmt.Sprint(r); !strings.Contains(msg, tc.want) {
					t.Errorf("%s: panic %q, want it to mention %q", tc.name, msg, tc.want)
				}
			}()
			tc.f()
		}()
	}
}

// TestSeedPlusPlusPruningChangesNothing compares SeedPlusPlus, which skips distances
// the triangle inequality rules out, with plain k-means++ computing every distance,
// on clustered data where most are skipped.
func TestSeedPlusPlusPruningChangesNothing(t *testing.T) {
	const n, d, k, sample = 3000, 16, 40, 2000
	rng := rand.New(rand.NewPCG(9, 9))
	centers := randMatrix(rng, k, d, 10)
	data := make([]float32, 0, n*d)
	for i := 0; i < n; i++ {
		c := centers[rng.IntN(k)*d:]
		for j := 0; j < d; j++ {
			data = append(data, c[j]+float32(rng.NormFloat64()*0.3))
		}
	}
	got := SeedPlusPlus(data, n, d, k, sample, 42)

	r := rand.New(rand.NewPCG(42, 0x9e3779b97f4a7c15))
	idx := sampleRows(n, sample, r)
	d2 := make([]float64, len(idx))
	for j := range d2 {
		d2[j] = math.Inf(1)
	}
	want := make([]float32, k*d)
	pick := r.IntN(len(idx))
	for c := 0; c < k; c++ {
		if c > 0 {
			pick = drawD2(d2, r)
		}
		copy(want[c*d:(c+1)*d], data[int(idx[pick])*d:int(idx[pick]+1)*d])
		for j, i := range idx {
			d2[j] = min(d2[j], sqdist64(data[int(i)*d:int(i+1)*d], want[c*d:(c+1)*d]))
		}
	}
	if !slices.Equal(got, want) {
		t.Fatal("pruned k-means++ chose other centroids than plain k-means++")
	}
}
