package job

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/io/dataset"
	"github.com/xinstruct/xinstruct/io/dataset/figures"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

func init() {
	register.DoFn3x0[[]byte, func(*string, *int) bool, func(dataset.Facts)](&factsFn{})
	register.Emitter1[dataset.Facts]()
}

// cardFacts turns the run's counts up to the selection (PCollection<KV<string, int>>)
// into what the dataset card tells of the run: a singleton PCollection<dataset.Facts>.
func cardFacts(s beam.Scope, cfg Config, counts beam.PCollection) beam.PCollection {
	s = s.Scope("generate.CardFacts")
	return beam.ParDo(s, &factsFn{Stages: cfg.Stages(), Price: cfg.Generate.LLM.Price}, beam.Impulse(s), beam.SideInput{Input: counts})
}

type factsFn struct {
	Stages []string
	Price  llm.Price
}

func (fn *factsFn) ProcessElement(_ []byte, counts func(*string, *int) bool, emit func(dataset.Facts)) {
	sums, _ := funnel.Collect(counts)
	r := funnel.FromCounts(sums, fn.Stages...)
	f := dataset.Facts{Stages: map[string]dataset.StageFigure{}}
	f.Funnel = append(f.Funnel,
		dataset.Step{Name: "read from the corpora", N: r.Read},
		dataset.Step{Name: "rejected by ingest", N: r.Rejected, Note: topReasons(r.RejectedByReason, 3)},
		dataset.Step{Name: "kept by ingest", N: r.Kept})
	for _, st := range r.Stages {
		switch {
		case st.Name == record.StageGenerate:
			f.Funnel = append(f.Funnel, dataset.Step{Name: "instructions generated", N: st.Out, Note: topReasons(st.RejectedByReason, 2)})
		case st.Name == record.StageChecks:
			f.Funnel = append(f.Funnel, dataset.Step{Name: "passed the pair checks", N: st.Out, Note: topReasons(st.RejectedByReason, 3)})
		case strings.HasPrefix(st.Name, "judge_r"):
			round, _ := strconv.Atoi(strings.TrimPrefix(st.Name, "judge_r"))
			labels := map[string]int64{}
			for _, byLabel := range r.Yields[st.Name] {
				for _, l := range []string{"good", "flawed", "bad"} {
					labels[l] += byLabel[l]
				}
			}
			f.Labels = append(f.Labels, figures.RoundLabels{Round: round, Counts: labels})
		}
	}
	f.Funnel = append(f.Funnel, dataset.Step{Name: "accepted by refinement", N: r.Accepted})
	for _, st := range append([]string{record.StageGenerate}, fn.Stages...) {
		r.PriceUsage(st, fn.Price.InputPerM, fn.Price.OutputPerM)
		u, ok := r.LLM[st]
		if !ok {
			continue
		}
		t := funnel.Total(u)
		f.Stages[st] = dataset.StageFigure{Calls: t.Requests, StoreHits: t.CacheHits, Tokens: t.PromptTokens + t.CompletionTokens, Cost: t.Cost}
		f.Calls, f.Tokens, f.Cost = f.Calls+t.Requests, f.Tokens+t.PromptTokens+t.CompletionTokens, f.Cost+t.Cost
	}
	emit(f)
}

// topReasons names the n most common reasons with their counts.
func topReasons(byReason map[string]int64, n int) string {
	type rc struct {
		reason string
		n      int64
	}
	var all []rc
	for r, c := range byReason {
		all = append(all, rc{r, c})
	}
	slices.SortFunc(all, func(a, b rc) int {
		if a.n != b.n {
			return int(b.n - a.n)
		}
		return strings.Compare(a.reason, b.reason)
	})
	var parts []string
	for _, x := range all[:min(n, len(all))] {
		parts = append(parts, fmt.Sprintf("%s %d", x.reason, x.n))
	}
	return strings.Join(parts, ", ")
}
