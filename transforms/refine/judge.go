package refine

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/prompts"
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/internal/stats"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/transforms/funnel"
	"github.com/xinstruct/xinstruct/transforms/llmbatch"
)

func init() {
	register.DoFn8x1[context.Context, record.Pair, int, func(*llm.BatchFailure) bool, func(record.Pair), func(record.Pair), func(record.Rejected), func(string, int), error](&judgeFn{})
	register.DoFn2x1[record.Pair, func(llmbatch.Request), error](&judgeRequestsFn{})
	register.Emitter1[llmbatch.Request]()
	register.Emitter1[record.Pair]()
	register.Emitter1[record.Rejected]()
	register.Emitter2[string, int]()
}

// Templates of the refinement stage.
const (
	TemplateJudge   = "judge_pair"
	TemplateReask   = "reask_judge"
	TemplateRewrite = "rewrite_instruction"
)

// Dead-letter reasons of the judge.
const (
	ReasonJudgedBad   = "judged_bad"              // the judge labelled the pair bad; the detail is its rationale
	ReasonUnparseable = "judge_unparseable"       // no label could be read, even after a corrective re-ask
	ReasonUnresolved  = "unresolved_after_rounds" // still flawed after the last round
)

// judgeSchema is the structured-output schema of a verdict.
var judgeSchema = json.RawMessage(`{"type":"object","properties":{"label":{"type":"string","enum":["good","flawed","bad"]},"rationale":{"type":"string"}},"required":["label","rationale"],"additionalProperties":false}`)

// JudgeParams configure one judge round.
type JudgeParams struct {
	Round int        // 1-based
	Last  bool       // after the last round, flawed pairs are dead-lettered
	LLM   llm.Config // the judge model
	// Structured asks for the verdict as JSON under a schema (response_format
	// json_schema); servers without structured output get the same request in the prompt.
	Structured    bool
	ProgressEvery time.Duration
	// Prompt, when set, is the judge's template source (see prompts.Parse) in place of
	// the embedded TemplateJudge; its header must name that id.
	Prompt string
}

// template is the judge's prompt template: p.Prompt, or the embedded one.
func (p JudgeParams) template() (*prompts.Template, error) {
	if p.Prompt == "" {
		return prompts.Load(TemplateJudge)
	}
	return prompts.Parse(TemplateJudge, p.Prompt)
}

// Judge labels every pair good, flawed or bad; it counts the pairs for the progress log. It takes PCollection<record.Pair> and
// returns the good pairs (accepted), the flawed ones (to be rewritten, or dead-lettered
// as unresolved_after_rounds when p.Last), the dead letters (stage "judge_r<round>":
// judged_bad, judge_unparseable, and the model layer's failures), and counts for the
// funnel: the stage's in and out, and yields "yield/judge_r<round>/<lang>/<outcome>". Each
// pair's History gains the round's verdict. With p.LLM.Batch enabled, the first asks
// the store cannot answer are sent through the Batch API first (llmbatch.Prefetch), and
// the round runs once they have ended; re-asks, which depend on the first answer, are
// online.
func Judge(s beam.Scope, p JudgeParams, pairs beam.PCollection) (good, flawed, rejected, counts beam.PCollection) {
	s = s.Scope(fmt.Sprintf("refine.Judge(round %d)", p.Round))
	if err := p.LLM.Validate(); err != nil || p.Round < 1 {
		panic(fmt.Sprintf("refine.Judge: round %d: %v", p.Round, err))
	}
	if _, err := p.template(); err != nil {
		panic(fmt.Sprintf("refine.Judge: round %d: %v", p.Round, err))
	}
	prompts.MustLoad(TemplateReask)
	failures, batchUsage := llmbatch.None(s), beam.PCollection{}
	if p.LLM.Batch.Enabled {
		failures, batchUsage = llmbatch.Prefetch(s, llmbatch.Params{LLM: p.LLM, Stage: record.StageJudge(p.Round)}, beam.ParDo(s, &judgeRequestsFn{Params: p}, pairs))
	}
	// The count is the progress log's total: the round's input is known only once its
	// upstream (generation, or the last rewrite) ended.
	good, flawed, rejected, counts = beam.ParDo4(s, &judgeFn{Params: p}, pairs, beam.SideInput{Input: stats.CountElms(s, pairs)}, beam.SideInput{Input: failures})
	if batchUsage.IsValid() {
		counts = beam.Flatten(s, counts, batchUsage)
	}
	return good, flawed, rejected, counts
}

// firstAsk is the judge's first request for pair: the round sends it, and its batch
// prefetch batches the very same one.
func (p JudgeParams) firstAsk(judge *prompts.Template, pair record.Pair) (llm.ChatRequest, error) {
	msgs, err := judge.Render(struct{ Instruction, LangName, Text string }{pair.Instruction, prompts.LanguageName(pair.Lang), prompts.Untrusted(pair.Output)}, nil)
	if err != nil {
		return llm.ChatRequest{}, err
	}
	req := llm.ChatRequest{Template: judge.Ref(), Messages: msgs}
	if p.Structured {
		req.Schema, req.SchemaName = judgeSchema, "verdict"
	}
	return req, nil
}

// judgeRequestsFn emits the round's first asks for the batch prefetch.
type judgeRequestsFn struct {
	Params JudgeParams

	judge *prompts.Template
}

func (fn *judgeRequestsFn) Setup() { fn.judge = prompts.MustLoad(TemplateJudge) }

func (fn *judgeRequestsFn) ProcessElement(p record.Pair, emit func(llmbatch.Request)) error {
	req, err := fn.Params.firstAsk(fn.judge, p)
	if err != nil {
		return err
	}
	emit(llmbatch.Request{Lang: p.Lang, Chat: req})
	return nil
}

type judgeFn struct {
	Params JudgeParams

	w            llm.Worker[judged] // unexported: Beam serializes exported DoFn fields
	judge, reask *prompts.Template
	stage        string
}

// judged is one pair's outcome.
type judged struct {
	pair     record.Pair
	label    string // good, flawed, or "" when rejected
	rejected *record.Rejected
	failed   bool // the model layer failed the last call (its reason is the dead letter's)
	yields   []string
}

func (fn *judgeFn) Setup(ctx context.Context) error {
	judge, err := fn.Params.template()
	if err != nil {
		return err
	}
	fn.judge, fn.reask = judge, prompts.MustLoad(TemplateReask)
	fn.stage = record.StageJudge(fn.Params.Round)
	return fn.w.Setup(ctx, fn.Params.LLM, fn.stage, fn.Params.ProgressEvery, funnel.LLMKeys(fn.stage))
}

func (fn *judgeFn) Teardown() error { return fn.w.Teardown() }

func (fn *judgeFn) StartBundle(context.Context, int, func(*llm.BatchFailure) bool, func(record.Pair), func(record.Pair), func(record.Rejected), func(string, int)) {
	fn.w.StartBundle()
}

func (fn *judgeFn) ProcessElement(_ context.Context, p record.Pair, total int, batchFailed func(*llm.BatchFailure) bool, good, flawed func(record.Pair), reject func(record.Rejected), _ func(string, int)) error {
	fn.w.Progress.SetTotal(int64(total))
	fn.w.UseBatch(batchFailed)
	fn.w.Add(funnel.In(fn.stage, p.Lang).String(), 1)
	fn.w.Go(func() (judged, error) { return fn.run(p) })
	return fn.w.Emit(func(j judged) { fn.emit(j, good, flawed, reject) })
}

func (fn *judgeFn) FinishBundle(_ context.Context, _ int, _ func(*llm.BatchFailure) bool, good, flawed func(record.Pair), reject func(record.Rejected), counts func(string, int)) error {
	return fn.w.FinishBundle(func(j judged) { fn.emit(j, good, flawed, reject) }, counts)
}

func (fn *judgeFn) emit(j judged, good, flawed func(record.Pair), reject func(record.Rejected)) {
	for _, y := range j.yields {
		fn.w.Add(funnel.Yield(fn.stage, j.pair.Lang, y).String(), 1)
	}
	switch {
	case j.rejected != nil:
		reject(*j.rejected)
	case j.label == string(Good):
		fn.w.Add(funnel.Out(fn.stage, j.pair.Lang).String(), 1)
		good(j.pair)
	default:
		fn.w.Add(funnel.Out(fn.stage, j.pair.Lang).String(), 1)
		flawed(j.pair)
	}
}

// call makes one judge call for j, and when the model layer fails it, makes j the
// failure's dead letter. err is a failure of the job's environment.
func (fn *judgeFn) call(j *judged, req llm.ChatRequest) (llm.Reply, error) {
	reply, f, err := fn.w.Call(j.pair.Lang, req)
	if err != nil {
		return reply, err
	}
	if f != nil {
		r := record.RejectPair(j.pair, fn.stage, f.Reason, f.Detail)
		j.rejected, j.failed = &r, true
	}
	return reply, nil
}

// run judges one pair: ask, parse, and on an unparseable answer ask once more with a
// corrective message (a different request, so the store cannot serve the first answer
// again), then give up. A missing label is never turned into a default.
func (fn *judgeFn) run(p record.Pair) (judged, error) {
	req, err := fn.Params.firstAsk(fn.judge, p)
	if err != nil {
		return judged{}, err
	}
	msgs := req.Messages
	j := judged{pair: p}
	reply, err := fn.call(&j, req)
	if err != nil || j.failed {
		return j, err
	}
	v, how, ok := ParseVerdict(reply.Content)
	if !ok {
		j.yields = append(j.yields, "unparseable_first")
		reaskMsgs, err := fn.reask.Render(struct{}{}, nil)
		if err != nil {
			return judged{}, err
		}
		req.Template = fn.judge.Ref() + "+" + fn.reask.Ref()
		req.Messages = append(append(append([]llm.Message(nil), msgs...), llm.Message{Role: "assistant", Content: reply.Content}), reaskMsgs...)
		if reply, err = fn.call(&j, req); err != nil || j.failed {
			return j, err
		}
		if v, how, ok = ParseVerdict(reply.Content); !ok {
			j.yields = append(j.yields, "unparseable")
			r := record.RejectPair(p, fn.stage, ReasonUnparseable, "no label after a corrective re-ask; the answer began: "+leadRunes(reply.Content, 200))
			j.rejected = &r
			return j, nil
		}
		how += "+reask"
	}
	j.pair.History = append(append([]record.Judgement(nil), p.History...), record.Judgement{
		Round: fn.Params.Round, Label: string(v.Label), Rationale: v.Rationale, JudgeModel: fn.Params.LLM.Model,
		InstructionBefore: p.Instruction, Parsed: how,
	})
	j.yields = append(j.yields, string(v.Label))
	switch {
	case v.Label == Bad:
		r := record.RejectPair(j.pair, fn.stage, ReasonJudgedBad, v.Rationale)
		j.rejected = &r
	case v.Label == Flawed && fn.Params.Last:
		r := record.RejectPair(j.pair, fn.stage, ReasonUnresolved, fmt.Sprintf("still flawed after round %d: %s", fn.Params.Round, v.Rationale))
		j.rejected = &r
	default:
		j.label = string(v.Label)
	}
	return j, nil
}
