// Package instruct writes English instructions for native texts with a language model:
// X-Instruction's generation stage.
package instruct

import (
	"context"
	"fmt"
	"strconv"
	"strings"
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
	register.DoFn7x1[context.Context, record.Doc, int, func(*llm.BatchFailure) bool, func(record.Pair), func(record.Rejected), func(string, int), error](&generateFn{})
	register.DoFn2x1[record.Doc, func(llmbatch.Request), error](&requestsFn{})
	register.Emitter1[record.Pair]()
	register.Emitter1[llmbatch.Request]()
	register.Emitter2[string, int]()
}

// TemplateGenerate is the generator's prompt template.
const TemplateGenerate = "generate_instruction"

// SeedPair is a few-shot example for the generator, as read from --seed_pairs.
type SeedPair struct {
	Instruction string `json:"instruction"`
	Output      string `json:"output"`
	Lang        string `json:"lang"`
}

// GenerateParams configure Generate.
type GenerateParams struct {
	LLM        llm.Config
	Candidates int        // instructions per document
	SeedPairs  []SeedPair // few-shot examples; those in a document's language come first
	MaxShots   int        // few-shot examples per prompt
	// ProgressEvery is how often each worker logs the stage's progress; 0 = never.
	ProgressEvery time.Duration
	// Estimate makes no call: it counts the calls the stage would make and their
	// approximate tokens, under "estimate/generate/<lang>/<counter>", and emits nothing else.
	Estimate bool
}

// batched reports whether the stage's calls go through the Batch API first.
func (p GenerateParams) batched() bool { return p.LLM.Batch.Enabled && !p.Estimate }

// Validate reports what is wrong with p.
func (p GenerateParams) Validate() error {
	if err := p.LLM.Validate(); err != nil {
		return err
	}
	if p.Candidates < 1 {
		return fmt.Errorf("candidates %d < 1", p.Candidates)
	}
	if p.MaxShots < 0 {
		return fmt.Errorf("max shots %d < 0", p.MaxShots)
	}
	for i, sp := range p.SeedPairs {
		if strings.TrimSpace(sp.Instruction) == "" || strings.TrimSpace(sp.Output) == "" {
			return fmt.Errorf("seed pair %d has no instruction or output", i+1)
		}
	}
	return nil
}

// Generate asks the model for p.Candidates English instructions per document. It takes
// PCollection<record.Doc> and the number of documents (a singleton PCollection<int>, as stats.CountElms gives,
// for the progress log's ETA), and returns PCollection<record.Pair>, the dead letters of
// documents whose call failed (PCollection<record.Rejected>, stage "generate", one per
// candidate) and counts for the funnel (PCollection<KV<string, int>>: the stage's input,
// "generate/in/<lang>", and its model usage, "llm/generate/<lang>/<counter>"). With
// p.LLM.Batch enabled, the documents' requests that the store cannot answer are sent
// through the Batch API first (llmbatch.Prefetch), and the stage runs once they have
// ended. It panics at construction time if p is invalid.
func Generate(s beam.Scope, p GenerateParams, docs, total beam.PCollection) (pairs, rejected, usage beam.PCollection) {
	s = s.Scope("instruct.Generate")
	if err := p.Validate(); err != nil {
		panic(fmt.Sprintf("instruct.Generate: %v", err))
	}
	prompts.MustLoad(TemplateGenerate)
	failures, batchUsage := llmbatch.None(s), beam.PCollection{}
	if p.batched() {
		failures, batchUsage = llmbatch.Prefetch(s, llmbatch.Params{LLM: p.LLM, Stage: record.StageGenerate}, beam.ParDo(s, &requestsFn{Params: p}, docs))
	}
	pairs, rejected, usage = beam.ParDo3(s, &generateFn{Params: p}, docs, beam.SideInput{Input: total}, beam.SideInput{Input: failures})
	if batchUsage.IsValid() {
		usage = beam.Flatten(s, usage, batchUsage)
	}
	return pairs, rejected, usage
}

// requests are the calls the stage makes for d, one per candidate: the stage sends
// them, and its batch prefetch batches the very same ones.
func (p GenerateParams) requests(tmpl *prompts.Template, d record.Doc) ([]llm.ChatRequest, error) {
	messages, err := tmpl.Render(struct{ LangName, Text string }{prompts.LanguageName(d.Lang), prompts.Untrusted(d.Text)}, p.examples(d.Lang))
	if err != nil {
		return nil, err
	}
	out := make([]llm.ChatRequest, p.Candidates)
	for c := range out {
		out[c] = llm.ChatRequest{Template: tmpl.Ref(), Messages: messages, Candidate: c}
	}
	return out, nil
}

// requestsFn emits the stage's requests for the batch prefetch.
type requestsFn struct {
	Params GenerateParams

	tmpl *prompts.Template
}

func (fn *requestsFn) Setup() { fn.tmpl = prompts.MustLoad(TemplateGenerate) }

func (fn *requestsFn) ProcessElement(d record.Doc, emit func(llmbatch.Request)) error {
	reqs, err := fn.Params.requests(fn.tmpl, d)
	for _, r := range reqs {
		emit(llmbatch.Request{Lang: d.Lang, Chat: r})
	}
	return err
}

type generateFn struct {
	Params GenerateParams

	w    llm.Worker[outcome] // unexported: Beam serializes exported DoFn fields
	tmpl *prompts.Template
}

// outcome is what one candidate's call produced: a pair or a dead letter.
type outcome struct {
	pair     record.Pair
	rejected *record.Rejected
}

func (fn *generateFn) Setup(ctx context.Context) error {
	fn.tmpl = prompts.MustLoad(TemplateGenerate)
	return fn.w.Setup(ctx, fn.Params.LLM, record.StageGenerate, fn.Params.ProgressEvery, funnel.LLMKeys(record.StageGenerate))
}

func (fn *generateFn) Teardown() error { return fn.w.Teardown() }

func (fn *generateFn) StartBundle(context.Context, int, func(*llm.BatchFailure) bool, func(record.Pair), func(record.Rejected), func(string, int)) {
	fn.w.StartBundle()
}

func (fn *generateFn) ProcessElement(ctx context.Context, d record.Doc, total int, batchFailed func(*llm.BatchFailure) bool, emit func(record.Pair), reject func(record.Rejected), _ func(string, int)) error {
	fn.w.Progress.SetTotal(int64(total * fn.Params.Candidates))
	fn.w.UseBatch(batchFailed)
	reqs, err := fn.Params.requests(fn.tmpl, d)
	if err != nil {
		return err
	}
	if fn.Params.Estimate {
		return fn.estimate(ctx, d.Lang, len(d.Text), reqs)
	}
	fn.w.Add(funnel.In(record.StageGenerate, d.Lang).String(), fn.Params.Candidates)
	for _, r := range reqs {
		fn.w.Go(func() (outcome, error) { return fn.call(d, r) })
	}
	return fn.w.Emit(func(o outcome) { o.emit(emit, reject) })
}

func (fn *generateFn) FinishBundle(_ context.Context, _ int, _ func(*llm.BatchFailure) bool, emit func(record.Pair), reject func(record.Rejected), counts func(string, int)) error {
	return fn.w.FinishBundle(func(o outcome) { o.emit(emit, reject) }, counts)
}

func (o outcome) emit(emit func(record.Pair), reject func(record.Rejected)) {
	if o.rejected != nil {
		reject(*o.rejected)
	} else {
		emit(o.pair)
	}
}

func (fn *generateFn) call(d record.Doc, r llm.ChatRequest) (outcome, error) {
	candidate := r.Candidate
	reply, failure, err := fn.w.Call(d.Lang, r)
	if err != nil {
		return outcome{}, err
	}
	pair := record.Pair{
		ID: d.ID + "#" + strconv.Itoa(candidate), DocID: d.ID, Lang: d.Lang, Output: d.Text, Source: d.Source, Line: d.Line,
		Generator: fn.Params.LLM.Model, Template: fn.tmpl.Ref(), Candidate: candidate,
		PromptTokens: reply.PromptTokens, CompletionTokens: reply.CompletionTokens, Placeholder: reply.Placeholder,
	}
	if failure != nil {
		pair.Instruction = reply.Content
		r := record.RejectPair(pair, record.StageGenerate, failure.Reason, failure.Detail)
		return outcome{rejected: &r}, nil
	}
	pair.Instruction = CleanInstruction(reply.Content)
	return outcome{pair: pair}, nil
}

// CountTextTokens names the estimate's count of the documents' text tokens, summed over
// the calls: what the later stages' prompts are projected from.
const CountTextTokens = "text_tokens"

func (fn *generateFn) estimate(ctx context.Context, lang string, textBytes int, reqs []llm.ChatRequest) error {
	fn.w.Add(funnel.Estimate(record.StageGenerate, lang, CountTextTokens).String(), fn.Params.Candidates*(textBytes/4+1))
	for _, r := range reqs {
		cached, prompt, completion, err := fn.w.Client.Estimate(ctx, r)
		if err != nil {
			return err
		}
		if cached {
			fn.w.Add(funnel.Estimate(record.StageGenerate, lang, llm.CountCacheHits).String(), 1)
			continue
		}
		fn.w.Add(funnel.Estimate(record.StageGenerate, lang, llm.CountRequests).String(), 1)
		fn.w.Add(funnel.Estimate(record.StageGenerate, lang, llm.CountPromptTokens).String(), prompt)
		fn.w.Add(funnel.Estimate(record.StageGenerate, lang, llm.CountCompletionTokens).String(), completion)
	}
	return nil
}

// examples picks the few-shot examples for a document: those in its language first.
func (p GenerateParams) examples(lang string) []prompts.Example {
	var same, other []prompts.Example
	for _, sp := range p.SeedPairs {
		ex := prompts.Example{Instruction: sp.Instruction, Output: prompts.Untrusted(sp.Output), LangName: prompts.LanguageName(sp.Lang)}
		if sp.Lang == lang {
			same = append(same, ex)
		} else {
			other = append(other, ex)
		}
	}
	all := append(same, other...)
	return all[:min(len(all), p.MaxShots)]
}

// CleanInstruction trims what chat models put around an answer: surrounding white space
// and quotes, and a leading "Instruction:" label.
func CleanInstruction(s string) string {
	s = strings.TrimSpace(s)
	for _, label := range []string{"### English Instruction:", "English Instruction:", "Instruction:"} {
		if len(s) >= len(label) && strings.EqualFold(s[:len(label)], label) {
			s = strings.TrimSpace(s[len(label):])
		}
	}
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"') {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}
