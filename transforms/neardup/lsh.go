package neardup

import (
	"fmt"
	"math"
)

// Banding. A signature is cut into bands of rows consecutive values; two documents are
// candidates when they agree on every value of at least one band, which happens with
// probability P(J) = 1 - (1 - J^rows)^bands for documents at Jaccard J: an S-curve.
// Bands picks, for a threshold t, the most rows (the steepest curve, the fewest false
// candidates to verify) for which P(t) ≥ minRecall within SignatureSize values and
// maxBands bands. For the default t = 0.8 that is 20 bands of 7 rows (140 values):
//
//	J     0.3     0.5    0.6    0.7    0.75   0.8    0.85   0.9
//	P(J)  0.0044  0.145  0.43   0.82   0.94   0.991  0.9996 1.0
//
// (TestBandsSCurve recomputes them.) Candidates are verified on the whole signature, so
// the curve's low side only costs verification work, and its high side is the recall
// ceiling of the index.
const (
	minRecall = 0.99
	// Each band is 16 bytes per document in the band shuffle: the index's cost. 20 bands
	// of 7 rows reach minRecall at 0.8; 26 of 8 would cut the false candidates at J = 0.5
	// from 15% to 10% for 30% more index.
	maxBands = 20
)

// Banding is how signatures are cut into band keys.
type Banding struct{ Bands, Rows int }

// Bands returns the banding for threshold t (0 < t ≤ 1). Below the thresholds it can
// serve at minRecall (about 0.21), it returns maxBands bands of one row.
func Bands(t float64) Banding {
	if !(t > 0 && t <= 1) {
		panic(fmt.Sprintf("neardup: threshold %v not in (0, 1]", t))
	}
	for r := SignatureSize; r >= 1; r-- {
		p := math.Pow(t, float64(r))
		b := 1.0
		if p < 1 {
			b = math.Ceil(math.Log(1-minRecall) / math.Log1p(-p))
		}
		if b <= maxBands && r*int(b) <= SignatureSize {
			return Banding{Bands: int(b), Rows: r}
		}
	}
	return Banding{Bands: maxBands, Rows: 1}
}

// Candidate returns P(J), the probability that documents at Jaccard j share a band.
func (b Banding) Candidate(j float64) float64 {
	return 1 - math.Pow(1-math.Pow(j, float64(b.Rows)), float64(b.Bands))
}

// Keys appends sig's band keys to dst: one per band, a hash of the language, the band's
// index and its values, so that documents of different languages never share a key.
func (b Banding) Keys(dst []uint64, lang string, sig *Signature) []uint64 {
	lh := seed
	for i := 0; i < len(lang); i++ {
		lh = mix64(lh ^ uint64(lang[i]))
	}
	for band := 0; band < b.Bands; band++ {
		h := mix64(lh ^ uint64(band+1)<<40)
		for _, v := range sig[band*b.Rows : (band+1)*b.Rows] {
			h = mix64(h ^ uint64(v))
		}
		dst = append(dst, h)
	}
	return dst
}
