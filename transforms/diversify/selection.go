package diversify

import (
	"container/heap"
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/internal/stats"
	"github.com/xinstruct/xinstruct/transforms/cluster"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

func init() {
	register.DoFn5x0[context.Context, Model, func(*string, *int) bool, func(string, int), func(string, int)](&quotaFn{})
	register.DoFn6x1[context.Context, string, func(*Scored) bool, func(*string, *int) bool, func(Scored), func(string, int), error](&selectFn{})
	register.Iter1[Scored]()
	register.Iter2[string, int]()
	register.Emitter1[Scored]()
}

// Reason of the pairs diversification leaves out: counted in the funnel as filtered
// (they remain in accepted/), not written as dead letters.
const ReasonNotSelected = "not_selected"

// Select picks exactly p.PerLanguage pairs per language (all of them when a language
// has fewer, the shortfall counted) from the assigned candidates
// (PCollection<KV<string, Scored>> from Assign): every cluster gets a quota as even as
// the cluster sizes allow (cluster.Quotas), and gives its pairs nearest the centroid
// first, then those with fewer refinement rounds, then by seeded hash. It returns the
// selected PCollection<Scored>, ranked within their cluster, and funnel counts. sizes
// is ClusterSizes(assigned).
func Select(s beam.Scope, p Params, assigned, models, sizes beam.PCollection) (selected, counts beam.PCollection) {
	s = s.Scope("diversify.Select")
	quotas, quotaCounts := beam.ParDo2(s, &quotaFn{PerLanguage: p.PerLanguage}, models, beam.SideInput{Input: sizes})
	selected, selectCounts := beam.ParDo2(s, &selectFn{}, beam.GroupByKey(s, assigned), beam.SideInput{Input: quotas})
	return selected, beam.Flatten(s, quotaCounts, selectCounts)
}

// ClusterSizes counts the candidates of every cluster (PCollection<KV<string, Scored>>
// from Assign): PCollection<KV<string, int>> keyed by ClusterKey.
func ClusterSizes(s beam.Scope, assigned beam.PCollection) beam.PCollection {
	return stats.Count(s.Scope("diversify.ClusterSizes"), beam.DropValue(s, assigned))
}

// quotaFn turns one language's cluster sizes into quotas ("<lang>/<cluster>" → n) and
// counts its shortfall.
type quotaFn struct{ PerLanguage int }

func (fn *quotaFn) ProcessElement(_ context.Context, m Model, sizes func(*string, *int) bool, quota, counts func(string, int)) {
	prefix := m.Lang + "/"
	bySize := make([]int, m.K)
	var key string
	var n int
	for sizes(&key, &n) {
		if rest, ok := strings.CutPrefix(key, prefix); ok {
			if c, err := strconv.Atoi(rest); err == nil && c >= 0 && c < m.K {
				bySize[c] = n
			}
		}
	}
	quotas, shortfall := cluster.Quotas(bySize, fn.PerLanguage)
	for c, q := range quotas {
		if q > 0 {
			quota(ClusterKey(m.Lang, c), q)
		}
	}
	counts(funnel.Yield(Stage, m.Lang, "shortfall").String(), shortfall)
}

type selectFn struct {
	quotas map[string]int
	counts map[string]int
}

func (fn *selectFn) StartBundle(_ context.Context, quotas func(*string, *int) bool, _ func(Scored), _ func(string, int)) {
	fn.quotas, fn.counts = map[string]int{}, map[string]int{}
	var k string
	var q int
	for quotas(&k, &q) {
		fn.quotas[k] = q
	}
}

func (fn *selectFn) ProcessElement(_ context.Context, key string, values func(*Scored) bool, _ func(*string, *int) bool, emit func(Scored), _ func(string, int)) error {
	lang, _, _ := strings.Cut(key, "/")
	q := fn.quotas[key]
	// A bounded heap: memory is the quota, not the cluster.
	h := &worstFirst{}
	seen := 0
	var v Scored
	for values(&v) {
		seen++
		switch {
		case h.Len() < q:
			heap.Push(h, v)
		case q > 0 && before(&v, &(*h)[0]):
			(*h)[0] = v
			heap.Fix(h, 0)
		}
	}
	picked := []Scored(*h)
	slices.SortFunc(picked, func(a, b Scored) int {
		if before(&a, &b) {
			return -1
		}
		return 1
	})
	for rank := range picked {
		picked[rank].Rank = rank
		emit(picked[rank])
	}
	fn.counts[funnel.Out(Stage, lang).String()] += len(picked)
	fn.counts[funnel.Filtered(Stage, ReasonNotSelected).String()] += seen - len(picked)
	return nil
}

func (fn *selectFn) FinishBundle(_ context.Context, _ func(*string, *int) bool, _ func(Scored), counts func(string, int)) error {
	for k, n := range fn.counts {
		if n != 0 {
			counts(k, n)
		}
	}
	return nil
}

// worstFirst is a max-heap in the selection order: the root is the pair to drop first.
type worstFirst []Scored

func (h worstFirst) Len() int           { return len(h) }
func (h worstFirst) Less(i, j int) bool { return before(&h[j], &h[i]) }
func (h worstFirst) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *worstFirst) Push(x any)        { *h = append(*h, x.(Scored)) }
func (h *worstFirst) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
