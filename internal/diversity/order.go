package diversity

import (
	"fmt"
	"math"
)

// Within-cluster rules: the order in which a cluster gives its quota of pairs.
const (
	// OrderSpread (the default) balances coverage and spread (see Spread), and lets a
	// cluster give up to SpreadOverQuota times its quota when its members add more than
	// those of other clusters would: the quota of a cluster of near-duplicates goes to
	// clusters with more to give.
	OrderSpread = "spread"
	// OrderFarthest starts at the member nearest the centroid and then takes, each time,
	// the member farthest from every member taken so far (a farthest-first traversal,
	// the greedy 2-approximation of k-center): spread over the cluster, not its core.
	OrderFarthest = "farthest"
	// OrderNearest takes the members nearest the centroid first: the most typical.
	OrderNearest = "nearest"
	// OrderRandom takes the members in seeded random order.
	OrderRandom = "random"
)

// Orders are the rules, the default first.
var Orders = []string{OrderSpread, OrderFarthest, OrderNearest, OrderRandom}

// SpreadOverQuota is how many times its quota a cluster may give under OrderSpread.
const SpreadOverQuota = 4

// ValidateOrder reports an unknown rule in the flag's terms.
func ValidateOrder(o string) error {
	for _, k := range Orders {
		if o == k {
			return nil
		}
	}
	return fmt.Errorf("--within_cluster=%q: want one of %v", o, Orders)
}

// FarthestFirst returns the first q of the m members of a cluster (unit rows of vecs,
// d columns) in farthest-first order from start: each next member is the one whose
// cosine distance to its nearest taken member is largest. Among equally far members the
// one with the lower rank wins (rank[i] is member i's place in the tie order, e.g. fewer
// refinement rounds, then a seeded hash), so the result depends on nothing else. It
// costs q·m·d and holds m distances. gain[j] is how far the j-th member taken was from
// those before it (+Inf for the first): non-increasing, what it adds to the coverage.
func FarthestFirst(vecs []float32, m, d, start, q int, rank []int) (order []int, gain []float64) {
	q = min(q, m)
	if q <= 0 {
		return nil, nil
	}
	far := make([]float64, m) // distance to the nearest taken member; −Inf once taken
	for i := range far {
		far[i] = math.Inf(1)
	}
	order, gain = make([]int, 0, q), make([]float64, 0, q)
	next := start
	for {
		order, gain = append(order, next), append(gain, far[next])
		far[next] = math.Inf(-1)
		if len(order) == q {
			return order, gain
		}
		c := vecs[next*d : (next+1)*d]
		best := -1
		for i := 0; i < m; i++ {
			if far[i] == math.Inf(-1) {
				continue
			}
			if dist := 1 - dot(vecs[i*d:(i+1)*d], c); dist < far[i] {
				far[i] = dist
			}
			if best < 0 || far[i] > far[best] || far[i] == far[best] && rank[i] < rank[best] {
				best = i
			}
		}
		next = best
	}
}

// dot is x·y summed in float64, so that the order does not depend on float32 rounding
// of long sums.
func dot(x, y []float32) float64 {
	var s float64
	for i, v := range x {
		s += float64(v) * float64(y[i])
	}
	return s
}
