// Package cluster groups the English instructions of each language by their embeddings
// and samples across the groups, so that the final dataset is diverse: X-Instruction's
// diversification stage.
package cluster

import (
	"fmt"
	"sort"
)

// Quotas divides n samples among clusters of the given sizes as evenly as the sizes
// allow ("water filling"): every cluster gets the same quota t, except that a cluster
// smaller than t gives all it has and the rest is shared among the others. Precisely,
// quota[i] = min(sizes[i], t) for the largest whole t whose total stays within n, and the
// remainder (fewer than the clusters larger than t) goes one each to the largest of
// those clusters, ties to the lower index, so the result does not depend on anything but
// its input.
//
// When the clusters hold n or fewer in all, every cluster gives everything and shortfall
// is n minus their total. Otherwise the quotas add up to exactly n and shortfall is 0.
// Quotas panics on a negative size or a negative n.
func Quotas(sizes []int, n int) (quota []int, shortfall int) {
	if n < 0 {
		panic(fmt.Sprintf("cluster.Quotas: n = %d", n))
	}
	total, largest := 0, 0
	for _, s := range sizes {
		if s < 0 {
			panic(fmt.Sprintf("cluster.Quotas: size %d", s))
		}
		total += s
		largest = max(largest, s)
	}
	quota = make([]int, len(sizes))
	if total <= n {
		copy(quota, sizes)
		return quota, n - total
	}
	filled := func(t int) int {
		sum := 0
		for _, s := range sizes {
			sum += min(s, t)
		}
		return sum
	}
	// The largest level t with filled(t) <= n; filled is non-decreasing in t and
	// filled(largest) = total > n, so t < largest.
	t := sort.Search(largest+1, func(t int) bool { return filled(t) > n }) - 1
	given := 0
	var above []int // clusters with more than t left to give
	for i, s := range sizes {
		quota[i] = min(s, t)
		given += quota[i]
		if s > t {
			above = append(above, i)
		}
	}
	sort.SliceStable(above, func(a, b int) bool { return sizes[above[a]] > sizes[above[b]] })
	for _, i := range above[:n-given] {
		quota[i]++
	}
	return quota, 0
}
