package publish

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/fsouza/fake-gcs-server/fakestorage"

	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/gcs"

	"github.com/xinstruct/xinstruct/internal/gcstest"
	"github.com/xinstruct/xinstruct/io/versions"
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

// TestVersionsOnGCS publishes two versions on gs://, keeping one: the version holds a
// copy of the run's files and a manifest whose inputs carry GCS's own CRC32C and MD5,
// LATEST names the second, and the first is gone.
func TestVersionsOnGCS(t *testing.T) {
	ctx := context.Background()
	corpus := []byte(`{"text":"tere"}` + "\n")
	server := gcstest.Start(t, "bucket", map[string][]byte{"in/corpus.jsonl": corpus})
	commit := func(run Run, n int) (Manifest, error) {
		data := []byte(strings.Repeat("{}\n", n))
		server.CreateObject(fakestorage.Object{ObjectAttrs: fakestorage.ObjectAttrs{BucketName: "bucket", Name: "out/dataset/fi.jsonl"}, Content: data})
		v, _ := NewVerdict(report{Read: int64(n)}, map[string]int64{"dataset": int64(n)}, "")
		v.Version = &versions.Facts{Counts: map[string]map[string]int64{"diversify": {"fi": int64(n)}}}
		return Publish(ctx, run, nil, []File{{Path: "gs://bucket/out/dataset/fi.jsonl", Records: int64(n)}}, v)
	}
	run1 := versionedRun("gs://bucket/out", 1, 1, "gs://bucket/in/*.jsonl")
	if _, err := commit(run1, 1); err != nil {
		t.Fatal(err)
	}
	run2 := versionedRun("gs://bucket/out", 2, 1, "gs://bucket/in/*.jsonl")
	if _, err := commit(run2, 2); err != nil {
		t.Fatal(err)
	}
	id1, id2 := versions.ID(run1.RunID, run1.StartedAt), versions.ID(run2.RunID, run2.StartedAt)
	ptr, err := versions.ReadLatest(ctx, "gs://bucket/out")
	if err != nil || ptr.Version != id2 || ptr.Previous != id1 || ptr.Path != "versions/"+id2 {
		t.Fatalf("LATEST %+v, %v; want %s after %s", ptr, err, id2, id1)
	}
	m, err := versions.ReadManifest(ctx, versions.Path("gs://bucket/out", id2))
	if err != nil {
		t.Fatal(err)
	}
	md5sum := md5.Sum(corpus)
	want := fmt.Sprintf("%08x", crc32.Checksum(corpus, crc32.MakeTable(crc32.Castagnoli)))
	if len(m.Inputs) != 1 || m.Inputs[0].Path != "gs://bucket/in/corpus.jsonl" || m.Inputs[0].CRC32C != want ||
		m.Inputs[0].MD5 != hex.EncodeToString(md5sum[:]) || m.Inputs[0].Size != int64(len(corpus)) || m.Inputs[0].Generation == 0 {
		t.Errorf("inputs %+v; want the object's CRC32C %s and MD5", m.Inputs, want)
	}
	if m.Previous != id1 || m.Counts["diversify"]["fi"] != 2 {
		t.Errorf("manifest %+v", m)
	}
	obj, err := server.GetObject("bucket", "out/versions/"+id2+"/dataset/fi.jsonl")
	if err != nil || string(obj.Content) != "{}\n{}\n" {
		t.Errorf("the version's copy of the dataset: %q, %v", obj.Content, err)
	}
	objects, _, _ := server.ListObjects("bucket", "out/versions/"+id1+"/", "", false)
	if len(objects) != 0 {
		t.Errorf("version 1 still has %d objects after keep=1", len(objects))
	}
}
