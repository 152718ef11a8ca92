package publish

import (
	"context"
	"errors"
	"testing"

	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/gcs"

	"github.com/xinstruct/xinstruct/internal/gcstest"
)

// TestOnGCS fails and then publishes a run on gs://, against the emulator: an object
// that does not exist is told apart from a read that failed, and the temporary tree,
// which is only a prefix there, goes.
func TestOnGCS(t *testing.T) {
	ctx := context.Background()
	server := gcstest.Start(t, "bucket", map[string][]byte{
		"out/_SUCCESS":          []byte(`{"run_id":"r1"}`),
		"out/_temporary/r2/a/b": []byte("x"),
	})
	run := testRun("gs://bucket/out")
	if _, err := ReadManifest(ctx, "gs://bucket/elsewhere"); !errors.Is(err, ErrNoManifest) {
		t.Errorf("err = %v, want ErrNoManifest", err)
	}
	v, _ := NewVerdict(report{Read: 2}, map[string]int64{"clean": 2}, "")
	outputs := []OutputDir{{Dir: "clean/fi", Records: 1, Shards: []string{"gs://bucket/out/clean/fi/part-00000-of-00001.jsonl"}}}
	if _, err := Publish(ctx, run, outputs, nil, v); !errors.Is(err, ErrRunFailed) {
		t.Fatalf("err = %v, want the run failed", err)
	}
	m, err := ReadManifest(ctx, run.Output)
	if err != nil || m.RunID != "r2" || m.Failure == "" {
		t.Fatalf("manifest %+v, %v: want this run's failure", m, err)
	}

	outputs[0].Records = 2
	if _, err := Publish(ctx, run, outputs, nil, v); err != nil {
		t.Fatal(err)
	}
	if m, err = ReadManifest(ctx, run.Output); err != nil || m.RunID != "r2" || m.Failure != "" {
		t.Fatalf("manifest %+v, %v: want this run's success", m, err)
	}
	objects, _, err := server.ListObjects("bucket", "out/", "", false)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range objects {
		names = append(names, o.Name)
	}
	if len(names) != 2 || names[0] != "out/_SUCCESS" || names[1] != "out/report/funnel.json" {
		t.Errorf("objects %v, want the manifest and the report only", names)
	}
}
