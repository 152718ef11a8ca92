package leaderboard

import (
	"hash/fnv"
	"math/rand/v2"
	"slices"
)

// The bootstrap resamples questions, not comparisons: one question is judged in every
// language and turn, and its comparisons share its difficulty, so treating them as
// independent would give intervals too narrow (most of all for the row pooled over
// languages). Drawing whole questions with replacement (a cluster bootstrap) keeps that
// dependence in every resample.

// cluster is one question's share of a row: its comparisons' summed scores and their number.
type cluster struct {
	sum, n float64
}

// clustersOf groups comparisons with an outcome by question ID, in ID order.
func clustersOf(comps []*comparison) []cluster {
	byQ := map[string]*cluster{}
	var ids []string
	for _, c := range comps {
		cl, ok := byQ[c.QuestionID]
		if !ok {
			cl = &cluster{}
			byQ[c.QuestionID] = cl
			ids = append(ids, c.QuestionID)
		}
		cl.sum += c.score
		cl.n++
	}
	slices.Sort(ids)
	out := make([]cluster, len(ids))
	for i, id := range ids {
		out[i] = *byQ[id]
	}
	return out
}

// bootstrapCI is the 95% percentile interval of the pooled mean score sum/n over rounds
// resamples of the clusters; 0, 0 when there are none.
func bootstrapCI(cl []cluster, rounds int, rng *rand.Rand) (lo, hi float64) {
	if len(cl) == 0 {
		return 0, 0
	}
	stats := make([]float64, rounds)
	for r := range stats {
		var sum, n float64
		for range cl {
			c := cl[rng.IntN(len(cl))]
			sum += c.sum
			n += c.n
		}
		stats[r] = sum / n
	}
	return percentileInterval(stats)
}

// percentileInterval sorts xs and returns its 2.5% and 97.5% quantiles.
func percentileInterval(xs []float64) (lo, hi float64) {
	slices.Sort(xs)
	return quantile(xs, 0.025), quantile(xs, 0.975)
}

// quantile is the p-quantile of sorted xs, interpolating linearly between order statistics
// (Hyndman and Fan's type 7, the default of R and NumPy).
func quantile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	h := p * float64(len(xs)-1)
	i := int(h)
	if i >= len(xs)-1 {
		return xs[len(xs)-1]
	}
	return xs[i] + (h-float64(i))*(xs[i+1]-xs[i])
}

// newRNG is a random stream given by the seed and a name, so that each row (or each
// Bradley-Terry fit) draws the same numbers whatever else the report holds.
func newRNG(seed uint64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}
