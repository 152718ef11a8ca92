package job

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/xinstruct/xinstruct/transforms/estimate"
	"github.com/xinstruct/xinstruct/transforms/funnel"
	"github.com/xinstruct/xinstruct/transforms/leaderboard"
)

// Paths below the output prefix.
const (
	ResultsName  = "results.json"
	EstimateName = "estimate.json"
	ReadmeName   = "README.md"
	ChartName    = "win_rate.svg"
)

// Report is report/results.json: the leaderboard, and what the run did to get it.
type Report struct {
	RunID       string `json:"run_id"`
	Failure     string `json:"failure,omitempty"`
	Placeholder bool   `json:"placeholder"` // some answers or verdicts are the offline stand-in's placeholder text

	Judge       string   `json:"judge_model"`
	JudgeFormat string   `json:"judge_format"`
	Structured  bool     `json:"structured_output"`
	Gate        string   `json:"language_gate"`
	Baseline    string   `json:"baseline"`
	Models      []string `json:"models"`
	Languages   []string `json:"languages"`

	// Results: one row per model, language ("all" pooled), category and turn; see
	// leaderboard.Result.
	Results      []leaderboard.Result  `json:"results"`
	BradleyTerry []leaderboard.BTScore `json:"bradley_terry,omitempty"`
	Bootstrap    int                   `json:"bootstrap"`
	Seed         uint64                `json:"seed"`

	// Funnel has every stage's in, out, dead letters and model usage (or estimate).
	Funnel funnel.Report `json:"funnel"`
	Calls  int64         `json:"calls"` // model requests made, all stages
	Cost   float64       `json:"cost"`  // their cost at --price
	// Plan is an --estimate run's table: every model stage's calls, store hits, tokens,
	// cost low and high, and time.
	Plan *estimate.Plan `json:"plan,omitempty"`
}

// stages are the funnel's stages of cfg, in order.
func (c Config) stages() []string {
	st := []string{"questions", "asks"}
	for _, m := range c.Models {
		st = append(st, "answer_"+m.Name)
	}
	if len(c.Answers) > 0 {
		st = append(st, "imports")
	}
	return append(st, "compare", "judge")
}

// Summary renders the report for a terminal: the pooled leaderboard, then the funnel.
func (r Report) Summary() string {
	var b strings.Builder
	if r.Placeholder {
		b.WriteString("NOTE: PLACEHOLDER run: the offline stand-in wrote answers or verdicts; the figures below show the pipeline works, not how any model does.\n\n")
	}
	if len(r.Results) > 0 {
		fmt.Fprintf(&b, "judge %s (%s), baseline %s; adjusted win rate = (wins + ties/2) / n, 95%% bootstrap interval\n", r.Judge, r.JudgeFormat, r.Baseline)
		fmt.Fprintf(&b, "  %-24s %-5s %6s %14s %20s %9s %9s %9s\n", "model", "lang", "n", "W/T/L", "adjusted win rate", "pos.cons", "off-lang", "base off")
		for _, x := range r.Results {
			if x.Category != "" || x.Turn != 0 {
				continue
			}
			fmt.Fprintf(&b, "  %-24s %-5s %6d %14s %7.1f%% [%5.1f, %5.1f] %8.0f%% %8.1f%% %8.1f%%\n", x.Model, x.Lang, x.N,
				fmt.Sprintf("%d/%d/%d", x.Wins, x.Ties, x.Losses), 100*x.WinRateAdjusted, 100*x.CILow, 100*x.CIHigh,
				100*x.PositionConsistency, 100*x.WrongLanguageRate, 100*x.BaselineWrongLanguageRate)
		}
		b.WriteString("\n")
	}
	for _, st := range r.Funnel.Stages {
		fmt.Fprintf(&b, "%-22s in %6d  out %6d  rejected %5d  filtered %5d%s\n", st.Name, st.In, st.Out, st.Rejected, st.Filtered, balanced(st.Balanced))
		for _, k := range slices.Sorted(maps.Keys(st.RejectedByReason)) {
			fmt.Fprintf(&b, "  %-26s %6d\n", k, st.RejectedByReason[k])
		}
	}
	for _, stage := range slices.Sorted(maps.Keys(r.Funnel.LLM)) {
		u := funnel.Total(r.Funnel.LLM[stage])
		fmt.Fprintf(&b, "%-22s model calls %d, from store %d, retries %d, failed %d, tokens %d in + %d out, cost %.4f\n",
			stage, u.Requests, u.CacheHits, u.Retries, u.Failures, u.PromptTokens, u.CompletionTokens, u.Cost)
	}
	if r.Plan != nil {
		b.WriteString("\n" + r.Plan.Table())
		return b.String()
	}
	fmt.Fprintf(&b, "model calls made %d, cost %.4f\n", r.Calls, r.Cost)
	return b.String()
}

func balanced(ok bool) string {
	if ok {
		return ""
	}
	return "  NOT BALANCED"
}
