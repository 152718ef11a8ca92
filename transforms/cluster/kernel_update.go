package cluster

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// An updater moves centroids to the means of their rows: the other half of a
// Lloyd iteration. It sorts the rows by cluster first, so that each cluster's
// float64 sums stay in L1 while its rows stream in, and clusters can be summed
// in parallel with every sum still adding its rows in increasing order: the
// means do not depend on GOMAXPROCS.
type updater struct {
	start []int   // k+1: the rows of cluster c are order[start[c]:start[c+1]]
	next  []int   // k: scratch of the counting sort
	order []int32 // n: row indices grouped by cluster, increasing within each
}

// prefetchRows is how many rows ahead update prefetches: enough to hide the
// latency of memory behind the additions (measured: 8 beats 2 and 4 at d = 256).
const prefetchRows = 8

func newUpdater(n, k int) *updater {
	return &updater{start: make([]int, k+1), next: make([]int, k), order: make([]int32, n)}
}

// update sets every cluster's centroid to the mean of its rows, summed in float64
// and rounded to float32, after relocating empty clusters (relocateEmpty).
func (u *updater) update(data []float32, n, d int, assign []int32, centroids []float32, k int) {
	clear(u.next)
	for _, c := range assign {
		u.next[c]++
	}
	if relocateEmpty(data, d, assign, centroids, u.next) {
		clear(u.next)
		for _, c := range assign {
			u.next[c]++
		}
	}
	for c := 0; c < k; c++ {
		u.start[c+1] = u.start[c] + u.next[c]
	}
	copy(u.next, u.start[:k])
	for i, c := range assign {
		u.order[u.next[c]] = int32(i)
		u.next[c]++
	}

	addTo := kern.addTo
	// Below 2¹⁶ additions per goroutine, starting it costs more than it saves.
	workers := max(1, min(runtime.GOMAXPROCS(0), k, n*d/(1<<16)))
	chunk := max(1, k/(8*workers)) // clusters taken at a time: few atomics, fair shares
	var taken atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sum := make([]float64, d)
			for {
				c0 := int(taken.Add(int64(chunk))) - chunk
				if c0 >= k {
					return
				}
				for c := c0; c < min(c0+chunk, k); c++ {
					rows := u.order[u.start[c]:u.start[c+1]]
					if len(rows) == 0 {
						continue
					}
					clear(sum)
					for t, i := range rows {
						pf := int(u.order[min(u.start[c]+t+prefetchRows, n-1)])
						addTo(sum, data[int(i)*d:(int(i)+1)*d], data[pf*d:(pf+1)*d])
					}
					inv := 1 / float64(len(rows))
					cen := centroids[c*d : (c+1)*d]
					for j, s := range sum {
						cen[j] = float32(s * inv)
					}
				}
			}
		}()
	}
	wg.Wait()
}

// relocateEmpty gives each empty cluster (counts[c] = 0) one of the rows farthest
// from their current centroid, the farthest to the lowest-numbered empty cluster, by
// relabelling that row in assign: the update then makes the row its new cluster's
// centroid and leaves its old cluster's mean without it. This is scikit-learn's rule
// (_relocate_empty_clusters), so the two give the same inertia from the same init.
// Only rows at a positive distance move: when every row already sits on a centroid
// (k ≥ the distinct rows), the surplus clusters keep their centroids. It reports
// whether it relabelled anything. The next assignment pass recomputes every label.
func relocateEmpty(data []float32, d int, assign []int32, centroids []float32, counts []int) bool {
	var empty []int32
	for c, n := range counts {
		if n == 0 {
			empty = append(empty, int32(c))
		}
	}
	if len(empty) == 0 {
		return false
	}
	type far struct {
		row  int32
		dist float64
	}
	// A min-heap of the len(empty) farthest rows so far: O(n log e), no n-sized scratch.
	h := make([]far, 0, len(empty))
	less := func(a, b far) bool { return a.dist < b.dist || a.dist == b.dist && a.row > b.row }
	for i, c := range assign {
		f := far{int32(i), kern.sqdist(data[i*d:(i+1)*d], centroids[int(c)*d:(int(c)+1)*d])}
		if f.dist <= 0 {
			continue
		}
		if len(h) < len(empty) {
			h = append(h, f)
			for j := len(h) - 1; j > 0 && less(h[j], h[(j-1)/2]); j = (j - 1) / 2 {
				h[j], h[(j-1)/2] = h[(j-1)/2], h[j]
			}
			continue
		}
		if !less(h[0], f) {
			continue
		}
		h[0] = f
		for j := 0; ; {
			m, l, r := j, 2*j+1, 2*j+2
			if l < len(h) && less(h[l], h[m]) {
				m = l
			}
			if r < len(h) && less(h[r], h[m]) {
				m = r
			}
			if m == j {
				break
			}
			h[j], h[m] = h[m], h[j]
			j = m
		}
	}
	slices.SortFunc(h, func(a, b far) int {
		if less(b, a) {
			return -1
		}
		return 1
	})
	for j, f := range h {
		assign[f.row] = empty[j]
	}
	return len(h) > 0
}
