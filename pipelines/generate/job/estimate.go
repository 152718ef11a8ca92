package job

import (
	"github.com/xinstruct/xinstruct/internal/prompts"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/transforms/diversify"
	"github.com/xinstruct/xinstruct/transforms/estimate"
	"github.com/xinstruct/xinstruct/transforms/funnel"
	"github.com/xinstruct/xinstruct/transforms/refine"
)

// EstimateReport is report/estimate.json: the funnel of what was counted (ingest, and
// generation request by request) and the whole run's projected table.
type EstimateReport struct {
	funnel.Report
	Plan estimate.Plan `json:"plan"`
}

// Summary renders the estimate for a terminal: the funnel, then the table.
func (r EstimateReport) Summary() string {
	r.Report.Estimate = nil // the table says it better
	return r.Report.Summary() + "\n" + r.Plan.Table()
}

// planParams are what the estimate's projection takes from the configuration.
func (c Config) planParams() *estimate.GenerateParams {
	g := c.Generate.LLM
	p := &estimate.GenerateParams{Rounds: c.Refine.Rounds, MaxTokens: g.Sampling.MaxTokens, JudgeMaxTokens: c.judgeLLM().Sampling.MaxTokens,
		Typical:         estimate.DefaultTypical(),
		JudgeOverhead:   templateTokens(refine.TemplateJudge, struct{ Instruction, LangName, Text string }{}),
		RewriteOverhead: templateTokens(refine.TemplateRewrite, struct{ Instruction, Rationale, LangName, Text string }{}),
		Throughput:      estimate.Throughput{MaxInFlight: g.MaxInFlight, RPM: g.RPM, TPM: g.TPM, Latency: c.EstimateLatency},
		Price:           g.Price}
	if c.Diversify.Embedder.Kind == diversify.EmbedderOpenAI {
		p.EmbedBatch = c.Diversify.Batch
	}
	return p
}

// templateTokens approximates the tokens of a template's messages with empty data, as
// the model layer counts them before a call (about 4 bytes a token).
func templateTokens(id string, data any) int {
	msgs, err := prompts.MustLoad(id).Render(data, nil)
	if err != nil {
		panic(err)
	}
	return messagesTokens(msgs)
}

func messagesTokens(msgs []llm.Message) int {
	n := 0
	for _, m := range msgs {
		n += len(m.Content)/4 + 4
	}
	return n
}
