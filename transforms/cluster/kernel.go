package cluster

import "math"

// The distance kernel finds, for a group of mr rows of data, the nearest centroid
// by the argmin over c of ||c||² − 2x·c. The centroids are packed once per Assign
// into panels of nr centroids, [d][nr] each and scaled by −2 (exact), so that a
// microkernel keeps an mr×nr tile of dot products in registers while it runs over
// d, adds ||c||² and folds the tile into a running per-lane minimum: the n×k dot
// matrix never reaches memory. A last pass picks each row's minimum over its nr
// lanes. Rows are read in place, never copied, except the last n mod mr rows.

// A distKernel is one implementation of the kernel (SIMD or pure Go).
type distKernel struct {
	name      string
	mr, nr    int
	halfPanel bool // nearest takes a half panel last (see packed)

	// nearest scans all panels for the mr rows at x (row r is x[r*ldx:r*ldx+d]),
	// lowering best[r*nr+l] to the distance (less ||x||²) of the nearest centroid
	// seen by lane l and setting bestIdx[r*nr+l] to its index. Within a lane,
	// centroids come in increasing index and only a strictly smaller distance
	// wins, so ties go to the lower index. It may prefetch next, the rows of
	// the following call.
	nearest func(x []float32, ldx, d int, p *packed, best []float32, bestIdx []int32, next []float32)

	// sqdist returns ||x − c||² in float64 (see sqdistGeneric for the order of
	// the sum, which every implementation follows exactly).
	sqdist func(x, c []float32) float64

	// addTo adds float64(src[j]) to dst[j] for every j < len(src), and may
	// prefetch the len(src) floats of prefetch (the row it will add next but some).
	addTo func(dst []float64, src, prefetch []float32)
}

// kern is the fastest kernel this CPU runs; tests switch it to compare paths.
var kern = bestKernel()

func bestKernel() distKernel {
	if ks := asmKernels(); len(ks) > 0 {
		return ks[0]
	}
	return genericKernel
}

// packed holds the centroids laid out for a kernel with panels of nr: full
// panels of nr lanes, then, for kernels with halfPanel set and k mod nr ≤ nr/2,
// one panel of nr/2 lanes, which spares the work of nr/2 padding lanes.
type packed struct {
	panels int       // full panels
	half   bool      // a half panel follows them
	data   []float32 // lane l of step j of the panel at o of width w: data[o + j·w + l] = −2·c[j]
	cnorm  []float32 // ||c||² per lane, +Inf in padding lanes so they never win
	idx    []int32   // centroid index per lane
}

// pack lays out the k×d centroids for panels of nr. ||c||² is summed in float64
// and rounded once, so only the dot products carry float32 error.
func pack(centroids []float32, k, d, nr int, halfPanel bool) *packed {
	p := &packed{panels: (k + nr - 1) / nr}
	lanes := p.panels * nr
	if rem := k % nr; halfPanel && rem != 0 && rem <= nr/2 {
		p.panels, p.half = k/nr, true
		lanes = p.panels*nr + nr/2
	}
	p.data = make([]float32, lanes*d)
	p.cnorm = make([]float32, lanes)
	p.idx = make([]int32, lanes)
	for c := 0; c < lanes; c++ {
		p.idx[c] = int32(c)
		if c >= k {
			p.cnorm[c] = float32(math.Inf(1))
			continue
		}
		w, o := nr, c/nr*nr*d+c%nr
		if c >= p.panels*nr {
			w, o = nr/2, p.panels*nr*d+c-p.panels*nr
		}
		var s float64
		for j, v := range centroids[c*d : (c+1)*d] {
			s += float64(v) * float64(v)
			p.data[o+j*w] = -2 * v
		}
		p.cnorm[c] = float32(s)
	}
	return p
}

// blockScratch is one goroutine's scratch for nearestBlock.
type blockScratch struct {
	best    []float32
	bestIdx []int32
	tail    []float32 // mr×d zero-padded copy of the last n mod mr rows
}

func newBlockScratch(kn distKernel, d int) *blockScratch {
	return &blockScratch{
		best:    make([]float32, kn.mr*kn.nr),
		bestIdx: make([]int32, kn.mr*kn.nr),
		tail:    make([]float32, kn.mr*d),
	}
}

// nearestBlock sets assign[i] to the nearest centroid of each of the rows×d rows
// of block (ties to the lower index) and returns Σ ||x − c_assign||² summed in
// float64, row by row in order.
func nearestBlock(kn distKernel, block []float32, rows, d int, centroids []float32, p *packed, s *blockScratch, assign []int32) float64 {
	mr, nr := kn.mr, kn.nr
	inf := float32(math.Inf(1))
	var sum float64
	for r0 := 0; r0 < rows; r0 += mr {
		m := min(mr, rows-r0)
		x := block[r0*d:]
		if m < mr {
			clear(s.tail)
			copy(s.tail, block[r0*d:(r0+m)*d])
			x = s.tail
		}
		for i := range s.best {
			s.best[i] = inf
		}
		clear(s.bestIdx)
		next := block[min(r0+mr, rows)*d : min(r0+2*mr, rows)*d]
		kn.nearest(x, d, d, p, s.best, s.bestIdx, next)
		for r := 0; r < m; r++ {
			best := s.best[r*nr : (r+1)*nr]
			idx := s.bestIdx[r*nr : (r+1)*nr]
			b := 0
			for l := 1; l < nr; l++ {
				if best[l] < best[b] || (best[l] == best[b] && idx[l] < idx[b]) {
					b = l
				}
			}
			c := int(idx[b])
			assign[r0+r] = int32(c)
			sum += kn.sqdist(block[(r0+r)*d:(r0+r+1)*d], centroids[c*d:(c+1)*d])
		}
	}
	return sum
}
