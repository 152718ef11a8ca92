package cluster

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// kernels returns every kernel this CPU runs: the pure-Go one and the assembly.
func kernels() []distKernel { return append([]distKernel{genericKernel}, asmKernels()...) }

// withKernel runs f with kern set to kn.
func withKernel(kn distKernel, f func()) {
	saved := kern
	defer func() { kern = saved }()
	kern = kn
	f()
}

func randMatrix(rng *rand.Rand, rows, cols int, scale float64) []float32 {
	m := make([]float32, rows*cols)
	for i := range m {
		m[i] = float32(scale * rng.NormFloat64())
	}
	return m
}

// sqdist64 is ||x − c||² in float64, term by term.
func sqdist64(x, c []float32) float64 {
	var s float64
	for j := range x {
		diff := float64(x[j]) - float64(c[j])
		s += diff * diff
	}
	return s
}

func TestKernelsMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// Shapes cover d = 1, k = 1, d and k below, at and off every tile and
	// unroll width (nr = 2, 16, 32; d steps of 4 and 8), k ending in a half panel
	// (k mod 32 in 1..16) or not, and n off mr (4, 6, 12) and off blockRows, with
	// more than one block.
	shapes := []struct{ n, d, k int }{
		{1, 1, 1}, {5, 1, 3}, {13, 2, 1}, {7, 3, 2}, {25, 5, 17}, {37, 8, 16},
		{50, 9, 33}, {241, 16, 32}, {100, 31, 47}, {481, 33, 65}, {61, 64, 200}, {30, 257, 7},
	}
	for _, kn := range kernels() {
		for _, sh := range shapes {
			n, d, k := sh.n, sh.d, sh.k
			data := randMatrix(rng, n, d, 1)
			cent := randMatrix(rng, k, d, 1)
			assign := make([]int32, n)
			var inertia float64
			withKernel(kn, func() { inertia = Assign(data, n, d, cent, k, assign) })

			var want float64
			for i := 0; i < n; i++ {
				x := data[i*d : (i+1)*d]
				var xx, cmax float64
				for _, v := range x {
					xx += float64(v) * float64(v)
				}
				dist := make([]float64, k)
				for c := range dist {
					dist[c] = sqdist64(x, cent[c*d:(c+1)*d])
					cmax = max(cmax, sqdist64(cent[c*d:(c+1)*d], make([]float32, d)))
				}
				best := 0
				for c := range dist {
					if dist[c] < dist[best] {
						best = c
					}
				}
				// float32 rounding of ||c||² − 2x·c: each of the d products and sums is
				// off by at most 2⁻²⁴ relative, and |x·c| ≤ (||x||² + ||c||²)/2, so
				// d·2⁻²³·(||x||² + max ||c||²) bounds the error of a distance.
				tol := float64(d+2) * 0x1p-23 * (xx + cmax)
				got := int(assign[i])
				if dist[got] > dist[best]+2*tol {
					t.Errorf("%s n=%d d=%d k=%d row %d: centroid %d at %v, nearest %d at %v",
						kn.name, n, d, k, i, got, dist[got], best, dist[best])
				}
				second := math.Inf(1)
				for c := range dist {
					if c != best {
						second = min(second, dist[c])
					}
				}
				if second-dist[best] > 2*tol && got != best {
					t.Errorf("%s n=%d d=%d k=%d row %d: centroid %d, want %d (clear winner)",
						kn.name, n, d, k, i, got, best)
				}
				want += sqdist64(x, cent[got*d:(got+1)*d])
			}
			// Same terms as want, summed in another order: n·d·2⁻⁵² relative at most.
			if math.Abs(inertia-want) > float64(n*d)*0x1p-52*want {
				t.Errorf("%s n=%d d=%d k=%d: inertia %v, want %v", kn.name, n, d, k, inertia, want)
			}
		}
	}
}

func TestKernelsAgree(t *testing.T) {
	// With unit Gaussians a float32 near-tie that could split the kernels is rare
	// enough that all kernels choose alike and, as sqdist is bit-identical, return
	// the very same inertia.
	rng := rand.New(rand.NewPCG(3, 4))
	const n, d, k = 500, 70, 45
	data := randMatrix(rng, n, d, 1)
	cent := randMatrix(rng, k, d, 1)
	var ref []int32
	var refInertia float64
	for _, kn := range kernels() {
		assign := make([]int32, n)
		var inertia float64
		withKernel(kn, func() { inertia = Assign(data, n, d, cent, k, assign) })
		if ref == nil {
			ref, refInertia = assign, inertia
			continue
		}
		if !slices.Equal(assign, ref) || inertia != refInertia {
			t.Errorf("%s: assignment or inertia (%v) differs from %s (%v)", kn.name, inertia, genericKernel.name, refInertia)
		}
	}
}

func TestKernelsTiesToLowerIndex(t *testing.T) {
	// Copies of one centroid at indices spread over lanes and panels of every
	// kernel; integer coordinates make every distance exact in float32, so the
	// copies tie exactly and the lowest index must win.
	const d, k = 5, 70
	for _, copies := range [][]int{{3, 17, 35}, {69, 40, 33, 8}, {0, 64}, {31, 32}, {15, 16, 47}} {
		cent := make([]float32, k*d)
		for c := 0; c < k; c++ {
			for j := 0; j < d; j++ {
				cent[c*d+j] = float32(10 + c + j) // far from the row
			}
		}
		for _, c := range copies {
			for j := 0; j < d; j++ {
				cent[c*d+j] = float32(j % 2)
			}
		}
		const n = 14 // off every mr
		data := make([]float32, n*d)
		for i := range data {
			data[i] = float32((i % d) % 3) // each row is at the same distance from all copies
		}
		want := int32(slices.Min(copies))
		for _, kn := range kernels() {
			assign := make([]int32, n)
			withKernel(kn, func() { Assign(data, n, d, cent, k, assign) })
			for i, a := range assign {
				if a != want {
					t.Errorf("%s copies %v row %d: centroid %d, want %d", kn.name, copies, i, a, want)
				}
			}
		}
	}
}

func TestKernelsExistingTieCases(t *testing.T) {
	for _, kn := range kernels() {
		t.Run(kn.name, func(t *testing.T) {
			withKernel(kn, func() { TestAssignTiesToLowerIndex(t) })
		})
	}
}

func TestSqdistAndAddToBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, kn := range kernels() {
		for _, n := range []int{0, 1, 3, 7, 8, 9, 15, 16, 17, 64, 255, 256, 1001} {
			// Mixed magnitudes, so that rounding (and its order) matters.
			x := randMatrix(rng, 1, n, 1e3)
			c := randMatrix(rng, 1, n, 1e-2)
			if got, want := kn.sqdist(x, c), sqdistGeneric(x, c); got != want {
				t.Errorf("%s n=%d: sqdist %v, want %v", kn.name, n, got, want)
			}
			dst := make([]float64, n)
			want := make([]float64, n)
			for i := range dst {
				dst[i] = 1e9 * rng.NormFloat64()
				want[i] = dst[i]
			}
			kn.addTo(dst, x, c)
			addToGeneric(want, x, nil)
			if !slices.Equal(dst, want) {
				t.Errorf("%s n=%d: addTo differs", kn.name, n)
			}
		}
	}
}

func TestLloydIndependentOfGOMAXPROCS(t *testing.T) {
	const n, d, k = 8000, 40, 25 // n·d large enough to split the centroid update 4 ways
	data, _ := mixture(n, d, k, 1, 21)
	run := func(procs int) ([]float32, []int32, float64) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		cent := SeedPlusPlus(data, n, d, k, 0, 22)
		assign, inertia, _ := Lloyd(data, n, d, cent, k, 5, 0)
		return cent, assign, inertia
	}
	c1, a1, i1 := run(1)
	for _, procs := range []int{2, 3, 8} {
		c, a, i := run(procs)
		if !slices.Equal(c, c1) || !slices.Equal(a, a1) || i != i1 {
			t.Errorf("GOMAXPROCS=%d: result differs from GOMAXPROCS=1", procs)
		}
	}
}

// BenchmarkAssign reports each kernel's speed on one assignment pass, counting
// 2·n·k·d flops for the dot products.
func BenchmarkAssign(b *testing.B) {
	const n, d, k = 20000, 256, 200
	data, _ := mixture(n, d, k, 4, 30)
	cent := SeedPlusPlus(data, n, d, k, 2000, 31)
	assign := make([]int32, n)
	for _, kn := range kernels() {
		b.Run(kn.name, func(b *testing.B) {
			withKernel(kn, func() {
				for b.Loop() {
					Assign(data, n, d, cent, k, assign)
				}
			})
			b.ReportMetric(2*n*k*d*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkNearest reports the microkernels' speed alone, on one row group whose
// rows stay in L1, against k centroids.
func BenchmarkNearest(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	const d = 256
	for _, k := range []int{32, 200, 1024} {
		for _, kn := range kernels() {
			b.Run(fmt.Sprintf("%s/k=%d", kn.name, k), func(b *testing.B) {
				x := randMatrix(rng, kn.mr, d, 1)
				p := pack(randMatrix(rng, k, d, 1), k, d, kn.nr, kn.halfPanel)
				s := newBlockScratch(kn, d)
				for b.Loop() {
					kn.nearest(x, d, d, p, s.best, s.bestIdx, nil)
				}
				b.ReportMetric(2*float64(kn.mr*k*d)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkLloydIteration times one centroid update plus one assignment pass.
func BenchmarkLloydIteration(b *testing.B) {
	const n, d, k = 20000, 256, 200
	data, _ := mixture(n, d, k, 4, 30)
	for _, kn := range kernels() {
		b.Run(kn.name, func(b *testing.B) {
			cent := SeedPlusPlus(data, n, d, k, 2000, 31)
			withKernel(kn, func() {
				for b.Loop() {
					Lloyd(data, n, d, cent, k, 1, 0)
				}
			})
		})
	}
}

func ExampleAssign() {
	// Two centroids on a line; 0.5 is equally far from both and goes to the lower.
	data := []float32{0, 0.5, 2, 3}
	centroids := []float32{0, 1}
	assign := make([]int32, 4)
	inertia := Assign(data, 4, 1, centroids, 2, assign)
	fmt.Println(assign, inertia)
	// Output: [0 0 1 1] 5.25
}
