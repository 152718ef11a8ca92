package job

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/internal/testenv"
	"github.com/xinstruct/xinstruct/runners/launch"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/xinstruct/xinstruct/internal/gcstest"
	"github.com/xinstruct/xinstruct/io/dataset"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
	"github.com/xinstruct/xinstruct/io/versions"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

// TestGCSInAndOut runs the whole job, corpus to dataset, with its input, output and
// response store on gs://, against an in-process GCS emulator: the same storage client
// code path as on Google Cloud.
func TestGCSInAndOut(t *testing.T) {
	sample, err := os.ReadFile(testenv.Testdata("sample", "sample.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	server := gcstest.Start(t, "bucket", map[string][]byte{
		"corpus/sample.jsonl": sample,
		// An earlier run's output: the commit must replace it, and drop its extra shard.
		"out/_SUCCESS":                           []byte(`{"stale":true}`),
		"out/clean/fi/part-00007-of-00008.jsonl": []byte("{}\n"),
		"out/not-ours/part-00000-of-00001.jsonl": []byte("{}\n"),
		"out/dataset/xx.jsonl":                   []byte("{}\n"),
	})
	_, url := startFake(t, llmtest.Options{})
	cfg := generateConfig(t, url, "gs://bucket/out")
	cfg.Input = []string{"gs://bucket/corpus/*.jsonl"}
	cfg.Generate.LLM.Store = "gs://bucket/responses"
	cfg.Refine.Rounds = 1
	cfg.Diversify.PerLanguage = 2
	cfg.RunID = launch.NewRunID(time.Now())
	p, s := beam.NewPipelineWithRoot()
	Build(s, cfg)
	if err := ptest.Run(p); err != nil {
		t.Fatalf("pipeline failed: %v", err)
	}

	objects, _, err := server.ListObjects("bucket", "", "", false)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	content := map[string][]byte{}
	for _, o := range objects {
		names = append(names, o.Name)
		obj, err := server.GetObject("bucket", o.Name)
		if err != nil {
			t.Fatal(err)
		}
		content[o.Name] = obj.Content
	}
	sort.Strings(names)
	for _, n := range names {
		if strings.Contains(n, "_temporary") {
			t.Errorf("temporary object left behind: %s", n)
		}
	}
	if _, ok := content["out/clean/fi/part-00007-of-00008.jsonl"]; ok {
		t.Error("the earlier run's extra shard survived")
	}
	if _, ok := content["out/not-ours/part-00000-of-00001.jsonl"]; !ok {
		t.Error("a file outside the job's directories was removed")
	}
	var m Manifest
	if err := json.Unmarshal(content["out/_SUCCESS"], &m); err != nil || m.RunID != cfg.RunID {
		t.Fatalf("manifest not rewritten by this run (%v): %s", err, content["out/_SUCCESS"])
	}
	var kept int64
	for _, d := range m.Outputs {
		for _, shard := range d.Shards {
			if _, ok := content[strings.TrimPrefix(shard, "gs://bucket/")]; !ok {
				t.Errorf("manifest lists %s, which does not exist", shard)
			}
		}
		if strings.HasPrefix(d.Dir, "clean/") {
			kept += d.Records
		}
	}
	var funnelReport funnel.Report
	if err := json.Unmarshal(m.Report, &funnelReport); err != nil {
		t.Fatal(err)
	}
	if kept != 30 || funnelReport.Read != 38 || !funnelReport.Balanced {
		t.Errorf("funnel %+v, kept in shards %d; want 38 read, 30 kept", funnelReport, kept)
	}
	if _, ok := content["out/report/funnel.json"]; !ok {
		t.Error("no funnel report")
	}
	if _, ok := content["out/dataset/xx.jsonl"]; ok {
		t.Error("the earlier run's dataset file survived")
	}
	div := funnelReport.Stages[len(funnelReport.Stages)-1]
	if div.Name != "diversify" || div.Out == 0 || len(m.Files) != 2*len(div.OutByLanguage)+3+cardFigures(funnelReport) {
		t.Fatalf("diversify %+v, dataset files %d", div, len(m.Files))
	}
	for _, f := range m.Files {
		b, ok := content[strings.TrimPrefix(f.Path, "gs://bucket/")]
		if !ok || len(b) == 0 {
			t.Errorf("the manifest lists %s, which is missing or empty", f.Path)
		}
		if strings.HasSuffix(f.Path, ".jsonl") && int64(strings.Count(string(b), "\n")) != f.Records {
			t.Errorf("%s holds %d lines, the manifest says %d", f.Path, strings.Count(string(b), "\n"), f.Records)
		}
	}
	if !strings.Contains(string(content["out/dataset/README.md"]), "| Language | Instruction length |") {
		t.Error("no dataset card on gs://")
	}

	// The run's version: LATEST names it, its manifest lists the corpus with the
	// object's own CRC32C, and it holds a copy of the dataset.
	var ptr versions.Pointer
	if err := json.Unmarshal(content["out/"+versions.LatestFile], &ptr); err != nil || ptr.Version != versions.ID(cfg.RunID, cfg.StartedAt) || m.Version != ptr.Version {
		t.Fatalf("LATEST %s (%v); _SUCCESS names version %q; want this run's", content["out/"+versions.LatestFile], err, m.Version)
	}
	var vm versions.Manifest
	if err := json.Unmarshal(content["out/versions/"+ptr.Version+"/"+versions.ManifestFile], &vm); err != nil {
		t.Fatalf("the version's manifest: %v", err)
	}
	crc := fmt.Sprintf("%08x", crc32.Checksum(sample, crc32.MakeTable(crc32.Castagnoli)))
	if len(vm.Inputs) != 1 || vm.Inputs[0].Path != "gs://bucket/corpus/sample.jsonl" || vm.Inputs[0].CRC32C != crc || vm.Inputs[0].Size != int64(len(sample)) {
		t.Errorf("the version's inputs %+v; want the corpus with CRC32C %s", vm.Inputs, crc)
	}
	if vm.Counts["ingest"]["fi"] != 3 || vm.RunID != cfg.RunID {
		t.Errorf("the version's manifest %+v", vm)
	}
	mixed := "dataset/" + dataset.RelPath(dataset.MixedName, dataset.FormatJSONL)
	if c := content["out/versions/"+ptr.Version+"/"+mixed]; len(c) == 0 || string(c) != string(content["out/"+mixed]) {
		t.Errorf("the version's copy of %s differs from the published one", mixed)
	}
}
