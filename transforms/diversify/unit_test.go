package diversify

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/embeddings"
	"github.com/xinstruct/xinstruct/internal/record"
)

func randUnit(rng *rand.Rand, d int) []float32 {
	v := make([]float32, d)
	var n float64
	for i := range v {
		v[i] = float32(rng.NormFloat64())
		n += float64(v[i]) * float64(v[i])
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(n))
	}
	return v
}

func scored(id string, dist float64, rounds int, seed uint64) Scored {
	return Scored{Candidate: Candidate{Pair: record.Pair{ID: id, Lang: "fi", History: make([]record.Judgement, rounds)}},
		Dist: dist, Tie: seededHash(seed, saltTie, id)}
}

func TestSelectTakesNearestFirstThenFewerRoundsThenHash(t *testing.T) {
	var in []Scored
	// Equal distances: the pair judged good at once comes before the rewritten one.
	in = append(in, scored("far", 0.9, 1, 1), scored("near", 0.1, 2, 1), scored("mid-2rounds", 0.5, 2, 1), scored("mid-1round", 0.5, 1, 1))
	for i := 0; i < 20; i++ {
		in = append(in, scored(fmt.Sprint("tie", i), 0.7, 1, 1))
	}
	fn := &offerFn{Rule: "nearest", quotas: map[string]int{"fi/0": 6}, counts: map[string]int{}}
	var got []Scored
	i := 0
	next := func(v *Scored) bool {
		if i == len(in) {
			return false
		}
		*v = in[i]
		i++
		return true
	}
	if err := fn.ProcessElement(context.Background(), "fi/0", next, nil, func(s Scored) { got = append(got, s) }, nil); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for r, s := range got {
		if s.Rank != r {
			t.Errorf("%s has rank %d at position %d", s.Pair.ID, s.Rank, r)
		}
		ids = append(ids, s.Pair.ID)
	}
	if len(ids) != 6 || !slices.Equal(ids[:3], []string{"near", "mid-1round", "mid-2rounds"}) {
		t.Fatalf("selected %v", ids)
	}
	// The last three are the tie-group members with the smallest seeded hashes.
	var ties []Scored
	for _, s := range in[4:] {
		ties = append(ties, s)
	}
	slices.SortFunc(ties, func(a, b Scored) int {
		if a.Tie < b.Tie {
			return -1
		}
		return 1
	})
	for j := 0; j < 3; j++ {
		if ids[3+j] != ties[j].Pair.ID {
			t.Fatalf("tie-break: got %v, want the hash order %v", ids[3:], []string{ties[0].Pair.ID, ties[1].Pair.ID, ties[2].Pair.ID})
		}
	}
	if fn.counts["filtered/diversify/not_selected"] != len(in)-6 {
		t.Fatalf("counts %v", fn.counts)
	}
}

func iterOf(in []Scored) func(*Scored) bool {
	i := 0
	return func(v *Scored) bool {
		if i == len(in) {
			return false
		}
		*v = in[i]
		i++
		return true
	}
}

// The spread rule offers up to SpreadOverQuota times the quota with falling gains, and
// the language's cut keeps exactly N: a cluster of near-copies cedes its quota to a
// cluster of distinct pairs, and every cluster keeps its first.
func TestSpreadOffersAndTheCutKeepsExactlyN(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const d = 32
	copies, distinct := []Scored{}, []Scored{}
	base := randUnit(rng, d)
	for i := 0; i < 40; i++ {
		v := slices.Clone(base)
		v[i%d] += 0.01
		s := scored(fmt.Sprint("copy", i), float64(i), 1, 1)
		s.Vec = v
		copies = append(copies, s)
		s = scored(fmt.Sprint("distinct", i), float64(i), 1, 1)
		s.Vec = randUnit(rng, d)
		distinct = append(distinct, s)
	}
	fn := &offerFn{Rule: "spread", quotas: map[string]int{"fi/0": 5, "fi/1": 5}, counts: map[string]int{}}
	var offers []Scored
	for c, in := range [][]Scored{copies, distinct} {
		if err := fn.ProcessElement(context.Background(), fmt.Sprint("fi/", c), iterOf(in), nil, func(s Scored) { offers = append(offers, s) }, nil); err != nil {
			t.Fatal(err)
		}
	}
	if len(offers) != 40 {
		t.Fatalf("%d offers, want 2 clusters × 4 × quota 5", len(offers))
	}
	cut := &cutFn{N: 10}
	var acc cutAcc
	for _, o := range offers {
		_, r := offerKey(o)
		acc = cut.AddInput(acc, r)
	}
	keep := &keepFn{cuts: map[string]offerRef{"fi": cut.ExtractOutput(acc)}, counts: map[string]int{}}
	var kept []string
	for _, o := range offers {
		keep.ProcessElement(context.Background(), o, nil, func(s Scored) { kept = append(kept, s.Pair.ID) }, nil)
	}
	nCopies := 0
	for _, id := range kept {
		if strings.HasPrefix(id, "copy") {
			nCopies++
		}
	}
	if len(kept) != 10 || nCopies != 1 || !slices.Contains(kept, "copy0") {
		t.Fatalf("kept %v: want 10, of them only copy0 (the copies' nearest) from the cluster of copies", kept)
	}
	if keep.counts["diversify/out/fi"] != 10 || keep.counts["filtered/diversify/not_selected"] != 30 || fn.counts["filtered/diversify/not_selected"] != 40 {
		t.Fatalf("counts %v %v", keep.counts, fn.counts)
	}
}

func TestFitSampleDoesNotDependOnInputOrderOrMerges(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var pts []sampled
	for i := 0; i < 500; i++ {
		pts = append(pts, sampled{Prio: rng.Uint64(), Vec: randUnit(rng, 8)})
	}
	fn := &fitFn{Sample: 60, K: 4, Iters: 10, Seed: 3}
	one := fn.CreateAccumulator()
	for _, p := range pts {
		one = fn.AddInput(one, p)
	}
	// The same points, shuffled, in three accumulators merged.
	perm := rng.Perm(len(pts))
	parts := []fitAcc{{}, {}, {}}
	for j, i := range perm {
		parts[j%3] = fn.AddInput(parts[j%3], pts[i])
	}
	merged := fn.MergeAccumulators(fn.MergeAccumulators(parts[2], parts[0]), parts[1])
	a, b := fn.ExtractOutput(one), fn.ExtractOutput(merged)
	if a.FitRows != 60 || a.K != 4 || !slices.Equal(a.Centroids, b.Centroids) || a.Inertia != b.Inertia {
		t.Fatalf("fits differ: %d rows, k %d, inertia %v vs %v", a.FitRows, a.K, a.Inertia, b.Inertia)
	}
	if got := len(one.Prio); got >= fn.Sample+fn.Sample/4 {
		t.Fatalf("the accumulator holds %d entries, bound %d", got, fn.Sample+fn.Sample/4)
	}
	// Fewer candidates than clusters: k shrinks.
	few := fn.AddInput(fn.CreateAccumulator(), pts[0])
	if m := fn.ExtractOutput(few); m.K != 1 || m.FitRows != 1 {
		t.Fatalf("one candidate: %+v", m)
	}
}

func TestMeanCosineDistanceMatchesAllPairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var fn statsFn
	acc := fn.CreateAccumulator()
	var vecs [][]float32
	for i := 0; i < 40; i++ {
		v := randUnit(rng, 16)
		if i%2 == 0 { // make some close to one another
			v = randUnit(rng, 16)
			for j := range v {
				v[j] = 0.9*v[j] + 0.1
			}
			n := float32(0)
			for _, x := range v {
				n += x * x
			}
			for j := range v {
				v[j] /= float32(math.Sqrt(float64(n)))
			}
		}
		vecs = append(vecs, v)
		acc = fn.AddInput(acc, statPoint{Cluster: i % 3, InstrChars: i, OutChars: 2 * i, Vec: v})
	}
	var sum float64
	var pairs int
	for i := range vecs {
		for j := i + 1; j < len(vecs); j++ {
			sum += 1 - embeddings.Cosine(vecs[i], vecs[j])
			pairs++
		}
	}
	if got, want := acc.MeanCosineDistance(), sum/float64(pairs); math.Abs(got-want) > 1e-6 {
		t.Fatalf("mean cosine distance %v, all pairs give %v", got, want)
	}
	if mean, sd := acc.InstrMeanSD(); mean != 19.5 || math.Abs(sd-math.Sqrt((40*40-1)/12.0)) > 1e-9 {
		t.Fatalf("instruction length %v ± %v", mean, sd)
	}
	if acc.PerCluster[0] != 14 || acc.PerCluster[2] != 13 {
		t.Fatalf("per cluster %v", acc.PerCluster)
	}
}

func TestQuotaFnUsesEveryClusterSize(t *testing.T) {
	sizes := map[string]int{"fi/0": 1, "fi/1": 50, "fi/3": 50, "sw/0": 99}
	iter := func() func(*string, *int) bool {
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range sizes {
				if !yield(k) {
					return
				}
			}
		})
		return func(k *string, n *int) bool {
			if len(keys) == 0 {
				return false
			}
			*k, *n, keys = keys[0], sizes[keys[0]], keys[1:]
			return true
		}
	}
	quotas, counts := map[string]int{}, map[string]int{}
	(&quotaFn{PerLanguage: 41}).ProcessElement(context.Background(), Model{Lang: "fi", K: 4}, iter(),
		func(k string, q int) { quotas[k] = q }, func(k string, n int) { counts[k] = n })
	// Cluster 2 is empty, cluster 0 gives its one pair, 1 and 3 share the rest: 20 each.
	if quotas["fi/0"] != 1 || quotas["fi/1"] != 20 || quotas["fi/3"] != 20 || len(quotas) != 3 {
		t.Fatalf("quotas %v", quotas)
	}
	if counts["yield/diversify/fi/shortfall"] != 0 {
		t.Fatalf("counts %v", counts)
	}
	(&quotaFn{PerLanguage: 500}).ProcessElement(context.Background(), Model{Lang: "sw", K: 2}, iter(),
		func(k string, q int) { quotas[k] = q }, func(k string, n int) { counts[k] = n })
	if quotas["sw/0"] != 99 || counts["yield/diversify/sw/shortfall"] != 401 {
		t.Fatalf("a language short of candidates: quotas %v counts %v", quotas, counts)
	}
}

// Under the spread rule, of two pairs that tie (the same instruction vector), the one
// that needed fewer refinement rounds is taken first; the start is the pair nearest the
// centroid.
func TestSpreadTiesPreferFewerRounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const d = 16
	twin := randUnit(rng, d)
	in := []Scored{scored("start", 0.01, 1, 1), scored("twin-2rounds", 0.5, 2, 1), scored("twin-1round", 0.5, 1, 1)}
	in[0].Vec, in[1].Vec, in[2].Vec = randUnit(rng, d), twin, twin
	for i := 0; i < 5; i++ {
		s := scored(fmt.Sprint("other", i), 0.9, 1, 1)
		s.Vec = randUnit(rng, d)
		in = append(in, s)
	}
	fn := &offerFn{Rule: "spread", quotas: map[string]int{"fi/0": 2}, counts: map[string]int{}}
	var got []string
	if err := fn.ProcessElement(context.Background(), "fi/0", iterOf(in), nil, func(s Scored) { got = append(got, s.Pair.ID) }, nil); err != nil {
		t.Fatal(err)
	}
	one, two := slices.Index(got, "twin-1round"), slices.Index(got, "twin-2rounds")
	if got[0] != "start" || one < 0 || (two >= 0 && two < one) {
		t.Fatalf("offered %v: want start first and the one-round twin before the two-round one", got)
	}
}

// Offers of equal gain are kept in proportion to their clusters' sizes: the 21st of a
// cluster of 100 goes before the 6th of a cluster of 10.
func TestEqualGainsGoInProportionToClusterSize(t *testing.T) {
	big := offerRef{Gain: 0, Rank: 20, Size: 100, ID: "b"}
	small := offerRef{Gain: 0, Rank: 5, Size: 10, ID: "s"}
	if better(big, small) >= 0 || better(small, big) <= 0 {
		t.Errorf("better(big, small) = %d: want the big cluster's offer first", better(big, small))
	}
	if better(offerRef{Gain: 0.5, Rank: 50, Size: 100, ID: "g"}, offerRef{Gain: 0.1, Rank: 0, Size: 100, ID: "h"}) >= 0 {
		t.Error("a larger gain must come first whatever the rank")
	}
}
