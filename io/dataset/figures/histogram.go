package figures

import (
	"fmt"
	"math"
	"slices"
)

// Histogram counts values into fixed bins: bin i holds Edges[i] <= x < Edges[i+1]. A value
// below the first edge is counted in the first bin and one at or above the last edge in
// the last, so that every value added is counted (the figure's first and last bins are
// open-ended). Histograms with the same edges merge by adding counts, so a pipeline can
// count per bundle and add the bundles up.
type Histogram struct {
	Edges  []float64
	Counts []int64
}

// NewHistogram returns an empty histogram over edges (at least two, increasing).
func NewHistogram(edges []float64) Histogram {
	return Histogram{Edges: slices.Clone(edges), Counts: make([]int64, max(len(edges)-1, 0))}
}

// LinearEdges returns n equal bins from lo to hi (n+1 edges).
func LinearEdges(lo, hi float64, n int) []float64 {
	e := make([]float64, n+1)
	for i := range e {
		e[i] = lo + (hi-lo)*float64(i)/float64(n)
	}
	return e
}

// LogEdges returns n bins from lo to hi (lo > 0) of equal width on a log scale, their edges
// rounded to whole numbers where they are above 10 (lengths are whole characters).
func LogEdges(lo, hi float64, n int) []float64 {
	e := make([]float64, n+1)
	for i := range e {
		x := lo * math.Pow(hi/lo, float64(i)/float64(n))
		if x > 10 {
			x = math.Round(x)
		}
		e[i] = x
	}
	return e
}

// LengthEdges are the bins the card's length histograms use: 24 log-spaced bins from 10 to
// 10,000 characters (instructions are tens to hundreds of characters, native outputs
// hundreds to thousands).
func LengthEdges() []float64 { return LogEdges(10, 10000, 24) }

// Add counts x.
func (h *Histogram) Add(x float64) {
	h.AddN(x, 1)
}

// AddN counts x n times.
func (h *Histogram) AddN(x float64, n int64) {
	if len(h.Counts) == 0 {
		return
	}
	i, _ := slices.BinarySearch(h.Edges, x)
	// BinarySearch gives the first edge >= x; the bin is the one to its left unless x is
	// an edge itself.
	if i < len(h.Edges) && h.Edges[i] == x {
		i++
	}
	i = min(max(i-1, 0), len(h.Counts)-1)
	h.Counts[i] += n
}

// Merge adds o's counts to h; their edges must be equal.
func (h *Histogram) Merge(o Histogram) error {
	if len(h.Counts) == 0 && len(h.Edges) == 0 {
		*h = Histogram{Edges: slices.Clone(o.Edges), Counts: slices.Clone(o.Counts)}
		return nil
	}
	if !slices.Equal(h.Edges, o.Edges) || len(o.Counts) != len(h.Counts) {
		return fmt.Errorf("figures: merge histograms with different bins (%d and %d edges)", len(h.Edges), len(o.Edges))
	}
	for i, c := range o.Counts {
		h.Counts[i] += c
	}
	return nil
}

// Total is the number of values counted.
func (h Histogram) Total() int64 {
	var n int64
	for _, c := range h.Counts {
		n += c
	}
	return n
}

func (h Histogram) valid() error {
	if len(h.Edges) < 2 || len(h.Counts) != len(h.Edges)-1 {
		return fmt.Errorf("figures: histogram with %d edges and %d counts", len(h.Edges), len(h.Counts))
	}
	for i := 1; i < len(h.Edges); i++ {
		if !(h.Edges[i] > h.Edges[i-1]) {
			return fmt.Errorf("figures: histogram edges not increasing at %d", i)
		}
	}
	return nil
}
