package diversify

import (
	"fmt"
	"slices"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/transforms/cluster"
)

func init() {
	register.Combiner3[fitAcc, sampled, Model](&fitFn{})
	register.Function2x1(withLang)
	register.DoFn2x0[Candidate, func(string, sampled)](&prioFn{})
	register.Emitter2[string, sampled]()
}

// Fit fits one k-means model per language (PCollection<Model>) on a bounded sample of
// its candidates (PCollection<Candidate>): the FitSample candidates with the smallest
// seeded hash of their id, a uniform sample that does not depend on how the runner
// splits the work. Fitting happens in a combine, whose accumulator never holds more
// than 1.25·FitSample vectors, so memory does not grow with the corpus.
func Fit(s beam.Scope, p Params, cands beam.PCollection) beam.PCollection {
	s = s.Scope("diversify.Fit")
	keyed := beam.ParDo(s, &prioFn{Seed: p.Seed}, cands)
	fitted := beam.CombinePerKey(s, &fitFn{Sample: p.FitSample, K: p.Clusters, SeedSample: p.SeedSample,
		Iters: p.Iters, Tol: p.Tol, Seed: p.Seed}, keyed)
	return beam.ParDo(s, withLang, fitted)
}

type prioFn struct{ Seed uint64 }

func (fn *prioFn) ProcessElement(c Candidate, emit func(string, sampled)) {
	emit(c.Pair.Lang, sampled{Prio: seededHash(fn.Seed, saltFit, c.Pair.ID), Vec: c.Vec})
}

func withLang(lang string, m Model) Model {
	m.Lang = lang
	return m
}

// fitAcc holds candidates' priorities and vectors (row i is Vecs[i·D:(i+1)·D]). It is
// trimmed back to the Sample smallest priorities whenever it grows a quarter past them:
// at most 1.25·Sample vectors, at an amortized cost of a few comparisons per input.
type fitAcc struct {
	D    int
	Prio []uint64
	Vecs []float32
}

type fitFn struct {
	Sample     int
	K          int
	SeedSample int
	Iters      int
	Tol        float64
	Seed       uint64
}

func (fn *fitFn) CreateAccumulator() fitAcc { return fitAcc{} }

func (fn *fitFn) AddInput(a fitAcc, s sampled) fitAcc {
	if a.D == 0 {
		a.D = len(s.Vec)
	}
	if len(s.Vec) != a.D {
		panic(fmt.Sprintf("diversify.Fit: vectors of lengths %d and %d in one language", a.D, len(s.Vec)))
	}
	a.Prio = append(a.Prio, s.Prio)
	a.Vecs = append(a.Vecs, s.Vec...)
	if len(a.Prio) >= fn.Sample+max(fn.Sample/4, 1) {
		a = a.trim(fn.Sample)
	}
	return a
}

func (fn *fitFn) MergeAccumulators(a, b fitAcc) fitAcc {
	if len(a.Prio) == 0 {
		return b
	}
	if len(b.Prio) == 0 {
		return a
	}
	if a.D != b.D {
		panic(fmt.Sprintf("diversify.Fit: vectors of lengths %d and %d in one language", a.D, b.D))
	}
	a.Prio = append(a.Prio, b.Prio...)
	a.Vecs = append(a.Vecs, b.Vecs...)
	if len(a.Prio) > fn.Sample {
		a = a.trim(fn.Sample)
	}
	return a
}

func (fn *fitFn) ExtractOutput(a fitAcc) Model {
	a = a.smallest(fn.Sample) // also sorts, so that the fit does not depend on input order
	n := len(a.Prio)
	if n == 0 {
		return Model{}
	}
	k := min(fn.K, n)
	centroids, _, inertia, iters := cluster.KMeans(a.Vecs, n, a.D, cluster.KMeansParams{
		K: k, MaxIters: fn.Iters, Tol: fn.Tol, Seed: fn.Seed, SeedSample: fn.SeedSample})
	return Model{K: k, D: a.D, Centroids: centroids, FitRows: n, Inertia: inertia, Iters: iters}
}

// trim keeps, in place and in their order, the entries whose priority is among the m
// smallest (all of them on a tie at the m-th, which needs a 64-bit hash collision).
func (a fitAcc) trim(m int) fitAcc {
	if len(a.Prio) <= m {
		return a
	}
	sorted := slices.Clone(a.Prio)
	slices.Sort(sorted)
	limit := sorted[m-1]
	n := 0
	for i, p := range a.Prio {
		if p <= limit {
			a.Prio[n] = p
			copy(a.Vecs[n*a.D:(n+1)*a.D], a.Vecs[i*a.D:(i+1)*a.D])
			n++
		}
	}
	a.Prio, a.Vecs = a.Prio[:n], a.Vecs[:n*a.D]
	return a
}

// smallest returns the m entries of a with the smallest priorities, in increasing
// priority order (ties, which need a 64-bit hash collision, by vector order).
func (a fitAcc) smallest(m int) fitAcc {
	idx := make([]int32, len(a.Prio))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortStableFunc(idx, func(x, y int32) int {
		switch {
		case a.Prio[x] < a.Prio[y]:
			return -1
		case a.Prio[x] > a.Prio[y]:
			return 1
		}
		return slices.Compare(a.Vecs[int(x)*a.D:int(x+1)*a.D], a.Vecs[int(y)*a.D:int(y+1)*a.D])
	})
	idx = idx[:min(m, len(idx))]
	out := fitAcc{D: a.D, Prio: make([]uint64, len(idx)), Vecs: make([]float32, len(idx)*a.D)}
	for j, i := range idx {
		out.Prio[j] = a.Prio[i]
		copy(out.Vecs[j*a.D:(j+1)*a.D], a.Vecs[int(i)*a.D:int(i+1)*a.D])
	}
	return out
}
