package diversify

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/transforms/cluster"
)

func init() {
	register.DoFn4x1[context.Context, Candidate, func(*Model) bool, func(string, Scored), error](&assignFn{})
	register.Iter1[Model]()
	register.Emitter2[string, Scored]()
}

// Assign places every candidate (PCollection<Candidate>) in the nearest cluster of its
// language's model (models, PCollection<Model>, a side input read once per bundle). It
// returns PCollection<KV<string, Scored>> keyed by ClusterKey. Candidates are assigned
// in blocks of p.Batch rows per language, so that the distance kernel works on
// matrices rather than on one row at a time.
func Assign(s beam.Scope, p Params, cands, models beam.PCollection) beam.PCollection {
	s = s.Scope("diversify.Assign")
	return beam.ParDo(s, &assignFn{Seed: p.Seed, Batch: p.Batch}, cands, beam.SideInput{Input: models})
}

// ClusterKey is the key of a language's cluster: "<lang>/<cluster>".
func ClusterKey(lang string, cluster int) string { return lang + "/" + strconv.Itoa(cluster) }

type assignFn struct {
	Seed  uint64
	Batch int

	models map[string]Model
	buf    map[string][]Candidate
}

func (fn *assignFn) StartBundle(_ context.Context, models func(*Model) bool, _ func(string, Scored)) {
	fn.models, fn.buf = map[string]Model{}, map[string][]Candidate{}
	var m Model
	for models(&m) {
		fn.models[m.Lang] = m
	}
}

func (fn *assignFn) ProcessElement(_ context.Context, c Candidate, _ func(*Model) bool, emit func(string, Scored)) error {
	lang := c.Pair.Lang
	fn.buf[lang] = append(fn.buf[lang], c)
	if len(fn.buf[lang]) < fn.Batch {
		return nil
	}
	return fn.flush(lang, emit)
}

func (fn *assignFn) FinishBundle(_ context.Context, _ func(*Model) bool, emit func(string, Scored)) error {
	for _, lang := range slices.Sorted(maps.Keys(fn.buf)) {
		if err := fn.flush(lang, emit); err != nil {
			return err
		}
	}
	return nil
}

func (fn *assignFn) flush(lang string, emit func(string, Scored)) error {
	block := fn.buf[lang]
	delete(fn.buf, lang)
	if len(block) == 0 {
		return nil
	}
	m, ok := fn.models[lang]
	if !ok || m.K == 0 {
		// Every candidate was in its language's fit input: this is a bug, not bad data.
		return fmt.Errorf("diversify.Assign: no model for language %q", lang)
	}
	data := make([]float32, 0, len(block)*m.D)
	for _, c := range block {
		if len(c.Vec) != m.D {
			return fmt.Errorf("diversify.Assign: pair %s has a vector of length %d, the model %d", c.Pair.ID, len(c.Vec), m.D)
		}
		data = append(data, c.Vec...)
	}
	assign := make([]int32, len(block))
	cluster.Assign(data, len(block), m.D, m.Centroids, m.K, assign)
	for i, c := range block {
		k := int(assign[i])
		emit(ClusterKey(lang, k), Scored{Candidate: c, Cluster: k, Dist: cluster.SqDist(c.Vec, m.Centroids[k*m.D:(k+1)*m.D]),
			Tie: seededHash(fn.Seed, saltTie, c.Pair.ID)})
	}
	return nil
}
