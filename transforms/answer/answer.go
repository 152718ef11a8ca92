package answer

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/prompts"
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/internal/stats"
	"github.com/xinstruct/xinstruct/io/evalio"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/transforms/funnel"
	"github.com/xinstruct/xinstruct/transforms/llmbatch"
)

func init() {
	register.DoFn8x1[context.Context, Ask, int, func(*llm.BatchFailure) bool, func(evalio.Answer), func(record.Rejected), func(string, int), func(string, int), error](&answerFn{})
	register.DoFn2x1[Ask, func(llmbatch.Request), error](&firstTurnsFn{})
	register.Emitter1[llmbatch.Request]()
	register.Emitter1[evalio.Answer]()
	register.Function1x1(turnsOf)
}

// TurnCount returns the number of turns of all asks (PCollection<Ask>): the answer
// calls each model makes, for the progress log's total (a singleton PCollection<int>).
func TurnCount(s beam.Scope, asks beam.PCollection) beam.PCollection {
	s = s.Scope("answer.TurnCount")
	return stats.Sum(s, beam.ParDo(s, turnsOf, asks))
}

func turnsOf(a Ask) int { return len(a.Turns) }

// TemplateAnswer is the prompt template of a user's turn.
const TemplateAnswer = "eval_answer"

// ReasonEarlierTurnFailed dead-letters a later turn whose earlier turn has no answer:
// the dialogue it continues does not exist.
const ReasonEarlierTurnFailed = "earlier_turn_failed"

// Stage names the answer stage of model name in counts and dead letters.
func Stage(name string) string { return "answer_" + name }

// Params configure Answer for one model.
type Params struct {
	Name string     // the model's name in outputs (--models NAME=...)
	LLM  llm.Config // its endpoint and model
	// ProgressEvery is how often each worker logs the stage's progress; 0 = never.
	ProgressEvery time.Duration
	// Estimate makes no call: it counts the calls the stage would make, under
	// "estimate/<stage>/<lang>/<counter>", and emits nothing else.
	Estimate bool
	// TypicalAnswer is a typical answer's tokens: the estimate counts a later turn's
	// prompt with the earlier answers at this length, and bounds it at max_tokens.
	TypicalAnswer int
}

func (p Params) validate() error {
	if !evalio.ValidModelName(p.Name) {
		return fmt.Errorf("model name %q: want letters, digits, '.', '_' or '-'", p.Name)
	}
	return p.LLM.Validate()
}

// Answer asks model p.Name every ask, turn by turn: turn k is asked with the dialogue so
// far (the user's earlier turns and the model's own answers), as MT-Bench does. It takes
// PCollection<Ask> and the number of their turns (TurnCount, for the progress log), and
// returns PCollection<evalio.Answer> (one per turn), dead letters
// (PCollection<record.Rejected>, stage Stage(p.Name): a failed call, and each later turn
// of its question) and counts (PCollection<KV<string, int>>: the stage's turns in and
// answers out per language, and its model usage). With p.LLM.Batch enabled, the first
// turns the store cannot answer are sent through the Batch API first
// (llmbatch.Prefetch), and the stage runs once they have ended; later turns, which carry
// the model's earlier answers, are asked online. It panics at construction time if p is
// invalid.
func Answer(s beam.Scope, p Params, asks, total beam.PCollection) (answers, rejected, counts beam.PCollection) {
	s = s.Scope("answer.Answer")
	if err := p.validate(); err != nil {
		panic(fmt.Sprintf("answer.Answer: %v", err))
	}
	prompts.MustLoad(TemplateAnswer)
	failures, usages := llmbatch.None(s), []beam.PCollection{}
	if p.LLM.Batch.Enabled && !p.Estimate {
		var batchUsage beam.PCollection
		failures, batchUsage = llmbatch.Prefetch(s, llmbatch.Params{LLM: p.LLM, Stage: Stage(p.Name)}, beam.ParDo(s, &firstTurnsFn{}, asks))
		usages = append(usages, batchUsage)
	}
	var usage beam.PCollection
	answers, rejected, counts, usage = beam.ParDo4(s, &answerFn{Params: p}, asks, beam.SideInput{Input: total}, beam.SideInput{Input: failures})
	return answers, rejected, beam.Flatten(s, append([]beam.PCollection{counts, usage}, usages...)...)
}

// firstTurnsFn emits each ask's first turn for the batch prefetch: the very request the
// stage sends for it.
type firstTurnsFn struct{ tmpl *prompts.Template }

func (fn *firstTurnsFn) Setup() { fn.tmpl = prompts.MustLoad(TemplateAnswer) }

func (fn *firstTurnsFn) ProcessElement(a Ask, emit func(llmbatch.Request)) error {
	if len(a.Turns) == 0 {
		return nil
	}
	msgs, err := messages(fn.tmpl, a, 0, nil)
	if err != nil {
		return err
	}
	emit(llmbatch.Request{Lang: a.Lang, Chat: llm.ChatRequest{Template: fn.tmpl.Ref(), Messages: msgs}})
	return nil
}

type answerFn struct {
	Params Params

	w     llm.Worker[outcome]
	tmpl  *prompts.Template
	stage string
}

type outcome struct {
	answers  []evalio.Answer
	rejected []record.Rejected
}

func (fn *answerFn) Setup(ctx context.Context) error {
	fn.tmpl = prompts.MustLoad(TemplateAnswer)
	fn.stage = Stage(fn.Params.Name)
	return fn.w.Setup(ctx, fn.Params.LLM, fn.stage, fn.Params.ProgressEvery, funnel.LLMKeys(fn.stage))
}

func (fn *answerFn) Teardown() error { return fn.w.Teardown() }

func (fn *answerFn) StartBundle(context.Context, int, func(*llm.BatchFailure) bool, func(evalio.Answer), func(record.Rejected), func(string, int), func(string, int)) {
	fn.w.StartBundle()
}

// ProcessElement starts an ask's turns; counts are this stage's in and out, usage its
// model usage (the Worker's).
func (fn *answerFn) ProcessElement(ctx context.Context, a Ask, total int, batchFailed func(*llm.BatchFailure) bool, emit func(evalio.Answer), reject func(record.Rejected), counts, _ func(string, int)) error {
	fn.w.Progress.SetTotal(int64(total))
	fn.w.UseBatch(batchFailed)
	if fn.Params.Estimate {
		return fn.estimate(ctx, a, emit)
	}
	counts(funnel.In(fn.stage, a.Lang).String(), len(a.Turns))
	fn.w.GoUnits(len(a.Turns), func() (outcome, error) { return fn.ask(a) })
	return fn.w.Emit(func(o outcome) { fn.emit(o, emit, reject, counts) })
}

func (fn *answerFn) FinishBundle(_ context.Context, _ int, _ func(*llm.BatchFailure) bool, emit func(evalio.Answer), reject func(record.Rejected), counts, usage func(string, int)) error {
	return fn.w.FinishBundle(func(o outcome) { fn.emit(o, emit, reject, counts) }, usage)
}

func (fn *answerFn) emit(o outcome, emit func(evalio.Answer), reject func(record.Rejected), counts func(string, int)) {
	for _, a := range o.answers {
		counts(funnel.Out(fn.stage, a.Lang).String(), 1)
		emit(a)
	}
	for _, r := range o.rejected {
		reject(r)
	}
}

// messages is the dialogue that asks turn k (0-based): the earlier turns with their
// answers, then turn k.
func messages(tmpl *prompts.Template, a Ask, k int, earlier []evalio.Answer) ([]llm.Message, error) {
	var msgs []llm.Message
	for i := 0; i <= k; i++ {
		user, err := tmpl.Render(struct{ Question, Suffix string }{a.Turns[i], ""}, nil)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, user...)
		if i < k {
			msgs = append(msgs, llm.Message{Role: "assistant", Content: earlier[i].Answer})
		}
	}
	return msgs, nil
}

// ask asks the turns in order; a failed turn dead-letters itself and every later one.
func (fn *answerFn) ask(a Ask) (outcome, error) {
	var o outcome
	for k, turn := range a.Turns {
		msgs, err := messages(fn.tmpl, a, k, o.answers)
		if err != nil {
			return o, err
		}
		reply, failure, err := fn.w.Call(a.Lang, llm.ChatRequest{Template: fn.tmpl.Ref(), Messages: msgs})
		if err != nil {
			return o, err
		}
		if failure != nil {
			o.rejected = append(o.rejected, fn.reject(a, k, failure.Reason, failure.Detail))
			for later := k + 1; later < len(a.Turns); later++ {
				o.rejected = append(o.rejected, fn.reject(a, later, ReasonEarlierTurnFailed, fmt.Sprintf("turn %d has no answer", k+1)))
			}
			return o, nil
		}
		o.answers = append(o.answers, evalio.Answer{
			QuestionID: a.QuestionID, Model: fn.Params.Name, Lang: a.Lang, Turn: k + 1, Answer: reply.Content,
			Category: a.Category, Prompt: turn, ModelID: fn.Params.LLM.Model, Chars: utf8.RuneCountInString(reply.Content),
			PromptTokens: reply.PromptTokens, CompletionToks: reply.CompletionTokens, Cached: reply.Cached,
			Placeholder: reply.Placeholder, Template: fn.tmpl.Ref(),
		})
	}
	return o, nil
}

func (fn *answerFn) reject(a Ask, turn int, reason, detail string) record.Rejected {
	return record.Rejected{Reason: reason, Stage: fn.stage, Source: a.Source, Line: a.Line,
		ID: fmt.Sprintf("%s/%s/turn%d", a.QuestionID, a.Lang, turn+1), Detail: detail, Record: record.Excerpt(a.Turns[turn])}
}

// estimate counts the calls the ask would make. A turn whose answer is in the store is
// read from it (no call) so that the next turn's prompt is the real one; after the first
// turn that is not, the later turns are counted as calls whose prompts hold the earlier
// answers at a typical length (prompt_tokens) and at max_tokens (prompt_tokens_max). It
// emits every turn's answer for the judge's estimate: the stored one, or an empty one
// marked Estimated.
func (fn *answerFn) estimate(ctx context.Context, a Ask, emit func(evalio.Answer)) error {
	out := func(k int, text string) {
		emit(evalio.Answer{QuestionID: a.QuestionID, Model: fn.Params.Name, Lang: a.Lang, Turn: k + 1, Answer: text,
			Category: a.Category, Estimated: text == ""})
	}
	var earlier []evalio.Answer
	missed := false
	var typical, bound int // the prompt so far, after the first turn not in the store
	maxTokens := fn.Params.LLM.Sampling.MaxTokens
	for k := range a.Turns {
		if missed {
			turn := len(a.Turns[k])/4 + 4
			typical += fn.Params.TypicalAnswer + turn
			bound += maxTokens + turn
			fn.addCall(a.Lang, typical, bound)
			out(k, "")
			continue
		}
		msgs, err := messages(fn.tmpl, a, k, earlier)
		if err != nil {
			return err
		}
		req := llm.ChatRequest{Template: fn.tmpl.Ref(), Messages: msgs}
		cached, prompt, _, err := fn.w.Client.Estimate(ctx, req)
		if err != nil {
			return err
		}
		if cached {
			reply, failure, err := fn.w.Client.Chat(ctx, req) // from the store: no call
			if err != nil {
				return err
			}
			if failure == nil {
				fn.addEstimate(a.Lang, llm.CountCacheHits, 1)
				earlier = append(earlier, evalio.Answer{Answer: reply.Content})
				out(k, reply.Content)
				continue
			}
		}
		missed, typical, bound = true, prompt, prompt
		fn.addCall(a.Lang, prompt, prompt)
		out(k, "")
	}
	return nil
}

// addCall counts one estimated call with its prompt at a typical and at its bound.
func (fn *answerFn) addCall(lang string, prompt, promptMax int) {
	fn.addEstimate(lang, llm.CountRequests, 1)
	fn.addEstimate(lang, llm.CountPromptTokens, prompt)
	fn.addEstimate(lang, funnel.CountPromptTokensMax, promptMax)
	fn.addEstimate(lang, llm.CountCompletionTokens, fn.Params.LLM.Sampling.MaxTokens)
}

func (fn *answerFn) addEstimate(lang, counter string, n int) {
	fn.w.Add(funnel.Estimate(fn.stage, lang, counter).String(), n)
}
