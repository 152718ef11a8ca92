package refine

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/prompts"
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/internal/stats"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/transforms/funnel"
	"github.com/xinstruct/xinstruct/transforms/instruct"
	"github.com/xinstruct/xinstruct/transforms/llmbatch"
)

func init() {
	register.DoFn7x1[context.Context, record.Pair, int, func(*llm.BatchFailure) bool, func(record.Pair), func(record.Rejected), func(string, int), error](&rewriteFn{})
	register.DoFn2x1[record.Pair, func(llmbatch.Request), error](&rewriteRequestsFn{})
}

// RewriteParams configure one round's rewrite.
type RewriteParams struct {
	Round         int
	LLM           llm.Config // the model that rewrites (the generator's, by default)
	Checks        CheckParams
	ProgressEvery time.Duration
}

// Rewrite has the model write a new instruction for each flawed pair, guided by the
// judge's rationale; the response stays the original text. A new instruction must pass
// the pair checks. It takes PCollection<record.Pair> and returns the rewritten pairs, the
// dead letters (stage "rewrite_r<round>") and counts for the funnel. With p.LLM.Batch
// enabled, the rewrites the store cannot answer are sent through the Batch API first
// (llmbatch.Prefetch), and the stage runs once they have ended.
func Rewrite(s beam.Scope, p RewriteParams, flawed beam.PCollection) (rewritten, rejected, counts beam.PCollection) {
	s = s.Scope(fmt.Sprintf("refine.Rewrite(round %d)", p.Round))
	if err := p.LLM.Validate(); err != nil {
		panic(fmt.Sprintf("refine.Rewrite: %v", err))
	}
	if err := p.Checks.Validate(); err != nil {
		panic(fmt.Sprintf("refine.Rewrite: %v", err))
	}
	prompts.MustLoad(TemplateRewrite)
	failures, batchUsage := llmbatch.None(s), beam.PCollection{}
	if p.LLM.Batch.Enabled {
		failures, batchUsage = llmbatch.Prefetch(s, llmbatch.Params{LLM: p.LLM, Stage: record.StageRewrite(p.Round)}, beam.ParDo(s, &rewriteRequestsFn{}, flawed))
	}
	// The count is the progress log's total.
	rewritten, rejected, counts = beam.ParDo3(s, &rewriteFn{Params: p}, flawed, beam.SideInput{Input: stats.CountElms(s, flawed)}, beam.SideInput{Input: failures})
	if batchUsage.IsValid() {
		counts = beam.Flatten(s, counts, batchUsage)
	}
	return rewritten, rejected, counts
}

// rewriteRequest is the stage's request for a flawed pair: the stage sends it, and its
// batch prefetch batches the very same one.
func rewriteRequest(tmpl *prompts.Template, p record.Pair) (llm.ChatRequest, error) {
	rationale := ""
	if n := len(p.History); n > 0 {
		rationale = p.History[n-1].Rationale
	}
	msgs, err := tmpl.Render(struct{ Instruction, Rationale, LangName, Text string }{
		p.Instruction, rationale, prompts.LanguageName(p.Lang), prompts.Untrusted(p.Output)}, nil)
	return llm.ChatRequest{Template: tmpl.Ref(), Messages: msgs}, err
}

// rewriteRequestsFn emits the stage's requests for the batch prefetch.
type rewriteRequestsFn struct{ tmpl *prompts.Template }

func (fn *rewriteRequestsFn) Setup() { fn.tmpl = prompts.MustLoad(TemplateRewrite) }

func (fn *rewriteRequestsFn) ProcessElement(p record.Pair, emit func(llmbatch.Request)) error {
	req, err := rewriteRequest(fn.tmpl, p)
	if err != nil {
		return err
	}
	emit(llmbatch.Request{Lang: p.Lang, Chat: req})
	return nil
}

type rewriteFn struct {
	Params RewriteParams

	w     llm.Worker[rewritten] // unexported: Beam serializes exported DoFn fields
	tmpl  *prompts.Template
	stage string
}

type rewritten struct {
	pair     record.Pair
	rejected *record.Rejected
}

func (fn *rewriteFn) Setup(ctx context.Context) error {
	fn.tmpl = prompts.MustLoad(TemplateRewrite)
	fn.stage = record.StageRewrite(fn.Params.Round)
	return fn.w.Setup(ctx, fn.Params.LLM, fn.stage, fn.Params.ProgressEvery, funnel.LLMKeys(fn.stage))
}

func (fn *rewriteFn) Teardown() error { return fn.w.Teardown() }

func (fn *rewriteFn) StartBundle(context.Context, int, func(*llm.BatchFailure) bool, func(record.Pair), func(record.Rejected), func(string, int)) {
	fn.w.StartBundle()
}

func (fn *rewriteFn) ProcessElement(_ context.Context, p record.Pair, total int, batchFailed func(*llm.BatchFailure) bool, emit func(record.Pair), reject func(record.Rejected), _ func(string, int)) error {
	fn.w.Progress.SetTotal(int64(total))
	fn.w.UseBatch(batchFailed)
	fn.w.Add(funnel.In(fn.stage, p.Lang).String(), 1)
	fn.w.Go(func() (rewritten, error) { return fn.run(p) })
	return fn.w.Emit(func(r rewritten) { fn.emit(r, emit, reject) })
}

func (fn *rewriteFn) FinishBundle(_ context.Context, _ int, _ func(*llm.BatchFailure) bool, emit func(record.Pair), reject func(record.Rejected), counts func(string, int)) error {
	return fn.w.FinishBundle(func(r rewritten) { fn.emit(r, emit, reject) }, counts)
}

func (fn *rewriteFn) emit(r rewritten, emit func(record.Pair), reject func(record.Rejected)) {
	if r.rejected != nil {
		reject(*r.rejected)
		return
	}
	fn.w.Add(funnel.Out(fn.stage, r.pair.Lang).String(), 1)
	emit(r.pair)
}

func (fn *rewriteFn) run(p record.Pair) (rewritten, error) {
	req, err := rewriteRequest(fn.tmpl, p)
	if err != nil {
		return rewritten{}, err
	}
	reply, f, err := fn.w.Call(p.Lang, req)
	if err != nil {
		return rewritten{}, err
	}
	out := rewritten{pair: p}
	if f != nil {
		r := record.RejectPair(p, fn.stage, f.Reason, f.Detail)
		out.rejected = &r
		return out, nil
	}
	instruction := instruct.CleanInstruction(reply.Content)
	if reason, detail, ok := CheckPair(instruction, p.Output, fn.Params.Checks); !ok {
		p.Instruction = instruction
		r := record.RejectPair(p, fn.stage, reason, "rewritten instruction: "+detail)
		out.rejected = &r
		return out, nil
	}
	out.pair.Instruction = instruction
	return out, nil
}
