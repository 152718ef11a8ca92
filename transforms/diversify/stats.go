package diversify

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"reflect"
	"unicode/utf8"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/register"
)

func init() {
	register.Function1x2(selectedPoint)
	register.Combiner3[SetStats, statPoint, SetStats](&statsFn{})
	register.DoFn4x0[context.Context, Candidate, func(*string, *uint64) bool, func(string, statPoint)](&randomFn{})
	register.Combiner3[bottomAcc, uint64, uint64](&bottomFn{})
	register.DoFn1x2[Candidate, string, uint64](&randomPrioFn{})
	register.Iter2[string, uint64]()
	register.Emitter2[string, statPoint]()
	// Small, per-language values: JSON is plenty, and keeps the map and the
	// unexported-field pitfalls of the row coder away.
	beam.RegisterCoder(reflect.TypeOf(SetStats{}), encodeSetStats, decodeSetStats)
	beam.RegisterCoder(reflect.TypeOf(bottomAcc{}), encodeBottomAcc, decodeBottomAcc)
	beam.RegisterCoder(reflect.TypeOf(statPoint{}), encodeStatPoint, decodeStatPoint)
}

// SetStats summarizes a set of pairs of one language: their number, the moments of
// their lengths in characters, their cluster counts, and the sum of their embeddings,
// from which the mean pairwise cosine distance follows without visiting every pair.
type SetStats struct {
	N          int64
	InstrSum   float64
	InstrSumSq float64
	OutSum     float64
	OutSumSq   float64
	VecSum     []float64
	NormSqSum  float64       // Σ ||x||² (1 per unit vector, 0 per zero vector)
	PerCluster map[int]int64 `json:",omitempty"`
}

// InstrMeanSD and OutMeanSD are the mean and (population) standard deviation of the
// instruction and output lengths, in Unicode characters.
func (s SetStats) InstrMeanSD() (float64, float64) { return meanSD(s.N, s.InstrSum, s.InstrSumSq) }
func (s SetStats) OutMeanSD() (float64, float64)   { return meanSD(s.N, s.OutSum, s.OutSumSq) }

func meanSD(n int64, sum, sumSq float64) (float64, float64) {
	if n == 0 {
		return math.NaN(), math.NaN()
	}
	mean := sum / float64(n)
	return mean, math.Sqrt(math.Max(0, sumSq/float64(n)-mean*mean))
}

// MeanCosineDistance is the mean of 1 − cos(x, y) over all unordered pairs of distinct
// members, for unit (or zero) vectors: Σ_{i≠j} xᵢ·xⱼ = ||Σx||² − Σ||x||². NaN below two.
func (s SetStats) MeanCosineDistance() float64 {
	if s.N < 2 {
		return math.NaN()
	}
	var sq float64
	for _, v := range s.VecSum {
		sq += v * v
	}
	return 1 - (sq-s.NormSqSum)/(float64(s.N)*float64(s.N-1))
}

// statPoint is one pair's contribution to SetStats.
type statPoint struct {
	Cluster    int
	InstrChars int
	OutChars   int
	Vec        []float32
}

func pointOf(c Candidate, cluster int) statPoint {
	return statPoint{Cluster: cluster, InstrChars: utf8.RuneCountInString(c.Pair.Instruction),
		OutChars: utf8.RuneCountInString(c.Pair.Output), Vec: c.Vec}
}

func selectedPoint(s Scored) (string, statPoint) { return s.Pair.Lang, pointOf(s.Candidate, s.Cluster) }

type statsFn struct{}

func (statsFn) CreateAccumulator() SetStats { return SetStats{} }

func (statsFn) AddInput(a SetStats, p statPoint) SetStats {
	a.N++
	a.InstrSum += float64(p.InstrChars)
	a.InstrSumSq += float64(p.InstrChars) * float64(p.InstrChars)
	a.OutSum += float64(p.OutChars)
	a.OutSumSq += float64(p.OutChars) * float64(p.OutChars)
	if a.VecSum == nil {
		a.VecSum = make([]float64, len(p.Vec))
	}
	for i, x := range p.Vec {
		a.VecSum[i] += float64(x)
		a.NormSqSum += float64(x) * float64(x)
	}
	if p.Cluster >= 0 {
		if a.PerCluster == nil {
			a.PerCluster = map[int]int64{}
		}
		a.PerCluster[p.Cluster]++
	}
	return a
}

func (statsFn) MergeAccumulators(a, b SetStats) SetStats {
	a.N += b.N
	a.InstrSum += b.InstrSum
	a.InstrSumSq += b.InstrSumSq
	a.OutSum += b.OutSum
	a.OutSumSq += b.OutSumSq
	a.NormSqSum += b.NormSqSum
	if a.VecSum == nil {
		a.VecSum = b.VecSum
	} else {
		for i, x := range b.VecSum {
			a.VecSum[i] += x
		}
	}
	for c, n := range b.PerCluster {
		if a.PerCluster == nil {
			a.PerCluster = map[int]int64{}
		}
		a.PerCluster[c] += n
	}
	return a
}

// SelectedStats summarizes the selected pairs (PCollection<Scored>) per language:
// PCollection<KV<string, SetStats>>.
func SelectedStats(s beam.Scope, selected beam.PCollection) beam.PCollection {
	s = s.Scope("diversify.SelectedStats")
	return beam.CombinePerKey(s, &statsFn{}, beam.ParDo(s, selectedPoint, selected))
}

// RandomSample is, per language, the cut of the baseline the selection is compared
// with: a uniform random sample of the candidates (PCollection<Candidate>) of the
// selection's size, min(p.PerLanguage, candidates), the candidates whose seeded hash is
// at most the cut. It returns PCollection<KV<string, uint64>>, for RandomStats and
// Measure.
func RandomSample(s beam.Scope, p Params, cands beam.PCollection) beam.PCollection {
	return thresholds(s.Scope("diversify.RandomSample"), p.Seed, saltRandom, p.PerLanguage, cands)
}

// RandomStats summarizes the random sample (random, from RandomSample) of the
// candidates: PCollection<KV<string, SetStats>>.
func RandomStats(s beam.Scope, p Params, cands, random beam.PCollection) beam.PCollection {
	s = s.Scope("diversify.RandomStats")
	points := beam.ParDo(s, &randomFn{Seed: p.Seed}, cands, beam.SideInput{Input: random})
	return beam.CombinePerKey(s, &statsFn{}, points)
}

// thresholds is, per language, the n-th smallest seeded hash (salt) of a candidate's id:
// the candidates at or below it are a uniform random sample of n.
func thresholds(s beam.Scope, seed, salt uint64, n int, cands beam.PCollection) beam.PCollection {
	prios := beam.ParDo(s, &randomPrioFn{Seed: seed, Salt: salt}, cands)
	return beam.CombinePerKey(s, &bottomFn{N: n}, prios)
}

type randomPrioFn struct{ Seed, Salt uint64 }

func (fn *randomPrioFn) ProcessElement(c Candidate) (string, uint64) {
	return c.Pair.Lang, seededHash(fn.Seed, fn.Salt, c.Pair.ID)
}

// bottomFn finds the N-th smallest priority of a language (its largest, when it has
// fewer), holding at most 2N priorities.
type bottomFn struct{ N int }

type bottomAcc struct{ Prio []uint64 }

func (fn *bottomFn) AddInput(a bottomAcc, p uint64) bottomAcc {
	a.Prio = append(a.Prio, p)
	if len(a.Prio) >= 2*fn.N {
		a.Prio = smallestN(a.Prio, fn.N)
	}
	return a
}

func (fn *bottomFn) MergeAccumulators(a, b bottomAcc) bottomAcc {
	a.Prio = smallestN(append(a.Prio, b.Prio...), fn.N)
	return a
}

func (fn *bottomFn) ExtractOutput(a bottomAcc) uint64 {
	a.Prio = smallestN(a.Prio, fn.N)
	var top uint64
	for _, p := range a.Prio {
		top = max(top, p)
	}
	return top
}

type randomFn struct {
	Seed uint64

	thresholds map[string]uint64
}

func (fn *randomFn) StartBundle(_ context.Context, thresholds func(*string, *uint64) bool, _ func(string, statPoint)) {
	fn.thresholds = map[string]uint64{}
	var lang string
	var t uint64
	for thresholds(&lang, &t) {
		fn.thresholds[lang] = t
	}
}

func (fn *randomFn) ProcessElement(_ context.Context, c Candidate, _ func(*string, *uint64) bool, emit func(string, statPoint)) {
	if t, ok := fn.thresholds[c.Pair.Lang]; ok && seededHash(fn.Seed, saltRandom, c.Pair.ID) <= t {
		emit(c.Pair.Lang, pointOf(c, -1))
	}
}

func encodeSetStats(s SetStats) ([]byte, error) { return json.Marshal(s) }
func decodeSetStats(b []byte) (SetStats, error) {
	var s SetStats
	err := json.Unmarshal(b, &s)
	return s, err
}
func encodeBottomAcc(a bottomAcc) ([]byte, error) { return json.Marshal(a) }
func decodeBottomAcc(b []byte) (bottomAcc, error) {
	var a bottomAcc
	err := json.Unmarshal(b, &a)
	return a, err
}

// statPoint crosses a shuffle per pair (its vector above all): binary.
func encodeStatPoint(p statPoint) ([]byte, error) {
	dst := binary.AppendVarint(nil, int64(p.Cluster))
	dst = binary.AppendVarint(dst, int64(p.InstrChars))
	dst = binary.AppendVarint(dst, int64(p.OutChars))
	return appendFloats(dst, p.Vec), nil
}

func decodeStatPoint(b []byte) (statPoint, error) {
	var v [3]int64
	for i := range v {
		n, k := binary.Varint(b)
		if k <= 0 {
			return statPoint{}, errShort
		}
		v[i], b = n, b[k:]
	}
	vec, rest, err := readFloats(b)
	if err != nil || len(rest) != 0 {
		return statPoint{}, errShort
	}
	return statPoint{Cluster: int(v[0]), InstrChars: int(v[1]), OutChars: int(v[2]), Vec: vec}, nil
}
