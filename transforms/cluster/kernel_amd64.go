//go:build amd64 && !purego

package cluster

import "golang.org/x/sys/cpu"

// The assembly in kernel_amd64.s. ldx is in bytes; see checkNearestArgs for what
// the pointers must address.

//go:noescape
func nearestAVX2(x *float32, ldx, d, panels int, pan, cnorm *float32, idx *int32, best *float32, bestIdx *int32, pf *float32, pflines int)

//go:noescape
func nearestAVX512(x *float32, ldx, d, panels int, pan, cnorm *float32, idx *int32, best *float32, bestIdx *int32, pf *float32, pflines int, half bool)

//go:noescape
func sqdistAVX2(x, c *float32, n int) float64

//go:noescape
func addToAVX2(dst *float64, src *float32, n int, pf *float32)

var avx2Kernel = distKernel{
	name:    "avx2",
	mr:      6,
	nr:      16,
	nearest: nearestAVX2Go,
	sqdist:  sqdistAVX,
	addTo:   addToAVX,
}

// avx512Kernel doubles avx2Kernel's tile; it pays where the FMA units are 512
// bits wide (Intel server cores, AMD Zen 5): twice avx2Kernel's speed there. Zen 4
// splits a 512-bit FMA in two, so there it should be no faster than avx2Kernel (not measured).
var avx512Kernel = distKernel{
	name:      "avx512",
	mr:        12,
	nr:        32,
	halfPanel: true,
	nearest:   nearestAVX512Go,
	sqdist:    sqdistAVX,
	addTo:     addToAVX,
}

// asmKernels are the assembly kernels this CPU runs, fastest first.
func asmKernels() []distKernel {
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA { // sqdist and addTo need them too
		return nil
	}
	if cpu.X86.HasAVX512F {
		return []distKernel{avx512Kernel, avx2Kernel}
	}
	return []distKernel{avx2Kernel}
}

func nearestAVX2Go(x []float32, ldx, d int, p *packed, best []float32, bestIdx []int32, next []float32) {
	checkNearestArgs(x, ldx, d, p, best, bestIdx, 6, 16, false)
	pf, lines := prefetchArgs(x, next)
	nearestAVX2(&x[0], 4*ldx, d, p.panels, &p.data[0], &p.cnorm[0], &p.idx[0], &best[0], &bestIdx[0], pf, lines)
}

func nearestAVX512Go(x []float32, ldx, d int, p *packed, best []float32, bestIdx []int32, next []float32) {
	checkNearestArgs(x, ldx, d, p, best, bestIdx, 12, 32, true)
	pf, lines := prefetchArgs(x, next)
	nearestAVX512(&x[0], 4*ldx, d, p.panels, &p.data[0], &p.cnorm[0], &p.idx[0], &best[0], &bestIdx[0], pf, lines, p.half)
}

// checkNearestArgs panics where the assembly for mr×nr tiles would read or write
// out of bounds or loop without end.
func checkNearestArgs(x []float32, ldx, d int, p *packed, best []float32, bestIdx []int32, mr, nr int, halfPanel bool) {
	lanes := p.panels * nr
	if p.half {
		lanes += nr / 2
	}
	if d < 1 || ldx < d || len(x) < (mr-1)*ldx+d || len(best) < mr*nr || len(bestIdx) < mr*nr ||
		(p.half && !halfPanel) || (p.panels < 1 && !p.half) ||
		len(p.data) < lanes*d || len(p.cnorm) < lanes || len(p.idx) < lanes {
		panic("cluster: bad kernel arguments")
	}
}

// prefetchArgs returns the start and number of whole cache lines of next (x
// when next is empty, with no lines).
func prefetchArgs(x, next []float32) (*float32, int) {
	if len(next) == 0 {
		return &x[0], 0
	}
	return &next[0], len(next) / 16
}

func sqdistAVX(x, c []float32) float64 {
	if len(x) == 0 {
		return 0
	}
	c = c[:len(x)]
	return sqdistAVX2(&x[0], &c[0], len(x))
}

func addToAVX(dst []float64, src, prefetch []float32) {
	if len(src) == 0 {
		return
	}
	dst = dst[:len(src)]
	prefetch = prefetch[:len(src)]
	addToAVX2(&dst[0], &src[0], len(src), &prefetch[0])
}
