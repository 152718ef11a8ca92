package job

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/io/dataset"
	"github.com/xinstruct/xinstruct/runners/launch"
	"github.com/xinstruct/xinstruct/transforms/diversify"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

// SummaryName is the closing summary's report: report/summary.json.
const SummaryName = "summary.json"

// Summary is what a run came to, in a few lines: report/summary.json, and the closing
// block the launcher prints.
type Summary struct {
	RunID       string `json:"run_id"`
	Status      string `json:"status"` // "published" or "failed"
	Failure     string `json:"failure,omitempty"`
	ExitCode    int    `json:"exit_code"`
	Placeholder bool   `json:"placeholder"`

	Dataset       string           `json:"dataset,omitempty"` // the dataset's folder
	PerLanguage   int              `json:"per_language"`      // the rows asked for per language
	Rows          map[string]int64 `json:"rows"`              // selected into the dataset, per language
	RowsTotal     int64            `json:"rows_total"`
	Accepted      map[string]int64 `json:"accepted"` // left refinement accepted, per language
	AcceptedTotal int64            `json:"accepted_total"`
	Shortfall     map[string]int64 `json:"shortfall,omitempty"` // rows short of --per_language, per language

	Calls            int64   `json:"calls"` // model requests made
	StoreHits        int64   `json:"store_hits"`
	PromptTokens     int64   `json:"prompt_tokens"`
	CompletionTokens int64   `json:"completion_tokens"`
	Cost             float64 `json:"cost"`
	// CostSaved is what the calls answered from the store (StoreHits) cost when they
	// were asked, at this run's prices.
	CostSaved float64 `json:"cost_saved"`

	Stages []StageTime `json:"stages"`
	// StageCalls is each model stage's calls made and saved, in order.
	StageCalls []StageCalls `json:"stage_calls"`
	Wall       float64      `json:"wall_seconds"` // from the launch to the end of the pipeline
}

// StageTime is a model stage's wall time: its first call's start to its last call's end.
type StageTime struct {
	Stage string  `json:"stage"`
	Wall  float64 `json:"wall_seconds"`
	Calls int64   `json:"calls"`
	Hits  int64   `json:"store_hits"`
}

// StageCalls is what one model stage asked the model, and what the response store
// answered instead: on a re-run, the calls saved are the work an unchanged input did
// not pay for again.
type StageCalls struct {
	Stage string `json:"stage"`
	// Unit is what one call is: UnitRequest, a chat request, or UnitText, one text
	// embedded (a request carries up to 64).
	Unit       string `json:"unit"`
	CallsMade  int64  `json:"calls_made"`  // asked of the model
	CallsSaved int64  `json:"calls_saved"` // answered from the response store
	Requests   int64  `json:"requests"`    // HTTP requests that carried the calls made (chat: calls_made)
	// CostMade prices the calls made from the usage the server reported, CostSaved the
	// calls saved from the usage stored with their answers, both at this run's --price.
	CostMade          float64 `json:"cost_made"`
	CostSaved         float64 `json:"cost_saved"`
	PromptTokensMade  int64   `json:"prompt_tokens_made"`
	PromptTokensSaved int64   `json:"prompt_tokens_saved"`
	OutputTokensMade  int64   `json:"completion_tokens_made"`
	OutputTokensSaved int64   `json:"completion_tokens_saved"`
}

// The units of StageCalls.
const (
	UnitRequest = "request"
	UnitText    = "text"
)

// stageCalls is stage's StageCalls from its usage.
func stageCalls(stage string, t funnel.Usage) StageCalls {
	// Batched requests were made (at the batch price); the stage's hits on their answers
	// saved nothing.
	c := StageCalls{Stage: stage, Unit: UnitRequest, CallsMade: t.Requests + t.BatchRequests,
		CallsSaved: max(0, t.CacheHits-(t.BatchRequests-t.BatchFailures)), Requests: t.Requests + t.BatchRequests,
		CostMade: t.Cost, CostSaved: t.SavedCost, PromptTokensMade: t.PromptTokens + t.BatchPromptTokens, PromptTokensSaved: t.SavedPromptTokens,
		OutputTokensMade: t.CompletionTokens + t.BatchCompletionTokens, OutputTokensSaved: t.SavedCompletionTokens}
	if stage == diversify.Stage {
		c.Unit, c.CallsMade = UnitText, t.Inputs
	}
	return c
}

// summarize builds the summary from the run's report and its stages' spans.
func summarize(cfg summaryParams, r funnel.Report, spans map[string]funnel.Span, now time.Time) Summary {
	s := Summary{RunID: r.RunID, Status: "published", Failure: r.Failure, Placeholder: r.Placeholder,
		PerLanguage: cfg.PerLanguage, Rows: map[string]int64{}, Accepted: r.AcceptedByLanguage, AcceptedTotal: r.Accepted,
		Wall: now.Sub(cfg.StartedAt).Seconds()}
	if r.Failure != "" {
		s.Status, s.ExitCode = "failed", launch.ExitFailed
	}
	if s.Accepted == nil {
		s.Accepted = map[string]int64{}
	}
	for _, st := range r.Stages {
		if st.Name == diversify.Stage {
			s.Dataset = fsx.Join(cfg.Output, dataset.Dir)
			s.Rows, s.RowsTotal = st.OutByLanguage, st.Out
			for _, l := range cfg.Languages {
				if short := int64(cfg.PerLanguage) - st.OutByLanguage[l]; short > 0 {
					if s.Shortfall == nil {
						s.Shortfall = map[string]int64{}
					}
					s.Shortfall[l] = short
				}
			}
		}
	}
	for _, stage := range cfg.Stages {
		u, ok := r.LLM[stage]
		if !ok {
			continue
		}
		t := funnel.Total(u)
		s.Calls, s.StoreHits, s.PromptTokens, s.CompletionTokens, s.Cost = s.Calls+t.Requests+t.BatchRequests, s.StoreHits+t.CacheHits,
			s.PromptTokens+t.PromptTokens+t.BatchPromptTokens, s.CompletionTokens+t.CompletionTokens+t.BatchCompletionTokens, s.Cost+t.Cost
		s.CostSaved += t.SavedCost
		s.Stages = append(s.Stages, StageTime{Stage: stage, Wall: spans[stage].Wall().Seconds(), Calls: t.Requests, Hits: t.CacheHits})
		s.StageCalls = append(s.StageCalls, stageCalls(stage, t))
	}
	return s
}

// summaryParams is what the summary takes from the configuration.
type summaryParams struct {
	Output      string
	Languages   []string
	PerLanguage int
	Stages      []string
	StartedAt   time.Time
}

// Text renders the summary for a terminal.
func (s Summary) Text() string {
	var b strings.Builder
	b.WriteString("== result ==\n")
	if s.Dataset != "" {
		fmt.Fprintf(&b, "dataset       %s: %d rows (%d accepted by refinement, %d asked per language)\n", s.Dataset, s.RowsTotal, s.AcceptedTotal, s.PerLanguage)
		for _, l := range slices.Sorted(maps.Keys(s.Rows)) {
			fmt.Fprintf(&b, "  %-4s %8d rows  %8d accepted", l, s.Rows[l], s.Accepted[l])
			if short := s.Shortfall[l]; short > 0 {
				fmt.Fprintf(&b, "  short by %d", short)
			}
			b.WriteString("\n")
		}
		if len(s.Shortfall) > 0 {
			least := int64(-1)
			for l := range s.Shortfall {
				if least < 0 || s.Rows[l] < least {
					least = s.Rows[l]
				}
			}
			fmt.Fprintf(&b, "  %d of the languages have fewer accepted pairs than --per_language=%d: each keeps all it has. For equal sizes lower --per_language to %d; for more, give more text in those languages.\n",
				len(s.Shortfall), s.PerLanguage, least)
		}
	}
	fmt.Fprintf(&b, "model calls   %d made, %d from the store (saving %.4f), %d tokens in + %d out, cost %.4f\n", s.Calls, s.StoreHits, s.CostSaved, s.PromptTokens, s.CompletionTokens, s.Cost)
	if len(s.Stages) > 0 {
		b.WriteString("wall time    ")
		for _, st := range s.Stages {
			fmt.Fprintf(&b, " %s %s,", st.Stage, round(st.Wall))
		}
		fmt.Fprintf(&b, " all %s\n", round(s.Wall))
	} else {
		fmt.Fprintf(&b, "wall time     %s\n", round(s.Wall))
	}
	if s.Placeholder {
		b.WriteString("placeholder   yes: the instructions are the offline stand-in's placeholder text\n")
	}
	if s.Failure != "" {
		fmt.Fprintf(&b, "status        FAILED (exit %d): %s\n", s.ExitCode, s.Failure)
	} else {
		fmt.Fprintf(&b, "status        published (exit 0)\n")
	}
	return b.String()
}

// round shows a wall time to a useful precision: 10 ms below 10 s, 100 ms below 10
// minutes, seconds above.
func round(sec float64) string {
	d := time.Duration(sec * float64(time.Second))
	switch {
	case d < 10*time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d < 10*time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
