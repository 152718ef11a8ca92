package diversify

import (
	"cmp"
	"context"
	"encoding/binary"
	"reflect"
	"slices"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/diversity"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/internal/topics"
)

func init() {
	register.Function1x2(selectedMeasurePoint)
	register.DoFn5x0[context.Context, Candidate, func(*string, *uint64) bool, func(*string, *uint64) bool, func(string, measurePoint)](&baselineFn{})
	register.DoFn3x0[string, func(*measurePoint) bool, func(string, Measures)](&measureFn{})
	register.Iter1[measurePoint]()
	register.Emitter2[string, measurePoint]()
	register.Emitter2[string, Measures]()
	beam.RegisterCoder(reflect.TypeOf(measurePoint{}), encodeMeasurePoint, decodeMeasurePoint)
}

// MaxProbes bounds the candidates coverage is measured from, and the members of a set
// whose nearest neighbour the near-duplicate share looks for and whose topics are
// counted: a seeded sample of this many estimates them for a larger set (the share to
// about ±0.03 at 95%), at MaxProbes·N·d per set and language. Measured at 32k pairs of
// 256 dimensions, the measures cost about 4 s of CPU per language.
const MaxProbes = 1000

// Diversity is how diverse one set of pairs of a language is (see internal/diversity).
type Diversity struct {
	N            int
	Vendi        float64 // effective number of distinct instructions (cosine kernel)
	CoverageMean float64 // mean cosine distance from a candidate to its nearest member; lower is better
	CoverageP95  float64
	NearDupShare float64 // members with another member at cosine similarity ≥ diversity.DefaultNearDuplicate
	Topics       int     // distinct verb–object pairs (internal/topics) among at most MaxProbes members
	TopicEntropy float64 // nats
	MeanDistance float64 // mean pairwise cosine distance
}

// Measures compares a language's selection with the random sample of the same size
// from the same candidates.
type Measures struct {
	Selected, Random Diversity
	Probes           int // candidates coverage was measured from
}

// measurePoint is one instruction of a set: the selection, the random sample or the
// coverage probes.
type measurePoint struct {
	Set         int    // setSelected, setRandom or setProbe
	Prio        uint64 // a hash of the id: the near-duplicate probes are the lowest
	Vec         []float32
	Instruction string
}

const (
	setSelected = iota
	setRandom
	setProbe
)

// Measure computes, per language, the diversity of the selected pairs
// (PCollection<Scored>) and of the random sample of the candidates
// (PCollection<Candidate>; random from RandomSample): PCollection<KV<string, Measures>>.
// Each language's two sets and its probes meet in one worker: (2·PerLanguage +
// MaxProbes)·d floats, 64 MB at 32k pairs of 256 dimensions.
func Measure(s beam.Scope, p Params, cands, random, selected beam.PCollection) beam.PCollection {
	s = s.Scope("diversify.Measure")
	probes := thresholds(s, p.Seed, saltProbe, MaxProbes, cands)
	baseline := beam.ParDo(s, &baselineFn{Seed: p.Seed}, cands, beam.SideInput{Input: random}, beam.SideInput{Input: probes})
	points := beam.Flatten(s, beam.ParDo(s, selectedMeasurePoint, selected), baseline)
	return beam.ParDo(s, &measureFn{}, beam.GroupByKey(s, points))
}

func selectedMeasurePoint(sc Scored) (string, measurePoint) {
	return sc.Pair.Lang, measurePoint{Set: setSelected, Prio: seededHash(0, saltNearDup, sc.Pair.ID), Vec: sc.Vec, Instruction: sc.Pair.Instruction}
}

type baselineFn struct {
	Seed uint64

	random, probes map[string]uint64
}

func (fn *baselineFn) StartBundle(_ context.Context, random, probes func(*string, *uint64) bool, _ func(string, measurePoint)) {
	fn.random, fn.probes = readThresholds(random), readThresholds(probes)
}

func readThresholds(iter func(*string, *uint64) bool) map[string]uint64 {
	m := map[string]uint64{}
	var lang string
	var t uint64
	for iter(&lang, &t) {
		m[lang] = t
	}
	return m
}

func (fn *baselineFn) ProcessElement(_ context.Context, c Candidate, _, _ func(*string, *uint64) bool, emit func(string, measurePoint)) {
	lang := c.Pair.Lang
	if t, ok := fn.random[lang]; ok && seededHash(fn.Seed, saltRandom, c.Pair.ID) <= t {
		emit(lang, measurePoint{Set: setRandom, Prio: seededHash(0, saltNearDup, c.Pair.ID), Vec: c.Vec, Instruction: c.Pair.Instruction})
	}
	if t, ok := fn.probes[lang]; ok && seededHash(fn.Seed, saltProbe, c.Pair.ID) <= t {
		emit(lang, measurePoint{Set: setProbe, Vec: c.Vec})
	}
}

type measureFn struct{}

func (measureFn) ProcessElement(lang string, points func(*measurePoint) bool, emit func(string, Measures)) {
	var sets [3]struct {
		vecs         []float32
		instructions []string
		prio         []uint64
		n            int
	}
	d := 0
	var p measurePoint
	for points(&p) {
		st := &sets[p.Set]
		if d == 0 {
			d = len(p.Vec)
		}
		if len(p.Vec) != d {
			continue // a different embedder's vector cannot meet in one run
		}
		st.vecs = append(st.vecs, p.Vec...)
		st.prio = append(st.prio, p.Prio)
		st.n++
		st.instructions = append(st.instructions, p.Instruction)
	}
	probes := sets[setProbe]
	of := func(set int) Diversity {
		st := sets[set]
		dv := Diversity{N: st.n, Vendi: diversity.Vendi(st.vecs, st.n, d), MeanDistance: diversity.MeanPairwiseDistance(st.vecs, st.n, d)}
		cov := diversity.CoverageOf(diversity.NearestDistances(probes.vecs, probes.n, st.vecs, st.n, d))
		dv.CoverageMean, dv.CoverageP95 = cov.Mean, cov.P95
		// The members probed for a near-duplicate: the MaxProbes of lowest hash, the
		// same whatever order the points came in.
		rows := make([]int, st.n)
		for i := range rows {
			rows[i] = i
		}
		slices.SortFunc(rows, func(a, b int) int { return cmp.Compare(st.prio[a], st.prio[b]) })
		rows = rows[:min(st.n, MaxProbes)]
		dv.NearDupShare = diversity.NearDuplicateShare(st.vecs, st.n, d, rows, diversity.DefaultNearDuplicate)
		labels := make([]string, len(rows))
		for i, r := range rows {
			if tp := topics.Extract(st.instructions[r]); tp.Verb != "" {
				labels[i] = tp.Verb + " " + tp.Object
			}
		}
		tp := diversity.TopicsOf(labels)
		dv.Topics, dv.TopicEntropy = tp.Covered, tp.Entropy
		return dv
	}
	emit(lang, Measures{Selected: of(setSelected), Random: of(setRandom), Probes: probes.n})
}

func encodeMeasurePoint(p measurePoint) ([]byte, error) {
	dst := binary.AppendUvarint(nil, uint64(p.Set))
	dst = binary.LittleEndian.AppendUint64(dst, p.Prio)
	dst = appendFloats(dst, p.Vec)
	return append(dst, p.Instruction...), nil
}

func decodeMeasurePoint(b []byte) (measurePoint, error) {
	set, k := binary.Uvarint(b)
	if k <= 0 || set > setProbe {
		return measurePoint{}, errShort
	}
	prio, b, err := readUint64(b[k:])
	if err != nil {
		return measurePoint{}, err
	}
	vec, rest, err := readFloats(b)
	if err != nil {
		return measurePoint{}, err
	}
	return measurePoint{Set: int(set), Prio: prio, Vec: vec, Instruction: string(rest)}, nil
}
