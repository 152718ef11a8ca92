package pairjudge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/prompts"
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/transforms/funnel"
	"github.com/xinstruct/xinstruct/transforms/llmbatch"
)

func init() {
	// One emitter for the funnel's counts and the model usage: they end in one
	// PCollection, and the batch failures' side input made the methods long enough.
	register.DoFn8x1[context.Context, Comparison, int, func(*llm.BatchFailure) bool, func(Judgment), func(Judgment), func(record.Rejected), func(string, int), error](&judgeFn{})
	register.DoFn2x1[Comparison, func(llmbatch.Request), error](&judgeRequestsFn{})
	register.Emitter1[llmbatch.Request]()
}

// StageJudge names the judge stage in counts and dead letters.
const StageJudge = "judge"

// ReasonUnparseable dead-letters an ordering whose judge gave no verdict in the format
// asked for, even when asked again: there is no default score.
const ReasonUnparseable = "judge_unparseable"

// TemplateReask is the corrective re-ask's template.
const TemplateReask = "eval_reask"

// TemplateJudge is the judge's template for format f.
func TemplateJudge(f Format) string { return "eval_judge_" + string(f) }

// JudgeParams configure Judge.
type JudgeParams struct {
	LLM        llm.Config // the judge; temperature 0 is the caller's to set
	Format     Format
	Structured bool // ask for the verdict as JSON (structured output) instead of in prose
	// ProgressEvery is how often each worker logs the stage's progress; 0 = never.
	ProgressEvery time.Duration
	// Estimate makes no call: it counts the calls the stage would make, under
	// "estimate/judge/<lang>/<counter>", and emits nothing else.
	Estimate bool
	// AnswerTokens bounds an answer the estimate does not have (the answering models'
	// max_tokens), and TypicalAnswer is its typical length: the judge's prompt is counted
	// with the one (prompt_tokens_max) and the other (prompt_tokens) in the answer's place.
	AnswerTokens, TypicalAnswer int
}

func (p JudgeParams) validate() error {
	if _, err := ParseFormat(string(p.Format)); err != nil {
		return err
	}
	return p.LLM.Validate()
}

// Judge asks the judge for each ordering's verdict. It takes PCollection<Comparison> and
// their number (a singleton PCollection<int>, for the progress log) and returns
// PCollection<Judgment> (every ordering with a verdict), the orderings without one
// (PCollection<Judgment> with Error set, for the leaderboard's error counts), their dead
// letters (PCollection<record.Rejected>, stage "judge": a failed call, or
// judge_unparseable after one corrective re-ask) and funnel counts. The answers are data: they are placed
// between delimiters tagged with a nonce derived from the whole comparison, which an
// answer cannot predict and so cannot close, and a verdict is read only from the judge's
// own words (Parse). With p.LLM.Batch enabled, the first asks the store cannot answer
// are sent through the Batch API first (llmbatch.Prefetch), and the stage runs once they
// have ended; re-asks are online. It panics at construction time if p is invalid.
func Judge(s beam.Scope, p JudgeParams, comparisons, total beam.PCollection) (judgments, failed, rejected, counts beam.PCollection) {
	s = s.Scope("pairjudge.Judge")
	if err := p.validate(); err != nil {
		panic(fmt.Sprintf("pairjudge.Judge: %v", err))
	}
	prompts.MustLoad(TemplateJudge(p.Format))
	prompts.MustLoad(TemplateReask)
	failures, usages := llmbatch.None(s), []beam.PCollection{}
	if p.LLM.Batch.Enabled && !p.Estimate {
		var batchUsage beam.PCollection
		failures, batchUsage = llmbatch.Prefetch(s, llmbatch.Params{LLM: p.LLM, Stage: StageJudge}, beam.ParDo(s, &judgeRequestsFn{Params: p}, comparisons))
		usages = append(usages, batchUsage)
	}
	judgments, failed, rejected, counts = beam.ParDo4(s, &judgeFn{Params: p}, comparisons, beam.SideInput{Input: total}, beam.SideInput{Input: failures})
	return judgments, failed, rejected, beam.Flatten(s, append([]beam.PCollection{counts}, usages...)...)
}

// request is the judge's first request for c: the stage sends it, and its batch
// prefetch batches the very same one.
func (p JudgeParams) request(tmpl *prompts.Template, c Comparison) (llm.ChatRequest, error) {
	data := struct {
		LangName  string
		MultiTurn bool
		Nonce     string
		Turns     []Turn
		Reference string
	}{prompts.LanguageName(c.Lang), c.Turn > 1, nonce(c), c.Turns, c.Reference}
	msgs, err := tmpl.Render(data, nil)
	req := llm.ChatRequest{Template: tmpl.Ref(), Messages: msgs}
	if p.Structured {
		req.Schema, req.SchemaName = Schema(p.Format)
	}
	return req, err
}

// judgeRequestsFn emits the first asks for the batch prefetch.
type judgeRequestsFn struct {
	Params JudgeParams

	tmpl *prompts.Template
}

func (fn *judgeRequestsFn) Setup() { fn.tmpl = prompts.MustLoad(TemplateJudge(fn.Params.Format)) }

func (fn *judgeRequestsFn) ProcessElement(c Comparison, emit func(llmbatch.Request)) error {
	req, err := fn.Params.request(fn.tmpl, c)
	if err != nil {
		return err
	}
	emit(llmbatch.Request{Lang: c.Lang, Chat: req})
	return nil
}

type judgeFn struct {
	Params JudgeParams

	w            llm.Worker[judged]
	tmpl, reask  *prompts.Template
	reaskMessage llm.Message
}

type judged struct {
	j        Judgment
	rejected *record.Rejected
}

func (fn *judgeFn) Setup(ctx context.Context) error {
	fn.tmpl = prompts.MustLoad(TemplateJudge(fn.Params.Format))
	fn.reask = prompts.MustLoad(TemplateReask)
	msgs, err := fn.reask.Render(struct{ Format string }{string(fn.Params.Format)}, nil)
	if err != nil {
		return err
	}
	fn.reaskMessage = msgs[len(msgs)-1]
	return fn.w.Setup(ctx, fn.Params.LLM, StageJudge, fn.Params.ProgressEvery, funnel.LLMKeys(StageJudge))
}

func (fn *judgeFn) Teardown() error { return fn.w.Teardown() }

func (fn *judgeFn) StartBundle(context.Context, int, func(*llm.BatchFailure) bool, func(Judgment), func(Judgment), func(record.Rejected), func(string, int)) {
	fn.w.StartBundle()
}

func (fn *judgeFn) ProcessElement(ctx context.Context, c Comparison, total int, batchFailed func(*llm.BatchFailure) bool, emit, failed func(Judgment), reject func(record.Rejected), counts func(string, int)) error {
	fn.w.Progress.SetTotal(int64(total))
	fn.w.UseBatch(batchFailed)
	req, err := fn.Params.request(fn.tmpl, c)
	if err != nil {
		return err
	}
	if fn.Params.Estimate {
		return fn.estimate(ctx, c, req)
	}
	counts(funnel.In(StageJudge, c.Lang).String(), 1)
	fn.w.Go(func() (judged, error) { return fn.judge(c, req) })
	return fn.w.Emit(func(o judged) { fn.emit(o, emit, failed, reject, counts) })
}

func (fn *judgeFn) FinishBundle(_ context.Context, _ int, _ func(*llm.BatchFailure) bool, emit, failed func(Judgment), reject func(record.Rejected), counts func(string, int)) error {
	return fn.w.FinishBundle(func(o judged) { fn.emit(o, emit, failed, reject, counts) }, counts)
}

func (fn *judgeFn) emit(o judged, emit, failed func(Judgment), reject func(record.Rejected), counts func(string, int)) {
	if o.rejected != nil {
		reject(*o.rejected)
		failed(o.j)
		return
	}
	counts(funnel.Out(StageJudge, o.j.Lang).String(), 1)
	emit(o.j)
}

// nonce tags the delimiters of c's data: derived from everything the judge is shown, so
// that the prompt (and its store key) is the same on every run, and an answer cannot
// contain its own closing tag.
func nonce(c Comparison) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%d\x00", c.Lang, c.QuestionID, c.Turn)
	for _, t := range c.Turns {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00", t.Question, t.AnswerA, t.AnswerB)
	}
	fmt.Fprintf(h, "%s\x00", c.Reference)
	return hex.EncodeToString(h.Sum(nil)[:6])
}

// quoted are the texts the judge was shown as data: a verdict inside a passage of its
// reply that repeats one of them is not its verdict.
func quoted(c Comparison) []string {
	var q []string
	for _, t := range c.Turns {
		q = append(q, t.Question, t.AnswerA, t.AnswerB)
	}
	if c.Reference != "" {
		q = append(q, c.Reference)
	}
	return q
}

func (fn *judgeFn) parse(c Comparison, reply string) (Verdict, error) {
	if fn.Params.Structured {
		return ParseStructured(fn.Params.Format, reply)
	}
	return Parse(fn.Params.Format, reply, quoted(c))
}

// judge asks for the verdict, and once more with a corrective message when the reply has
// none; a second reply without one is a dead letter, never a default.
func (fn *judgeFn) judge(c Comparison, req llm.ChatRequest) (judged, error) {
	j := judgmentOf(c)
	j.Judge, j.Format = fn.Params.LLM.Model, string(fn.Params.Format)
	reply, failure, err := fn.w.Call(c.Lang, req)
	if err != nil {
		return judged{}, err
	}
	j.count(reply)
	if failure != nil {
		return fn.reject(j, failure.Reason, failure.Detail, reply.Content), nil
	}
	j.Raw, j.Parsed = reply.Content, ParsedProse
	if fn.Params.Structured {
		j.Parsed = ParsedStructured
	}
	v, perr := fn.parse(c, reply.Content)
	if perr != nil {
		j.Reasked, j.Parsed = true, ParsedReask
		again := req
		again.Template = fn.tmpl.Ref() + "+" + fn.reask.Ref()
		again.Messages = append(append([]llm.Message(nil), req.Messages...), llm.Message{Role: "assistant", Content: reply.Content}, fn.reaskMessage)
		reply, failure, err = fn.w.Call(c.Lang, again)
		if err != nil {
			return judged{}, err
		}
		j.count(reply)
		if failure != nil {
			return fn.reject(j, failure.Reason, failure.Detail, reply.Content), nil
		}
		j.Raw = j.Raw + "\n\n[re-asked]\n\n" + reply.Content
		if v, perr = fn.parse(c, reply.Content); perr != nil {
			return fn.reject(j, ReasonUnparseable, perr.Error(), j.Raw), nil
		}
	}
	j.Winner, j.Verdict, j.Strength = winner(c, v.Winner), v.Token, v.Strength
	if v.Scored {
		j.ScoreA, j.ScoreB = &v.Score1, &v.Score2
	}
	return judged{j: j}, nil
}

func (j *Judgment) count(r llm.Reply) {
	if !r.Cached && r.Attempts > 0 {
		j.JudgeCalls++
	}
	j.Cached = j.Cached || r.Cached
	j.PromptTokens += r.PromptTokens
	j.CompletionTokens += r.CompletionTokens
	j.Placeholder = j.Placeholder || r.Placeholder
}

// reject ends j without a verdict: its dead letter, and j with Error set.
func (fn *judgeFn) reject(j Judgment, reason, detail, text string) judged {
	j.Error, j.Raw = reason, text
	return judged{j: j, rejected: &record.Rejected{Reason: reason, Stage: StageJudge,
		ID:     fmt.Sprintf("%s/%s/turn%d/%s-vs-%s/%s", j.QuestionID, j.Lang, j.Turn, j.Model, j.Baseline, j.Order),
		Detail: detail, Record: record.Excerpt(text)}}
}

// estimate counts the ordering's judge call: a store hit when every answer is known and
// the store has the verdict; otherwise a call, its prompt with each unknown answer at
// its bound.
func (fn *judgeFn) estimate(ctx context.Context, c Comparison, req llm.ChatRequest) error {
	cached, prompt, completion, err := fn.w.Client.Estimate(ctx, req)
	if err != nil {
		return err
	}
	key := func(counter string) string { return funnel.Estimate(StageJudge, c.Lang, counter).String() }
	promptMax := prompt + c.EstimatedAnswers*fn.Params.AnswerTokens
	prompt += c.EstimatedAnswers * fn.Params.TypicalAnswer
	if cached && c.EstimatedAnswers == 0 {
		fn.w.Add(key(llm.CountCacheHits), 1)
		return nil
	}
	fn.w.Add(key(llm.CountRequests), 1)
	fn.w.Add(key(llm.CountPromptTokens), prompt)
	fn.w.Add(key(funnel.CountPromptTokensMax), promptMax)
	fn.w.Add(key(llm.CountCompletionTokens), completion)
	return nil
}
