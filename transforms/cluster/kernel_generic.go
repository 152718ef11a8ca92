package cluster

import "math"

// genericKernel is the pure-Go kernel: the fallback on CPUs and architectures
// without an assembly kernel, under the purego build tag, and the reference the
// assembly is tested against.
var genericKernel = distKernel{
	name:    "generic",
	mr:      4,
	nr:      2,
	nearest: nearestGeneric,
	sqdist:  sqdistGeneric,
	addTo:   addToGeneric,
}

// nearestGeneric is distKernel.nearest for 4×2 tiles, the fastest measured on
// amd64: with its 15 float registers for Go, 4×4 tiles spill.
func nearestGeneric(x []float32, ldx, d int, p *packed, best []float32, bestIdx []int32, _ []float32) {
	const nr = 2
	x0 := x[:d]
	x1 := x[ldx : ldx+d][:len(x0)]
	x2 := x[2*ldx : 2*ldx+d][:len(x0)]
	x3 := x[3*ldx : 3*ldx+d][:len(x0)]
	best, bestIdx = best[:8], bestIdx[:8]
	for q := 0; q < p.panels; q++ {
		pan := p.data[q*d*nr : (q+1)*d*nr][:len(x0)*nr]
		var a00, a01, a10, a11, a20, a21, a30, a31 float32
		for j, v0 := range x0 {
			c := pan[j*nr : j*nr+nr : j*nr+nr]
			c0, c1 := c[0], c[1]
			v1, v2, v3 := x1[j], x2[j], x3[j]
			a00 += v0 * c0
			a01 += v0 * c1
			a10 += v1 * c0
			a11 += v1 * c1
			a20 += v2 * c0
			a21 += v2 * c1
			a30 += v3 * c0
			a31 += v3 * c1
		}
		acc := [8]float32{a00, a01, a10, a11, a20, a21, a30, a31}
		cn := p.cnorm[q*nr : q*nr+nr]
		idx := p.idx[q*nr : q*nr+nr]
		for i, a := range acc {
			l := i % nr
			if dist := cn[l] + a; dist < best[i] {
				best[i], bestIdx[i] = dist, idx[l]
			}
		}
	}
}

// sqdistGeneric returns ||x − c||² in float64 with len(c) ≥ len(x). The order of
// the sum is fixed so that the assembly can follow it exactly and both paths give
// the same inertia: eight lane sums s[l] over j ≡ l (mod 8) for the first 8⌊d/8⌋
// terms, then t over the rest in order, each term added by a fused multiply-add;
// the result is ((s0+s4) + (s2+s6)) + ((s1+s5) + (s3+s7)) + t.
func sqdistGeneric(x, c []float32) float64 {
	c = c[:len(x)]
	var s [8]float64
	j := 0
	for ; j+8 <= len(x); j += 8 {
		xs, cs := x[j:j+8:j+8], c[j:j+8:j+8]
		for l := range s {
			diff := float64(xs[l]) - float64(cs[l])
			s[l] = math.FMA(diff, diff, s[l])
		}
	}
	var t float64
	for ; j < len(x); j++ {
		diff := float64(x[j]) - float64(c[j])
		t = math.FMA(diff, diff, t)
	}
	return ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7])) + t
}

func addToGeneric(dst []float64, src, _ []float32) {
	dst = dst[:len(src)]
	for j, v := range src {
		dst[j] += float64(v)
	}
}
