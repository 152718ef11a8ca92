package llm

import (
	"context"
	"testing"
	"time"

	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/gcs"

	"github.com/xinstruct/xinstruct/internal/gcstest"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

// TestBatchManifestsOnGCS: with the store on gs://, the manifests are written, listed,
// adopted by a resumed client and moved to done/ there, as locally.
func TestBatchManifestsOnGCS(t *testing.T) {
	ctx := context.Background()
	gcstest.Start(t, "bkt", nil)
	c, srv, cfg := testClient(t, llmtest.Options{BatchDelay: 10 * time.Millisecond}, func(cfg *Config) {
		batchConfig(3, FallbackOnline)(cfg)
		cfg.Store = "gs://bkt/store"
	})
	items := batchItems(t, c, manyRequests(5))
	first, err := c.SubmitBatches(ctx, "generate", BatchGroup{}, items)
	if err != nil || len(first) != 2 {
		t.Fatalf("jobs %+v: %v", first, err)
	}
	resumed := sameClient(t, cfg)
	again, err := resumed.SubmitBatches(ctx, "generate", BatchGroup{}, batchItems(t, resumed, manyRequests(5)))
	if err != nil || len(again) != 2 || srv.Stats().Batches != 2 {
		t.Fatalf("resumed: jobs %+v, %d batches in all (%v); want the first 2", again, srv.Stats().Batches, err)
	}
	for _, o := range harvest(t, resumed, again) {
		if !o.Stored {
			t.Errorf("outcome %+v", o)
		}
	}
	if pending, err := resumed.pendingManifests(ctx, "generate", BatchGroup{}); err != nil || len(pending) != 0 {
		t.Errorf("%d manifests still pending (%v)", len(pending), err)
	}
	for _, j := range again {
		if m, ok, err := readManifest(ctx, resumed.manifestPath(batchesDone, j.Manifest)); err != nil || !ok || m.State != stateDone || m.Status != "completed" {
			t.Errorf("done manifest of %s: %+v %v %v", j.ID, m, ok, err)
		}
	}
	if again := batchItems(t, resumed, manyRequests(5)); len(again) != 0 {
		t.Errorf("%d requests still missing from the gs:// store", len(again))
	}
}
