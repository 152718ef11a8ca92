package diversify

import (
	"cmp"
	"container/heap"
	"context"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/diversity"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/internal/stats"
	"github.com/xinstruct/xinstruct/transforms/cluster"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

func init() {
	register.DoFn5x0[context.Context, Model, func(*string, *int) bool, func(string, int), func(string, int)](&quotaFn{})
	register.DoFn6x1[context.Context, string, func(*Scored) bool, func(*string, *int) bool, func(Scored), func(string, int), error](&offerFn{})
	register.Function1x2(offerKey)
	register.Combiner3[cutAcc, offerRef, offerRef](&cutFn{})
	register.DoFn5x0[context.Context, Scored, func(*string, *offerRef) bool, func(Scored), func(string, int)](&keepFn{})
	register.Iter1[Scored]()
	register.Iter2[string, int]()
	register.Iter2[string, offerRef]()
	register.Emitter1[Scored]()
}

// Reason of the pairs diversification leaves out: counted in the funnel as filtered
// (they remain in accepted/), not written as dead letters.
const ReasonNotSelected = "not_selected"

// MaxRuleMembers bounds the members of one cluster that the farthest and spread rules
// hold: a larger cluster is represented by the member nearest its centroid and a seeded
// random sample of this many, so that memory is bounded per cluster.
const MaxRuleMembers = 8192

// Select picks exactly p.PerLanguage pairs per language (all of them when a language
// has fewer, the shortfall counted) from the assigned candidates
// (PCollection<KV<string, Scored>> from Assign), in two steps. Every cluster gets a
// quota as even as the cluster sizes allow (cluster.Quotas) and offers its pairs in the
// order of p.WithinCluster (diversity.Order*), each with the gain the rule gives it:
// exactly its quota at +Inf, or, under the spread rule, up to diversity.SpreadOverQuota
// times its quota with decreasing gains. Then each language keeps its PerLanguage
// offers of largest gain (ties: earlier in their cluster's order, fewer refinement
// rounds, the seeded hash, the id), so a cluster of near-duplicates cedes its quota to
// clusters whose pairs add more. It returns the selected PCollection<Scored>, Rank set
// to the order the rule took them in, and funnel counts. sizes is ClusterSizes(assigned).
func Select(s beam.Scope, p Params, assigned, models, sizes beam.PCollection) (selected, counts beam.PCollection) {
	s = s.Scope("diversify.Select")
	quotas, quotaCounts := beam.ParDo2(s, &quotaFn{PerLanguage: p.PerLanguage}, models, beam.SideInput{Input: sizes})
	offers, offerCounts := beam.ParDo2(s, &offerFn{Rule: p.WithinCluster}, beam.GroupByKey(s, assigned), beam.SideInput{Input: quotas})
	cuts := beam.CombinePerKey(s, &cutFn{N: p.PerLanguage}, beam.ParDo(s, offerKey, offers))
	selected, keepCounts := beam.ParDo2(s, &keepFn{}, offers, beam.SideInput{Input: cuts})
	return selected, beam.Flatten(s, quotaCounts, offerCounts, keepCounts)
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

// offerFn orders one cluster's members by the rule and offers the first of them.
type offerFn struct {
	Rule string

	quotas map[string]int
	counts map[string]int
}

func (fn *offerFn) StartBundle(_ context.Context, quotas func(*string, *int) bool, _ func(Scored), _ func(string, int)) {
	fn.quotas, fn.counts = map[string]int{}, map[string]int{}
	var k string
	var q int
	for quotas(&k, &q) {
		fn.quotas[k] = q
	}
}

func (fn *offerFn) ProcessElement(_ context.Context, key string, values func(*Scored) bool, _ func(*string, *int) bool, emit func(Scored), _ func(string, int)) error {
	q := fn.quotas[key]
	var offered []Scored
	var seen int
	switch fn.Rule {
	case diversity.OrderNearest:
		offered, seen = smallest(values, q, before)
	case diversity.OrderRandom:
		offered, seen = smallest(values, q, randomBefore)
	default: // farthest, spread
		offered, seen = fn.spread(values, q)
	}
	for rank := range offered {
		offered[rank].Rank, offered[rank].ClusterSize = rank, seen
		if fn.Rule != diversity.OrderSpread {
			offered[rank].Gain = math.Inf(1)
		}
		emit(offered[rank])
	}
	fn.counts[funnel.Filtered(Stage, ReasonNotSelected).String()] += seen - len(offered)
	return nil
}

// spread holds the cluster (at most MaxRuleMembers of it, see there) and orders it by
// the farthest or the spread rule, Gain set.
func (fn *offerFn) spread(values func(*Scored) bool, q int) ([]Scored, int) {
	if q == 0 {
		n := 0
		var v Scored
		for values(&v) {
			n++
		}
		return nil, n
	}
	var nearest Scored
	hasNearest := false
	sample := &boundedHeap{less: randomBefore}
	seen := 0
	var v Scored
	for values(&v) {
		seen++
		if !hasNearest || before(&v, &nearest) {
			if hasNearest {
				sample.offer(nearest, MaxRuleMembers)
			}
			nearest, hasNearest = v, true
			continue
		}
		sample.offer(v, MaxRuleMembers)
	}
	members := append([]Scored{nearest}, sample.items...) // nearest is member 0
	m, d := len(members), len(nearest.Vec)
	vecs := make([]float32, 0, m*d)
	for i := range members {
		vecs = append(vecs, members[i].Vec...)
	}
	byTie := make([]int, m)
	for i := range byTie {
		byTie[i] = i
	}
	slices.SortFunc(byTie, func(a, b int) int {
		if tieBefore(&members[a], &members[b]) {
			return -1
		}
		return 1
	})
	rank := make([]int, m)
	for r, i := range byTie {
		rank[i] = r
	}
	var order []int
	var gain []float64
	if fn.Rule == diversity.OrderFarthest {
		order, _ = diversity.FarthestFirst(vecs, m, d, 0, q, rank)
	} else {
		order, gain = diversity.Spread(vecs, m, d, 0, diversity.SpreadOverQuota*q, rank, diversity.SpreadClients)
	}
	out := make([]Scored, len(order))
	for j, i := range order {
		out[j] = members[i]
		if gain != nil {
			out[j].Gain = gain[j]
		}
	}
	return out, seen
}

func (fn *offerFn) FinishBundle(_ context.Context, _ func(*string, *int) bool, _ func(Scored), counts func(string, int)) error {
	return flushCounts(fn.counts, counts)
}

func flushCounts(c map[string]int, counts func(string, int)) error {
	for k, n := range c {
		if n != 0 {
			counts(k, n)
		}
	}
	return nil
}

// smallest returns the first n values in the order less, sorted, and how many it saw;
// it holds n.
func smallest(values func(*Scored) bool, n int, less func(a, b *Scored) bool) ([]Scored, int) {
	h := &boundedHeap{less: less}
	seen := 0
	var v Scored
	for values(&v) {
		seen++
		h.offer(v, n)
	}
	slices.SortFunc(h.items, func(a, b Scored) int {
		if less(&a, &b) {
			return -1
		}
		return 1
	})
	return h.items, seen
}

// boundedHeap keeps the n first values in the order less: a max-heap whose root is the
// value to drop first.
type boundedHeap struct {
	items []Scored
	less  func(a, b *Scored) bool
}

func (h *boundedHeap) offer(v Scored, n int) {
	switch {
	case len(h.items) < n:
		heap.Push(h, v)
	case n > 0 && h.less(&v, &h.items[0]):
		h.items[0] = v
		heap.Fix(h, 0)
	}
}

func (h *boundedHeap) Len() int           { return len(h.items) }
func (h *boundedHeap) Less(i, j int) bool { return h.less(&h.items[j], &h.items[i]) }
func (h *boundedHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *boundedHeap) Push(x any)         { h.items = append(h.items, x.(Scored)) }
func (h *boundedHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// offerRef is what the language-wide cut compares of an offer: a few words, not the pair.
type offerRef struct {
	Gain   float64
	Rank   int
	Size   int
	Rounds int
	Tie    uint64
	ID     string
}

func refOf(s Scored) offerRef {
	return offerRef{Gain: s.Gain, Rank: s.Rank, Size: s.ClusterSize, Rounds: s.Rounds(), Tie: s.Tie, ID: s.Pair.ID}
}

// better orders offers: larger gain, then the smaller share of its cluster
// ((rank+1)/size: offers of equal gain, such as the zero gains of clusters whose
// coverage is complete, are kept in proportion to the clusters' sizes, as a random
// sample would keep them), then earlier in their cluster, then fewer rounds, the seeded
// hash and the id. IDs are unique, so it is a total order.
func better(a, b offerRef) int {
	if a.Gain != b.Gain {
		if a.Gain > b.Gain {
			return -1
		}
		return 1
	}
	return cmp.Or(cmp.Compare((a.Rank+1)*max(b.Size, 1), (b.Rank+1)*max(a.Size, 1)), cmp.Compare(a.Rank, b.Rank), cmp.Compare(a.Rounds, b.Rounds), cmp.Compare(a.Tie, b.Tie), strings.Compare(a.ID, b.ID))
}

func offerKey(s Scored) (string, offerRef) { return s.Pair.Lang, refOf(s) }

// cutFn finds a language's N-th best offer (its worst, when it has fewer), holding at
// most 2N refs.
type cutFn struct{ N int }

type cutAcc struct{ Refs []offerRef }

func (fn *cutFn) AddInput(a cutAcc, r offerRef) cutAcc {
	a.Refs = append(a.Refs, r)
	if len(a.Refs) >= 2*fn.N {
		a.Refs = bestN(a.Refs, fn.N)
	}
	return a
}

func (fn *cutFn) MergeAccumulators(a, b cutAcc) cutAcc {
	a.Refs = bestN(append(a.Refs, b.Refs...), fn.N)
	return a
}

func (fn *cutFn) ExtractOutput(a cutAcc) offerRef {
	refs := bestN(a.Refs, fn.N)
	return refs[len(refs)-1]
}

func bestN(refs []offerRef, n int) []offerRef {
	slices.SortFunc(refs, better)
	return refs[:min(n, len(refs))]
}

// keepFn keeps the offers at or above their language's cut.
type keepFn struct {
	cuts   map[string]offerRef
	counts map[string]int
}

func (fn *keepFn) StartBundle(_ context.Context, cuts func(*string, *offerRef) bool, _ func(Scored), _ func(string, int)) {
	fn.cuts, fn.counts = map[string]offerRef{}, map[string]int{}
	var lang string
	var r offerRef
	for cuts(&lang, &r) {
		fn.cuts[lang] = r
	}
}

func (fn *keepFn) ProcessElement(_ context.Context, s Scored, _ func(*string, *offerRef) bool, emit func(Scored), _ func(string, int)) {
	if cut, ok := fn.cuts[s.Pair.Lang]; ok && better(refOf(s), cut) <= 0 {
		emit(s)
		fn.counts[funnel.Out(Stage, s.Pair.Lang).String()]++
		return
	}
	fn.counts[funnel.Filtered(Stage, ReasonNotSelected).String()]++
}

func (fn *keepFn) FinishBundle(_ context.Context, _ func(*string, *offerRef) bool, _ func(Scored), counts func(string, int)) error {
	return flushCounts(fn.counts, counts)
}
