package estimate

import (
	"fmt"
	"math"
	"strings"

	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

// Yields are the shares the projection of the stages after generation assumes.
type Yields struct {
	ChecksPass float64 `json:"checks_pass"` // pairs (and rewritten pairs) that pass the pair checks
	Good       float64 `json:"good"`        // the judge's labels, as shares of what it judges
	Flawed     float64 `json:"flawed"`
	Bad        float64 `json:"bad"`
	Reask      float64 `json:"reask"`  // judge replies without a readable label, asked again
	Source     string  `json:"source"` // where they come from
}

// DefaultYields are the yields stated when no earlier run gives them: the judge's label
// mix is X-Instruction's rough split; nearly every generated instruction passes the
// cheap checks.
func DefaultYields() Yields {
	return Yields{ChecksPass: 0.97, Good: 0.6, Flawed: 0.3, Bad: 0.1, Reask: 0.02,
		Source: "stated defaults (no earlier run at this output)"}
}

// YieldsFrom measures the yields in an earlier run's funnel report, and reports whether
// it had the stages to measure them (a run that generated and judged).
func YieldsFrom(r funnel.Report, runID string) (Yields, bool) {
	y := Yields{Source: fmt.Sprintf("measured in the earlier run %s at this output", runID)}
	var checksIn, checksOut, judged, good, flawed, bad, reask float64
	for _, st := range r.Stages {
		switch {
		case st.Name == record.StageChecks || strings.HasPrefix(st.Name, "rewrite_r"):
			checksIn, checksOut = checksIn+float64(st.In), checksOut+float64(st.Out)
		case strings.HasPrefix(st.Name, "judge_r"):
			for _, byLabel := range r.Yields[st.Name] {
				good, flawed, bad = good+float64(byLabel["good"]), flawed+float64(byLabel["flawed"]), bad+float64(byLabel["bad"])
				reask += float64(byLabel["unparseable_first"])
			}
			judged += float64(st.In)
		}
	}
	labelled := good + flawed + bad
	if checksIn == 0 || judged == 0 || labelled == 0 {
		return y, false
	}
	y.ChecksPass, y.Good, y.Flawed, y.Bad, y.Reask = checksOut/checksIn, good/labelled, flawed/labelled, bad/labelled, reask/judged
	return y, true
}

// Typical are typical answer lengths in tokens: the estimate's output figure (the high
// one is --max_tokens).
type Typical struct {
	Instruction int `json:"instruction,omitempty"` // a generated or rewritten instruction
	Label       int `json:"label,omitempty"`       // a judge's JSON label with its one-sentence rationale
	Answer      int `json:"answer,omitempty"`      // an eval answer
	Verdict     int `json:"verdict,omitempty"`     // an eval judge's explanation and verdict
}

// DefaultTypical are stated typical lengths.
func DefaultTypical() Typical { return Typical{Instruction: 30, Label: 45} }

// GenerateParams are what the generate job's projection needs besides the counts.
type GenerateParams struct {
	Generation funnel.Usage // the generation stage's counted estimate, all languages
	// TextTokens are the documents' texts' tokens summed over the generation calls: the
	// judge and the rewriter are shown the same text.
	TextTokens      int64
	Rounds          int
	JudgeOverhead   int // tokens of the judge's prompt without the instruction and the text
	RewriteOverhead int // tokens of the rewriter's prompt without them
	MaxTokens       int // the generator's and rewriter's --max_tokens
	JudgeMaxTokens  int // the judge's
	Typical         Typical
	// EmbedBatch is the instructions per embedding call of an "openai" embedder; 0 when
	// the embedder makes no model call (local).
	EmbedBatch int
	Throughput Throughput
	Price      llm.Price
}

// Generate projects every model stage of a generate run: generation as counted, then
// each judge round, the rewrites between rounds, and embeddings. The later stages'
// store hits are assumed in the proportion generation's had (a re-run finds its
// judgments where it finds its instructions).
func Generate(p GenerateParams, y Yields) []Row {
	g := p.Generation
	calls := g.Requests + g.CacheHits
	if calls == 0 {
		return nil
	}
	hitShare := float64(g.CacheHits) / float64(calls)
	text := float64(p.TextTokens) / float64(calls)
	gen := Row{Stage: record.StageGenerate, Calls: calls, StoreHits: g.CacheHits, PromptTokens: g.PromptTokens,
		OutputTokens: g.Requests * int64(p.Typical.Instruction), OutputMax: g.CompletionTokens}
	rows := []Row{gen}
	inPlay := float64(calls) * y.ChecksPass
	accepted := 0.0
	for r := 1; r <= p.Rounds; r++ {
		judge := projected(record.StageJudge(r), inPlay*(1+y.Reask), hitShare, float64(p.JudgeOverhead)+text+float64(p.Typical.Instruction),
			p.Typical.Label, p.JudgeMaxTokens)
		rows = append(rows, judge)
		accepted += inPlay * y.Good
		if r == p.Rounds {
			break
		}
		flawed := inPlay * y.Flawed
		rows = append(rows, projected(record.StageRewrite(r), flawed, hitShare,
			float64(p.RewriteOverhead)+text+float64(p.Typical.Instruction+p.Typical.Label), p.Typical.Instruction, p.MaxTokens))
		inPlay = flawed * y.ChecksPass
	}
	if p.Rounds == 0 {
		accepted = inPlay
	}
	if p.EmbedBatch > 0 && accepted > 0 {
		n := math.Ceil(accepted / float64(p.EmbedBatch))
		e := projected("embed", n, hitShare, accepted/n*float64(p.Typical.Instruction), 0, 0)
		rows = append(rows, e)
	}
	for i := range rows {
		rows[i].price(p.Price)
		rows[i].Time = p.Throughput.time(rows[i].Calls-rows[i].StoreHits, perCall(rows[i]))
	}
	return rows
}

// projected is a stage of n calls, a share of them store hits, each with prompt tokens
// in and out (typical) or max (bound) tokens out.
func projected(stage string, n, hitShare, prompt float64, out, maxOut int) Row {
	calls := int64(math.Round(n))
	hits := int64(math.Round(n * hitShare))
	misses := float64(calls - hits)
	return Row{Stage: stage, Calls: calls, StoreHits: hits, PromptTokens: int64(misses * prompt),
		OutputTokens: int64(misses * float64(out)), OutputMax: int64(misses * float64(maxOut)), Projected: true}
}

func perCall(r Row) int64 {
	m := r.Calls - r.StoreHits
	if m <= 0 {
		return 0
	}
	return (r.PromptTokens + r.OutputTokens) / m
}
