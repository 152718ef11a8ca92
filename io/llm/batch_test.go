package llm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

// batchConfig turns the Batch API on with test timings: batches of at most size.
func batchConfig(size int, fallback string) func(*Config) {
	return func(cfg *Config) {
		cfg.Batch = BatchConfig{Enabled: true, MaxItems: size, Fallback: fallback,
			Poll: Backoff{Initial: 2 * time.Millisecond, Max: 10 * time.Millisecond}, Price: Price{InputPerM: 1, OutputPerM: 2}}
	}
}

// sameClient opens another client on cfg: another process, as far as the store and the
// provider can tell (the budget is shared per process, and these tests set none).
func sameClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// batchItems returns the batch items of reqs that the store lacks.
func batchItems(t *testing.T, c *Client, reqs []ChatRequest) []BatchItem {
	t.Helper()
	var items []BatchItem
	for _, r := range reqs {
		it, need, err := c.BatchItem(context.Background(), "sw", r)
		if err != nil {
			t.Fatal(err)
		}
		if need {
			items = append(items, it)
		}
	}
	return items
}

// runBatches submits items, awaits every job and harvests it, and returns the outcomes.
func runBatches(t *testing.T, c *Client, items []BatchItem) []BatchOutcome {
	t.Helper()
	ctx := context.Background()
	jobs, err := c.SubmitBatches(ctx, "generate", BatchGroup{}, items)
	if err != nil {
		t.Fatal(err)
	}
	return harvest(t, c, jobs)
}

func harvest(t *testing.T, c *Client, jobs []BatchJob) []BatchOutcome {
	t.Helper()
	var all []BatchOutcome
	for _, j := range jobs {
		b, err := c.AwaitBatch(context.Background(), j)
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.HarvestBatch(context.Background(), j, b)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, out...)
	}
	return all
}

func manyRequests(n int) []ChatRequest {
	var reqs []ChatRequest
	for i := range n {
		reqs = append(reqs, ask(fmt.Sprintf("Hati ya mkutano wa kijiji namba %d kuhusu maji.", i/2), i%2))
	}
	return reqs
}

// TestBatchAnswersAreTheOnlineAnswers: 25 requests batched 10 at a time make 3 batches
// and no online call; afterwards every Chat is a store hit whose content is what an
// online call of the same request gets, and the manifests are all in done/.
func TestBatchAnswersAreTheOnlineAnswers(t *testing.T) {
	c, srv, cfg := testClient(t, llmtest.Options{BatchDelay: 20 * time.Millisecond}, batchConfig(10, FallbackOnline))
	reqs := manyRequests(25)
	items := batchItems(t, c, reqs)
	if len(items) != 25 {
		t.Fatalf("%d items for 25 requests and an empty store", len(items))
	}
	outcomes := runBatches(t, c, items)
	st := srv.Stats()
	if st.Batches != 3 || st.BatchItems != 25 || len(st.BatchItemsByID) != 25 || st.ChatRequests != 0 {
		t.Fatalf("server saw %d batches, %d batch items (%d distinct), %d online calls; want 3, 25 (25), 0", st.Batches, st.BatchItems, len(st.BatchItemsByID), st.ChatRequests)
	}
	var cost float64
	for _, o := range outcomes {
		if !o.Stored || o.Failure != nil || o.PromptTokens == 0 {
			t.Errorf("outcome %+v", o)
		}
		cost += o.Cost
	}
	if cost <= 0 {
		t.Error("the batches cost nothing at the batch price")
	}
	if st.PromptTokens != 0 { // the online counters: batch answers are not online calls
		t.Errorf("the server counted %d online prompt tokens", st.PromptTokens)
	}

	online := cfg
	online.Batch.Enabled, online.Store = false, t.TempDir()
	oc := sameClient(t, online)
	for i, r := range reqs {
		got, f, err := c.Chat(context.Background(), r)
		if err != nil || f != nil || !got.Cached {
			t.Fatalf("request %d after the batch: %+v %v %v, want a store hit", i, got, f, err)
		}
		want, f, err := oc.Chat(context.Background(), r)
		if err != nil || f != nil {
			t.Fatal(err, f)
		}
		if got.Content != want.Content || got.CompletionTokens != want.CompletionTokens {
			t.Errorf("request %d: batch answer %q, online answer %q", i, got.Content, want.Content)
		}
	}
	if n := srv.Stats().ChatRequests; n != 25 {
		t.Errorf("%d online calls, want the 25 of the online client", n)
	}
	if again := batchItems(t, c, reqs); len(again) != 0 {
		t.Errorf("%d items still missing after the batches", len(again))
	}
	pending, _ := filepath.Glob(filepath.Join(cfg.Store, "_batches", "pending", "*.json"))
	done, _ := filepath.Glob(filepath.Join(cfg.Store, "_batches", "done", "*.json"))
	if len(pending) != 0 || len(done) != 3 {
		t.Errorf("%d pending and %d done manifests, want 0 and 3", len(pending), len(done))
	}
}

// TestResumedRunPollsTheSameBatches: a run that submitted its batches and stopped (a
// killed job), then run again with a fresh client, polls the batches it recorded
// instead of creating new ones; so does one killed between the provider creating the
// batch and the manifest getting its id (found by its metadata); and one killed before
// the create sends its requests again.
func TestResumedRunPollsTheSameBatches(t *testing.T) {
	ctx := context.Background()
	c, srv, cfg := testClient(t, llmtest.Options{BatchDelay: 20 * time.Millisecond}, batchConfig(4, FallbackOnline))
	reqs := manyRequests(10)
	first, err := c.SubmitBatches(ctx, "generate", BatchGroup{}, batchItems(t, c, reqs))
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Stats().Batches; n != 3 || len(first) != 3 {
		t.Fatalf("%d batches created, %d jobs; want 3", n, len(first))
	}
	// Killed between the create and the manifest's second write: the manifest has no id.
	m, err := c.pendingManifests(ctx, "generate", BatchGroup{})
	if err != nil || len(m) != 3 {
		t.Fatal(err, len(m))
	}
	m[0].State, m[0].BatchID = stateCreating, ""
	if err := c.writeManifest(ctx, batchesPending, m[0]); err != nil {
		t.Fatal(err)
	}

	resumed := sameClient(t, cfg)
	items := batchItems(t, resumed, reqs)
	again, err := resumed.SubmitBatches(ctx, "generate", BatchGroup{}, items)
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Stats().Batches; n != 3 {
		t.Fatalf("the resumed run created %d batches in all, want the first run's 3", n)
	}
	ids := map[string]bool{}
	for _, j := range first {
		ids[j.ID] = true
	}
	for _, j := range again {
		if !ids[j.ID] || j.Submitted {
			t.Errorf("the resumed run's job %+v is not one of the first run's batches %v", j, ids)
		}
	}
	harvest(t, resumed, again)
	if st := srv.Stats(); st.BatchItems != 10 || st.ChatRequests != 0 {
		t.Errorf("%d batch items, %d online calls; want 10, 0", st.BatchItems, st.ChatRequests)
	}

	// Killed before the create: the intent is there, the batch is not.
	more := manyRequests(14)[10:]
	its := batchItems(t, resumed, more)
	intent := batchManifest{Name: "generate-intent", Stage: "generate", Model: cfg.Model, Endpoint: redactedURL(resumed.endpoint()),
		State: stateCreating, CreatedAt: time.Now().UTC()}
	for _, it := range its {
		intent.Keys = append(intent.Keys, it.Key)
	}
	if err := resumed.writeManifest(ctx, batchesPending, intent); err != nil {
		t.Fatal(err)
	}
	jobs, err := resumed.SubmitBatches(ctx, "generate", BatchGroup{}, its)
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Stats().Batches; n != 4 || len(jobs) != 1 || !jobs[0].Submitted {
		t.Errorf("after an intent with no batch: %d batches in all, jobs %+v; want 4, one new", n, jobs)
	}
	if _, err := os.Stat(resumed.manifestPath(batchesPending, intent.Name)); !os.IsNotExist(err) {
		t.Errorf("the intent's manifest is still pending: %v", err)
	}
}

// TestFailedItemsFallBack: items a batch answered with a 500 are asked online (and only
// they), or dead-lettered under FallbackDeadLetter; an item the provider refused as too
// long is its own failure either way, with no online call.
func TestFailedItemsFallBack(t *testing.T) {
	ctx := context.Background()
	c, srv, cfg := testClient(t, llmtest.Options{BatchItemFailureRate: 0.3, Seed: 5}, batchConfig(50, FallbackOnline))
	reqs := append(manyRequests(30), ask("Ndefu mno: "+llmtest.MarkerContextLength, 0))
	outcomes := runBatches(t, c, batchItems(t, c, reqs))
	failures := map[string]BatchFailure{}
	transient := 0
	for _, o := range outcomes {
		if o.Failure != nil {
			failures[o.Item.Key] = *o.Failure
			if !o.Failure.Permanent {
				transient++
			} else if o.Failure.Reason != ReasonContextLength {
				t.Errorf("permanent failure %+v, want %s", o.Failure, ReasonContextLength)
			}
		}
	}
	st := srv.Stats()
	if transient == 0 || transient != int(st.BatchItemFailures)-1 || len(failures) != transient+1 {
		t.Fatalf("%d transient failures, server failed %d items; want some, and one more for the context length", transient, st.BatchItemFailures)
	}
	if strings.Contains(fmt.Sprint(failures), "sk-") {
		t.Error("a failure holds something key-like")
	}

	c.UseBatchFailures(failures)
	for _, r := range reqs {
		reply, f, err := c.Chat(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		bf, failed := failures[c.Key(r)]
		switch {
		case failed && bf.Permanent:
			if f == nil || f.Reason != ReasonContextLength || reply.Attempts != 0 {
				t.Errorf("the refused item: %+v %+v", reply, f)
			}
		case failed:
			if f != nil || reply.Cached {
				t.Errorf("a failed item was not asked online: %+v %+v", reply, f)
			}
		case f != nil || !reply.Cached:
			t.Errorf("an answered item was not a store hit: %+v %+v", reply, f)
		}
	}
	if n := srv.Stats().ChatRequests; n != int64(transient) {
		t.Errorf("%d online calls, want one per failed item: %d", n, transient)
	}

	// The same failures under dead_letter, on a store without their online answers.
	dl := cfg
	dl.Batch.Fallback = FallbackDeadLetter
	dl.Store = t.TempDir()
	d := sameClient(t, dl)
	d.UseBatchFailures(failures)
	before := srv.Stats().ChatRequests
	for _, r := range reqs {
		bf, failed := failures[d.Key(r)]
		if !failed {
			continue
		}
		_, f, err := d.Chat(ctx, r)
		want := ReasonBatchFailed
		if bf.Permanent {
			want = ReasonContextLength
		}
		if err != nil || f == nil || f.Reason != want {
			t.Errorf("dead_letter: %+v %v, want %s", f, err, want)
		}
	}
	if n := srv.Stats().ChatRequests - before; n != 0 {
		t.Errorf("dead_letter made %d online calls", n)
	}
}

// TestLostBatchFallsBack: a manifest naming a batch the provider does not know (another
// endpoint, the stand-in of another process) is polled once, its requests come back
// unanswered, and the manifest is removed.
func TestLostBatchFallsBack(t *testing.T) {
	ctx := context.Background()
	c, _, _ := testClient(t, llmtest.Options{}, batchConfig(10, FallbackOnline))
	items := batchItems(t, c, manyRequests(3))
	m := batchManifest{Name: "generate-lost", Stage: "generate", Model: c.cfg.Model, Endpoint: redactedURL(c.endpoint()),
		State: stateSubmitted, BatchID: "batch_nowhere", CreatedAt: time.Now().UTC()}
	for _, it := range items {
		m.Keys = append(m.Keys, it.Key)
	}
	if err := c.writeManifest(ctx, batchesPending, m); err != nil {
		t.Fatal(err)
	}
	jobs, err := c.SubmitBatches(ctx, "generate", BatchGroup{}, items)
	if err != nil || len(jobs) != 1 || jobs[0].ID != "batch_nowhere" {
		t.Fatalf("jobs %+v, %v; want the recorded batch adopted", jobs, err)
	}
	for _, o := range harvest(t, c, jobs) {
		if o.Failure == nil || o.Failure.Permanent || !strings.Contains(o.Failure.Detail, "lost") {
			t.Errorf("outcome %+v", o)
		}
	}
	if _, err := os.Stat(c.manifestPath(batchesPending, m.Name)); !os.IsNotExist(err) {
		t.Errorf("the lost batch's manifest is still pending: %v", err)
	}
}

// TestBatchUnderTheBudget: with --max_requests below the misses, the batches carry only
// what the budget grants; the rest are left to the stage, whose calls the budget refuses.
func TestBatchUnderTheBudget(t *testing.T) {
	c, srv, _ := testClient(t, llmtest.Options{}, func(cfg *Config) {
		batchConfig(4, FallbackOnline)(cfg)
		cfg.MaxRequests = 5
	})
	reqs := manyRequests(8)
	outcomes := runBatches(t, c, batchItems(t, c, reqs))
	if len(outcomes) != 5 || srv.Stats().BatchItems != 5 {
		t.Fatalf("%d outcomes, %d batch items; want the 5 the budget allows", len(outcomes), srv.Stats().BatchItems)
	}
	refused := 0
	for _, r := range reqs {
		_, f, err := c.Chat(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		if f != nil && f.Reason == ReasonBudgetExceeded {
			refused++
		}
	}
	if refused != 3 || srv.Stats().ChatRequests != 0 {
		t.Errorf("%d refused by the budget, %d online calls; want 3 and 0", refused, srv.Stats().ChatRequests)
	}
}

// TestBatchMaxWait: a batch still running after --batch_max_wait fails the await with a
// message that says to run the job again; the run after it polls the same batch.
func TestBatchMaxWait(t *testing.T) {
	ctx := context.Background()
	c, srv, cfg := testClient(t, llmtest.Options{BatchDelay: 300 * time.Millisecond}, func(cfg *Config) {
		batchConfig(10, FallbackOnline)(cfg)
		cfg.Batch.MaxWait = 30 * time.Millisecond
	})
	items := batchItems(t, c, manyRequests(4))
	jobs, err := c.SubmitBatches(ctx, "generate", BatchGroup{}, items)
	if err != nil || len(jobs) != 1 {
		t.Fatal(jobs, err)
	}
	if _, err := c.AwaitBatch(ctx, jobs[0]); err == nil || !strings.Contains(err.Error(), "run the same job again later") {
		t.Fatalf("awaiting past --batch_max_wait: %v", err)
	}
	cfg.Batch.MaxWait = 0
	later := sameClient(t, cfg)
	again, err := later.SubmitBatches(ctx, "generate", BatchGroup{}, items)
	if err != nil || len(again) != 1 || again[0].ID != jobs[0].ID {
		t.Fatalf("the later run's jobs %+v (%v); want the same batch", again, err)
	}
	for _, o := range harvest(t, later, again) {
		if !o.Stored {
			t.Errorf("outcome %+v", o)
		}
	}
	if n := srv.Stats().Batches; n != 1 {
		t.Errorf("%d batches created, want 1", n)
	}
}

// TestManifestsOfOtherShardsAreNotRead: a group reads the pending manifests that may
// cover its keys: not another shard's of the same grouping, nor another stage's; a
// grouping of another size (a resumed run with fewer misses) reads them all.
func TestManifestsOfOtherShardsAreNotRead(t *testing.T) {
	ctx := context.Background()
	c, _, _ := testClient(t, llmtest.Options{}, batchConfig(10, FallbackOnline))
	items := batchItems(t, c, manyRequests(6))
	for shard, part := range [][]BatchItem{items[:3], items[3:]} {
		if _, err := c.SubmitBatches(ctx, "generate", BatchGroup{Shard: shard, Shards: 2}, part); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		stage string
		g     BatchGroup
		want  int
	}{
		{"generate", BatchGroup{0, 2}, 1}, {"generate", BatchGroup{1, 2}, 1}, {"generate", BatchGroup{0, 3}, 2},
		{"generate", BatchGroup{}, 2}, {"judge_r1", BatchGroup{0, 2}, 0},
	} {
		m, err := c.pendingManifests(ctx, tc.stage, tc.g)
		if err != nil || len(m) != tc.want {
			t.Errorf("%s %v: %d manifests read (%v), want %d", tc.stage, tc.g, len(m), err, tc.want)
		}
	}
	if (BatchGroup{0, 2}).disjoint("0of2") || !(BatchGroup{0, 2}).disjoint("1of2") || (BatchGroup{0, 2}).disjoint("1of3") || (BatchGroup{0, 2}).disjoint("x1of2") {
		t.Error("disjoint")
	}
}
