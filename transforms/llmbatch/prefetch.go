// Package llmbatch sends a model stage's requests through the provider's Batch API
// before the stage runs, so that the stage finds their answers in the response store.
//
// A stage that supports it builds each element's requests with the same code whether it
// calls or batches them, and runs after Prefetch with Prefetch's failures as a side
// input: a side input is complete before the stage takes its first element, so every
// batch has ended and its answers are stored by then. The stage's calls are then store
// hits; only what the batches did not answer is asked online (or dead-lettered, under
// llm.FallbackDeadLetter).
//
// Beam runs the stages one after another as before: a stage's batches are sent when the
// stage before it has ended. With batches that take hours, run the stages as separate
// jobs (see the README's "Batch API").
package llmbatch

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/internal/stats"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

func init() {
	register.DoFn3x1[context.Context, Request, func(llm.BatchItem), error](&missFn{})
	register.DoFn2x2[llm.BatchItem, int, string, llm.BatchItem](&shardFn{})
	register.DoFn4x1[context.Context, string, func(*llm.BatchItem) bool, func(llm.BatchJob), error](&submitFn{})
	register.Function3x0[int, func(*llm.BatchJob) bool, func(llm.BatchJob)](ungroup)
	register.DoFn4x1[context.Context, llm.BatchJob, func(llm.BatchFailure), func(string, int), error](&awaitFn{})
	register.Emitter1[llm.BatchItem]()
	register.Emitter1[llm.BatchJob]()
	register.Emitter1[llm.BatchFailure]()
	register.Emitter2[string, int]()
	register.Iter1[llm.BatchItem]()
	register.Iter1[llm.BatchJob]()
	register.Iter1[llm.BatchFailure]()
	// JSON: the schema coder would have to be taught json.RawMessage and []byte fields,
	// and these elements are few (a stage's requests once, its batches, its failures).
	// Each type has its own named functions: a worker finds a coder's functions by
	// symbol name, and a generic function's closures share one.
	beam.RegisterCoder(reflect.TypeFor[Request](), encodeRequest, decodeRequest)
	beam.RegisterCoder(reflect.TypeFor[llm.BatchItem](), encodeItem, decodeItem)
	beam.RegisterCoder(reflect.TypeFor[llm.BatchJob](), encodeJob, decodeJob)
	beam.RegisterCoder(reflect.TypeFor[llm.BatchFailure](), encodeFailure, decodeFailure)
}

func encodeRequest(v Request) ([]byte, error)          { return json.Marshal(v) }
func encodeItem(v llm.BatchItem) ([]byte, error)       { return json.Marshal(v) }
func encodeJob(v llm.BatchJob) ([]byte, error)         { return json.Marshal(v) }
func encodeFailure(v llm.BatchFailure) ([]byte, error) { return json.Marshal(v) }

func decodeJSON[T any](b []byte) (T, error) {
	var v T
	err := json.Unmarshal(b, &v)
	return v, err
}

// decodeRequest decodes a Request. A request without a schema must come back without
// one: JSON gives a nil json.RawMessage back as "null", which would change the
// request's key and ask the server for a schema of null.
func decodeRequest(b []byte) (Request, error) {
	r, err := decodeJSON[Request](b)
	if string(r.Chat.Schema) == "null" {
		r.Chat.Schema = nil
	}
	return r, err
}

func decodeItem(b []byte) (llm.BatchItem, error)       { return decodeJSON[llm.BatchItem](b) }
func decodeJob(b []byte) (llm.BatchJob, error)         { return decodeJSON[llm.BatchJob](b) }
func decodeFailure(b []byte) (llm.BatchFailure, error) { return decodeJSON[llm.BatchFailure](b) }

// Request is one call a stage will make, with the language its usage counts under.
type Request struct {
	Lang string          `json:"lang"`
	Chat llm.ChatRequest `json:"chat"`
}

// Params configure Prefetch.
type Params struct {
	LLM   llm.Config // the stage's model, endpoint, store and budget, with Batch enabled
	Stage string     // the stage's name: its counts, logs and batch manifests
}

func (p Params) validate() error {
	if err := p.LLM.Validate(); err != nil {
		return err
	}
	if !p.LLM.Batch.Enabled {
		return fmt.Errorf("the Batch API is not enabled")
	}
	if p.Stage == "" || strings.ContainsAny(p.Stage, "/\\") {
		return fmt.Errorf("stage %q is empty or holds a path separator", p.Stage)
	}
	return nil
}

// Prefetch gets the answers to requests that the response store lacks through the
// Batch API, and stores them under the keys the stage's own calls look up. It takes
// PCollection<Request>: the requests the stage will make, built by the stage's code. It
// returns PCollection<llm.BatchFailure>, the requests the batches did not answer,
// complete only once every batch has ended (the stage's side input: see
// llm.Worker.UseBatch), and PCollection<KV<string, int>>, the batches' usage for the
// funnel under "llm/<stage>/<lang>/batch_*" (funnel.Usage's Batch fields; the cost at
// the batch price). It panics at construction time if p is invalid.
//
// The store misses are grouped into batches of about p.LLM.Batch.MaxItems by a hash of
// their key, so a retried bundle makes the same groups; every batch is submitted (and
// recorded below the store) before any is awaited, and a batch an earlier attempt
// submitted is polled again rather than sent twice.
func Prefetch(s beam.Scope, p Params, requests beam.PCollection) (failures, counts beam.PCollection) {
	s = s.Scope("llmbatch.Prefetch")
	if err := p.validate(); err != nil {
		panic(fmt.Sprintf("llmbatch.Prefetch: %v", err))
	}
	items := beam.ParDo(s, &missFn{LLM: p.LLM}, requests)
	keyed := beam.ParDo(s, &shardFn{MaxItems: p.LLM.Batch.MaxItems}, items, beam.SideInput{Input: stats.CountElms(s, items)})
	jobs := beam.ParDo(s, &submitFn{LLM: p.LLM, Stage: p.Stage}, beam.GroupByKey(s, keyed))
	// A GroupByKey ends when every group is submitted: no batch waits for another to be
	// sent. The Reshuffle then spreads the waiting and the harvests over the workers.
	jobs = beam.Reshuffle(s, beam.ParDo(s, ungroup, beam.GroupByKey(s, beam.AddFixedKey(s, jobs))))
	return beam.ParDo2(s, &awaitFn{LLM: p.LLM, Stage: p.Stage}, jobs)
}

// None is the failures side input of a stage that batches nothing: an empty
// PCollection<llm.BatchFailure>.
func None(s beam.Scope) beam.PCollection {
	return beam.CreateList(s.Scope("llmbatch.None"), []llm.BatchFailure{})
}

// missFn turns each request the store has no answer for into a batch item.
type missFn struct {
	LLM llm.Config

	client *llm.Client
}

func (fn *missFn) Setup(ctx context.Context) (err error) {
	fn.client, err = llm.New(ctx, fn.LLM)
	return err
}

func (fn *missFn) Teardown() error {
	if fn.client == nil {
		return nil
	}
	return fn.client.Close()
}

func (fn *missFn) ProcessElement(ctx context.Context, r Request, emit func(llm.BatchItem)) error {
	item, need, err := fn.client.BatchItem(ctx, r.Lang, r.Chat)
	if need {
		emit(item)
	}
	return err
}

// shardFn keys an item by its group (llm.BatchGroup, as a string): a hash of its key
// modulo the number of batches that n misses need.
type shardFn struct{ MaxItems int }

func (fn *shardFn) ProcessElement(it llm.BatchItem, n int) (string, llm.BatchItem) {
	shards := max(1, int(math.Ceil(float64(n)/float64(fn.MaxItems))))
	h, _ := strconv.ParseUint(it.Key[:min(15, len(it.Key))], 16, 64) // keys are hex SHA-256s
	return llm.BatchGroup{Shard: int(h % uint64(shards)), Shards: shards}.String(), it
}

// submitFn submits a group's items, or joins them to the batches an earlier attempt
// submitted, and emits the jobs to await.
type submitFn struct {
	LLM   llm.Config
	Stage string

	client *llm.Client
}

func (fn *submitFn) Setup(ctx context.Context) (err error) {
	fn.client, err = llm.New(ctx, fn.LLM)
	return err
}

func (fn *submitFn) Teardown() error {
	if fn.client == nil {
		return nil
	}
	return fn.client.Close()
}

func (fn *submitFn) ProcessElement(ctx context.Context, group string, items func(*llm.BatchItem) bool, emit func(llm.BatchJob)) error {
	var g llm.BatchGroup
	if _, err := fmt.Sscanf(group, "%dof%d", &g.Shard, &g.Shards); err != nil {
		return fmt.Errorf("llmbatch: group %q: %v", group, err)
	}
	var all []llm.BatchItem
	var it llm.BatchItem
	for items(&it) {
		all = append(all, it)
	}
	jobs, err := fn.client.SubmitBatches(ctx, fn.Stage, g, all)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		emit(j)
	}
	return nil
}

func ungroup(_ int, jobs func(*llm.BatchJob) bool, emit func(llm.BatchJob)) {
	var j llm.BatchJob
	for jobs(&j) {
		emit(j)
	}
}

// awaitFn waits for a batch to end, stores its answers, and emits the requests it did
// not answer and its usage.
type awaitFn struct {
	LLM   llm.Config
	Stage string

	client *llm.Client
}

func (fn *awaitFn) Setup(ctx context.Context) (err error) {
	fn.client, err = llm.New(ctx, fn.LLM)
	return err
}

func (fn *awaitFn) Teardown() error {
	if fn.client == nil {
		return nil
	}
	return fn.client.Close()
}

func (fn *awaitFn) ProcessElement(ctx context.Context, job llm.BatchJob, fail func(llm.BatchFailure), counts func(string, int)) error {
	b, err := fn.client.AwaitBatch(ctx, job)
	if err != nil {
		return err
	}
	outcomes, err := fn.client.HarvestBatch(ctx, job, b)
	if err != nil {
		return err
	}
	sums := map[string]int{}
	nanos := map[string]float64{}
	for _, o := range outcomes {
		lang := o.Item.Lang
		sums[funnel.LLM(fn.Stage, lang, llm.CountBatchRequests).String()]++
		if o.Failure != nil {
			sums[funnel.LLM(fn.Stage, lang, llm.CountBatchFailures).String()]++
			fail(*o.Failure)
			continue
		}
		sums[funnel.LLM(fn.Stage, lang, llm.CountBatchPromptTokens).String()] += o.PromptTokens
		sums[funnel.LLM(fn.Stage, lang, llm.CountBatchCompletionTokens).String()] += o.CompletionTokens
		nanos[funnel.LLM(fn.Stage, lang, llm.CountBatchCostNanos).String()] += o.Cost * 1e9
	}
	for k, n := range sums {
		counts(k, n)
	}
	for k, x := range nanos {
		counts(k, int(math.Round(x)))
	}
	return nil
}
