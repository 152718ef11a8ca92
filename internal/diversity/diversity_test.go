package diversity

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// unitRows returns n random unit rows of d columns, some of them zero when zeros is set.
func unitRows(rng *rand.Rand, n, d int) []float32 {
	v := make([]float32, n*d)
	for i := 0; i < n; i++ {
		var ss float64
		for j := 0; j < d; j++ {
			x := rng.NormFloat64()
			v[i*d+j] = float32(x)
			ss += x * x
		}
		for j := 0; j < d; j++ {
			v[i*d+j] = float32(float64(v[i*d+j]) / math.Sqrt(ss))
		}
	}
	return v
}

// vendiReference is the definition: the eigenvalues of the n×n kernel matrix K/n with
// K_ij = cos(x_i, x_j).
func vendiReference(vecs []float32, n, d int) float64 {
	k := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			xi, xj := vecs[i*d:(i+1)*d], vecs[j*d:(j+1)*d]
			c := dot(xi, xj) / math.Sqrt(dot(xi, xi)*dot(xj, xj))
			k.SetSym(i, j, c/float64(n))
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(k, false) {
		panic("no eigen decomposition")
	}
	return math.Exp(entropy(eig.Values(nil)))
}

func TestVendiMatchesKernelReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct{ n, d int }{{1, 8}, {2, 8}, {5, 16}, {40, 16}, {100, 32}, {150, 200}, {300, 64}} {
		v := unitRows(rng, c.n, c.d)
		// Plant exact copies: the kernel matrix is then rank-deficient.
		if c.n >= 40 {
			copy(v[:c.d], v[c.d:2*c.d])
		}
		got, want := Vendi(v, c.n, c.d), vendiReference(v, c.n, c.d)
		if math.Abs(got-want) > 1e-9*math.Max(1, want) {
			t.Errorf("n=%d d=%d: Vendi %.12f, kernel reference %.12f", c.n, c.d, got, want)
		}
	}
}

func TestVendiBounds(t *testing.T) {
	d := 16
	same := make([]float32, 0, 10*d)
	row := unitRows(rand.New(rand.NewPCG(3, 4)), 1, d)
	for i := 0; i < 10; i++ {
		same = append(same, row...)
	}
	if v := Vendi(same, 10, d); math.Abs(v-1) > 1e-9 {
		t.Errorf("ten copies of one row: Vendi %v, want 1", v)
	}
	basis := make([]float32, d*d)
	for i := 0; i < d; i++ {
		basis[i*d+i] = 1
	}
	if v := Vendi(basis, d, d); math.Abs(v-float64(d)) > 1e-9 {
		t.Errorf("orthonormal basis of %d: Vendi %v, want %d", d, v, d)
	}
	// A zero row has no direction and is left out.
	withZero := append(make([]float32, d), basis...)
	if v := Vendi(withZero, d+1, d); math.Abs(v-float64(d)) > 1e-9 {
		t.Errorf("basis plus a zero row: Vendi %v, want %d", v, d)
	}
	if v := Vendi(make([]float32, d), 1, d); !math.IsNaN(v) {
		t.Errorf("only a zero row: Vendi %v, want NaN", v)
	}
}

func TestCoverageMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct{ n, k, d int }{{1, 1, 8}, {50, 3, 16}, {300, 40, 64}, {257, 129, 33}} {
		pool := unitRows(rng, c.n, c.d)
		chosen := unitRows(rng, c.k, c.d)
		got := NearestDistances(pool, c.n, chosen, c.k, c.d)
		want := make([]float64, c.n)
		for i := range want {
			want[i] = math.Inf(1)
			for j := 0; j < c.k; j++ {
				want[i] = math.Min(want[i], 1-dot(pool[i*c.d:(i+1)*c.d], chosen[j*c.d:(j+1)*c.d]))
			}
			if math.Abs(got[i]-want[i]) > 1e-6 {
				t.Fatalf("n=%d k=%d: row %d at %.9f from the chosen set, brute force %.9f", c.n, c.k, i, got[i], want[i])
			}
		}
		cov, ref := CoverageOf(got), CoverageOf(want)
		if math.Abs(cov.Mean-ref.Mean) > 1e-6 || math.Abs(cov.P95-ref.P95) > 1e-6 {
			t.Errorf("n=%d k=%d: coverage %+v, brute force %+v", c.n, c.k, cov, ref)
		}
	}
	if c := CoverageOf([]float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}); c.P95 != 18 || c.Mean != 9.5 {
		t.Errorf("coverage of 0..19: %+v, want mean 9.5 and p95 18 (nearest rank)", c)
	}
}

func TestNearDuplicateShareMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	n, d := 700, 24 // more than one block of 512
	v := unitRows(rng, n, d)
	for i := 0; i < 30; i++ { // plant 30 near-copies
		src, dst := rng.IntN(n), rng.IntN(n)
		for j := 0; j < d; j++ {
			v[dst*d+j] = v[src*d+j] + float32(rng.NormFloat64()*0.01)
		}
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	best := MostSimilarOther(v, n, d, all)
	dup := 0
	for i := 0; i < n; i++ {
		want := math.Inf(-1)
		for j := 0; j < n; j++ {
			if j != i {
				want = math.Max(want, dot(v[i*d:(i+1)*d], v[j*d:(j+1)*d]))
			}
		}
		if math.Abs(best[i]-want) > 1e-5 {
			t.Fatalf("row %d: most similar other %.7f, brute force %.7f", i, best[i], want)
		}
		if want >= 0.9 {
			dup++
		}
	}
	if dup < 30 {
		t.Fatalf("only %d rows with a near-copy; the plant failed", dup)
	}
	if got := NearDuplicateShare(v, n, d, all, 0.9); math.Abs(got-float64(dup)/float64(n)) > 1e-12 {
		t.Errorf("share %v, brute force %v", got, float64(dup)/float64(n))
	}
}

func TestMeanPairwiseDistance(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	n, d := 60, 12
	v := unitRows(rng, n, d)
	var sum float64
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			sum += 1 - dot(v[i*d:(i+1)*d], v[j*d:(j+1)*d])
		}
	}
	if got, want := MeanPairwiseDistance(v, n, d), sum/float64(n*(n-1)/2); math.Abs(got-want) > 1e-9 {
		t.Errorf("mean pairwise distance %v, brute force %v", got, want)
	}
}

func TestFarthestFirst(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	m, d := 80, 10
	v := unitRows(rng, m, d)
	rank := rng.Perm(m)
	got, gain := FarthestFirst(v, m, d, 7, 20, rank)
	if len(got) != 20 || got[0] != 7 {
		t.Fatalf("order %v: want 20 members starting at 7", got)
	}
	taken := map[int]bool{}
	for step, next := range got {
		if taken[next] {
			t.Fatalf("member %d taken twice", next)
		}
		if step > 0 {
			// next must be at least as far from the taken set as any other member.
			far := func(i int) float64 {
				best := math.Inf(1)
				for j := range taken {
					best = math.Min(best, 1-dot(v[i*d:(i+1)*d], v[j*d:(j+1)*d]))
				}
				return best
			}
			for i := 0; i < m; i++ {
				if !taken[i] && far(i) > far(next)+1e-12 {
					t.Fatalf("step %d took %d at %.6f, but %d is at %.6f", step, next, far(next), i, far(i))
				}
			}
		}
		if step > 0 && gain[step] > gain[step-1] {
			t.Fatalf("gain rose at step %d: %v", step, gain)
		}
		taken[next] = true
	}
	if !math.IsInf(gain[0], 1) {
		t.Errorf("the first member's gain is %v, want +Inf", gain[0])
	}
	if all, _ := FarthestFirst(v, m, d, 0, 1000, rank); len(all) != m {
		t.Errorf("a quota above the cluster gives %d of %d", len(all), m)
	}
	// Copies tie: the lower rank wins.
	dup := append(append([]float32{}, v[:d]...), v[:d]...)
	dup = append(dup, v[d:2*d]...)
	if o, _ := FarthestFirst(dup, 3, d, 2, 2, []int{5, 1, 0}); o[1] != 1 {
		t.Errorf("tie between two copies went to %d, want the lower rank (1)", o[1])
	}
}

func TestTopics(t *testing.T) {
	tp := TopicsOf([]string{"a", "a", "b", "b", "", "c", "c", "d", "d"})
	if tp.Covered != 4 || math.Abs(tp.Entropy-math.Log(4)) > 1e-12 {
		t.Errorf("topics %+v, want 4 covered and entropy ln 4", tp)
	}
}

func TestSpread(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	m, d := 120, 16
	v := unitRows(rng, m, d)
	// Ten near-copies of member 0: once one of them is taken the rest add little.
	for c := 1; c <= 10; c++ {
		for j := 0; j < d; j++ {
			v[c*d+j] = v[j] + float32(rng.NormFloat64()*0.001)
		}
	}
	rank := rng.Perm(m)
	order, gain := Spread(v, m, d, 0, 30, rank, 64)
	if len(order) != 30 || order[0] != 0 || !math.IsInf(gain[0], 1) {
		t.Fatalf("order %v gain %v: want 30 members from 0, the first at +Inf", order, gain)
	}
	seen := map[int]bool{}
	for j, i := range order {
		if seen[i] {
			t.Fatalf("member %d taken twice", i)
		}
		seen[i] = true
		if j > 1 && gain[j] > gain[j-1] {
			t.Fatalf("gain rose at %d: %v", j, gain)
		}
		if j > 0 && i <= 10 {
			t.Errorf("step %d took near-copy %d of the first member", j, i)
		}
	}
	again, _ := Spread(v, m, d, 0, 30, rank, 64)
	for j := range order {
		if order[j] != again[j] {
			t.Fatalf("not deterministic: %v then %v", order, again)
		}
	}
}

// spreadEager is the plain greedy Spread speeds up: every member rescored every step.
func spreadEager(vecs []float32, m, d, start, q int, rank []int, maxClients int) []int {
	cv := newCoverer(vecs, m, d, rank, maxClients)
	taken := make([]bool, m)
	order := []int{start}
	taken[start] = true
	cv.take(start)
	for len(order) < min(q, m) {
		best, bestScore := -1, math.Inf(-1)
		for i := 0; i < m; i++ {
			if taken[i] {
				continue
			}
			far := math.Inf(1)
			for _, t := range order {
				far = math.Min(far, 1-dot(vecs[i*d:(i+1)*d], vecs[t*d:(t+1)*d]))
			}
			s := cv.gain(i)
			if s > 0 {
				s *= far * far * far * far
			}
			if s > bestScore || s == bestScore && rank[i] < rank[best] {
				best, bestScore = i, s
			}
		}
		taken[best] = true
		cv.take(best)
		order = append(order, best)
	}
	return order
}

func TestSpreadIsTheGreedyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, c := range []struct{ m, d, q, clients int }{{60, 8, 20, 64}, {200, 16, 120, 50}, {300, 32, 300, 512}} {
		v := unitRows(rng, c.m, c.d)
		rank := rng.Perm(c.m)
		got, _ := Spread(v, c.m, c.d, 3, c.q, rank, c.clients)
		want := spreadEager(v, c.m, c.d, 3, c.q, rank, c.clients)
		if len(got) != len(want) {
			t.Fatalf("m=%d q=%d: %d members, want %d", c.m, c.q, len(got), len(want))
		}
		for j := range got {
			if got[j] != want[j] {
				t.Fatalf("m=%d q=%d clients=%d: the lazy order leaves the greedy's at step %d: %v vs %v", c.m, c.q, c.clients, j, got[:j+1], want[:j+1])
			}
		}
	}
}
