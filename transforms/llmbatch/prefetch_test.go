package llmbatch

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/transforms/stats"

	"github.com/xinstruct/xinstruct/internal/codertest"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
	"github.com/xinstruct/xinstruct/io/llm/store"
)

func TestMain(m *testing.M) { ptest.Main(m) }

func init() {
	register.Function3x0[string, int, func(int)](batchRequests)
	register.Emitter1[int]()
}

// batchRequests keeps the batch_requests counts.
func batchRequests(k string, n int, emit func(int)) {
	if strings.HasSuffix(k, "/"+llm.CountBatchRequests) {
		emit(n)
	}
}

func TestCodersRoundTrip(t *testing.T) {
	// A request's schema is JSON (Filled's bytes are not): a hand-filled one.
	codertest.Check(t, Request{Lang: "sw", Chat: llm.ChatRequest{Template: "t@1", Candidate: 2, SchemaName: "verdict",
		Schema: []byte(`{"type":"object"}`), Messages: []llm.Message{{Role: "system", Content: "a"}, {Role: "user", Content: "b"}}}})
	codertest.Check(t, Request{})
	var buf bytes.Buffer
	if err := beam.NewElementEncoder(reflect.TypeFor[Request]()).Encode(Request{}, &buf); err != nil {
		t.Fatal(err)
	}
	got, err := beam.NewElementDecoder(reflect.TypeFor[Request]()).Decode(&buf)
	if err != nil || got.(Request).Chat.Schema != nil {
		t.Errorf("a request without a schema came back with %q (%v): its key would change", got.(Request).Chat.Schema, err)
	}
	codertest.RoundTrip[llm.BatchItem](t)
	codertest.RoundTrip[llm.BatchJob](t)
	codertest.RoundTrip[llm.BatchFailure](t)
}

// TestPrefetch: 24 requests, two of them repeated and 3 already in the store, batched
// 5 at a time: the 19 distinct misses go in batches and nowhere else, each once, every
// answer is stored, nothing failed, and the counts say 19 batched requests.
func TestPrefetch(t *testing.T) {
	srv, url := llmtest.Start(t, llmtest.Options{BatchDelay: 10 * time.Millisecond})
	cfg := llm.DefaultConfig()
	cfg.BaseURL, cfg.Model, cfg.Store, cfg.RunID = url, "m", t.TempDir(), "prefetch"
	cfg.Batch = llm.BatchConfig{Enabled: true, MaxItems: 5, Fallback: llm.FallbackOnline,
		Poll: llm.Backoff{Initial: 2 * time.Millisecond, Max: 10 * time.Millisecond}, Price: llm.Price{InputPerM: 1, OutputPerM: 1}}
	var reqs []Request
	for i := range 22 {
		reqs = append(reqs, Request{Lang: "sw", Chat: llm.ChatRequest{Template: "t@1",
			Messages: []llm.Message{{Role: "user", Content: fmt.Sprintf("Andika swali kuhusu shamba namba %d.", i)}}}})
	}
	reqs = append(reqs, reqs[0], reqs[1])
	online := cfg
	online.Batch.Enabled = false
	c, err := llm.New(context.Background(), online)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs[19:22] { // already answered
		if _, f, err := c.Chat(context.Background(), r.Chat); err != nil || f != nil {
			t.Fatal(err, f)
		}
	}
	c.Close()

	p, s := beam.NewPipelineWithRoot()
	failures, counts := Prefetch(s, Params{LLM: cfg, Stage: "generate"}, beam.CreateList(s, reqs))
	passert.Empty(s, failures)
	passert.Equals(s, stats.Sum(s, beam.ParDo(s, batchRequests, counts)), 19)
	if err := ptest.Run(p); err != nil {
		t.Fatal(err)
	}
	st := srv.Stats()
	if st.BatchItems != 19 || len(st.BatchItemsByID) != 19 || st.ChatRequests != 3 || st.Batches < 4 {
		t.Errorf("%d batch items (%d distinct) in %d batches, %d online calls; want 19 (19) in 4 or more, and the 3 made before", st.BatchItems, len(st.BatchItemsByID), st.Batches, st.ChatRequests)
	}
	if n, err := store.Count(context.Background(), cfg.Store); err != nil || n != 22 {
		t.Errorf("the store holds %d answers (%v), want 22", n, err)
	}
}
