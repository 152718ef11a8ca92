package diversify

import (
	"bytes"
	"encoding/gob"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/register"
)

func init() {
	register.DoFn7x0[[]byte, func(*Model) bool, func(*string, *int) bool, func(*string, *SetStats) bool, func(*string, *SetStats) bool, func(*string, *Measures) bool, func(LangReport)](&reportFn{})
	register.Iter2[string, SetStats]()
	register.Iter2[string, Measures]()
	register.Emitter1[LangReport]()
	beam.RegisterCoder(reflect.TypeOf(LangReport{}), encodeLangReport, decodeLangReport)
}

// LangReport is what the dataset card says of one language.
type LangReport struct {
	Lang       string
	Candidates int64 // pairs that reached clustering
	Target     int   // PerLanguage
	Selected   SetStats
	Random     SetStats // a uniform random sample of the same size, the baseline
	K          int      // clusters fitted
	// ClusterSizes are the candidates assigned to each cluster, by index.
	ClusterSizes map[int]int64 `json:",omitempty"`
	FitRows      int
	Inertia      float64
	Iters        int
	// Diversity of the selected and the random set (Measure).
	Measures Measures
}

// Shortfall is how many pairs the language lacks to reach its target.
func (r LangReport) Shortfall() int64 { return max(0, int64(r.Target)-r.Selected.N) }

// ClustersCovered is the number of clusters that gave at least one pair.
func (r LangReport) ClustersCovered() int {
	n := 0
	for _, c := range r.Selected.PerCluster {
		if c > 0 {
			n++
		}
	}
	return n
}

// Reports joins, per language, the model, the candidate count (the sum of its cluster
// sizes, from ClusterSizes) and the statistics of the selected and the random set:
// PCollection<LangReport>, in language order.
func Reports(s beam.Scope, p Params, models, sizes, selected, random, measures beam.PCollection) beam.PCollection {
	s = s.Scope("diversify.Reports")
	return beam.ParDo(s, &reportFn{Target: p.PerLanguage}, beam.Impulse(s), beam.SideInput{Input: models},
		beam.SideInput{Input: sizes}, beam.SideInput{Input: selected}, beam.SideInput{Input: random}, beam.SideInput{Input: measures})
}

type reportFn struct{ Target int }

func (fn *reportFn) ProcessElement(_ []byte, models func(*Model) bool, sizes func(*string, *int) bool,
	selected, random func(*string, *SetStats) bool, measures func(*string, *Measures) bool, emit func(LangReport)) {
	byLang := map[string]*LangReport{}
	get := func(lang string) *LangReport {
		if byLang[lang] == nil {
			byLang[lang] = &LangReport{Lang: lang, Target: fn.Target}
		}
		return byLang[lang]
	}
	var m Model
	for models(&m) {
		r := get(m.Lang)
		r.K, r.FitRows, r.Inertia, r.Iters = m.K, m.FitRows, m.Inertia, m.Iters
	}
	var key, lang string
	var n int
	for sizes(&key, &n) {
		var c string
		lang, c, _ = strings.Cut(key, "/")
		r := get(lang)
		r.Candidates += int64(n)
		if i, err := strconv.Atoi(c); err == nil {
			if r.ClusterSizes == nil {
				r.ClusterSizes = map[int]int64{}
			}
			r.ClusterSizes[i] += int64(n)
		}
	}
	var st SetStats
	for selected(&lang, &st) {
		get(lang).Selected = st
	}
	for random(&lang, &st) {
		get(lang).Random = st
	}
	var ms Measures
	for measures(&lang, &ms) {
		get(lang).Measures = ms
	}
	for _, l := range slices.Sorted(maps.Keys(byLang)) {
		emit(*byLang[l])
	}
}

// gob, not JSON: measures of a set too small to measure are NaN.
func encodeLangReport(r LangReport) ([]byte, error) {
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(r)
	return b.Bytes(), err
}

func decodeLangReport(b []byte) (LangReport, error) {
	var r LangReport
	err := gob.NewDecoder(bytes.NewReader(b)).Decode(&r)
	return r, err
}
