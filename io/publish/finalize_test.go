package publish

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/xinstruct/xinstruct/io/shardio"
)

func init() {
	register.Function1x2(countOne)
	register.DoFn2x2[[]byte, func(*string, *int) bool, Verdict, error](&verdictFn{})
	register.Iter2[string, int]()
}

func TestMain(m *testing.M) { ptest.Main(m) }

func countOne(key string) (string, int) { return key, 1 }

// verdictFn is what a pipeline's own verdict step looks like: counts in, a report, the
// expected counts and a reason out.
type verdictFn struct{ Lie bool }

func (fn *verdictFn) ProcessElement(_ []byte, counts func(*string, *int) bool) (Verdict, error) {
	all := SumCounts(counts)
	expect := map[string]int64{"clean": all["kept"], "dataset/fi.jsonl": all["selected"]}
	failure := ""
	if fn.Lie {
		failure = "the funnel does not balance"
	}
	return NewVerdict(report{Read: all["kept"]}, expect, failure)
}

func finalizePipeline(out string, lie bool) *beam.Pipeline {
	p, s := beam.NewPipelineWithRoot()
	shards := beam.CreateList(s, []shardio.File{
		{Dir: "clean/fi", Path: filepath.Join(out, "clean/fi/part-00000-of-00001.jsonl"), Records: 2},
		{Dir: "clean/sw", Path: filepath.Join(out, "clean/sw/part-00000-of-00001.jsonl"), Records: 1},
	})
	files := beam.CreateList(s, []File{{Path: filepath.Join(out, "dataset/fi.jsonl"), Records: 1}})
	counts := beam.ParDo(s, countOne, beam.CreateList(s, []string{"kept", "kept", "kept", "selected"}))
	verdict := beam.ParDo(s, &verdictFn{Lie: lie}, beam.Impulse(s), beam.SideInput{Input: counts})
	run := testRun(out)
	Finalize(s, run, shards, files, verdict)
	return p
}

func TestFinalizePublishesOnTheRunner(t *testing.T) {
	out := t.TempDir()
	put(t, out, map[string]string{"_temporary/r2/x": "x"})
	if err := ptest.Run(finalizePipeline(out, false)); err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	if m.RunID != "r2" || m.Failure != "" || len(m.Outputs) != 2 || len(m.Files) != 1 || compact(m.Report) != `{"read":3,"by_reason":null}` ||
		compact(m.Params) != `{"k":1}` {
		t.Errorf("manifest %+v", m)
	}
	if exists(filepath.Join(out, TempRoot)) {
		t.Error("the temporary tree is still there")
	}
}

func TestFinalizeFailsTheRunWithTheVerdictsReason(t *testing.T) {
	out := t.TempDir()
	put(t, out, map[string]string{SuccessFile: `{"run_id":"r1"}`})
	err := ptest.Run(finalizePipeline(out, true))
	if err == nil || !strings.Contains(err.Error(), "the funnel does not balance") {
		t.Fatalf("err = %v, want the pipeline failed with the reason", err)
	}
	m, err := ReadManifest(context.Background(), out)
	if err != nil || m.RunID != "r2" || m.Failure != "the funnel does not balance" {
		t.Errorf("manifest %+v, %v: want this run's _FAILURE", m, err)
	}
	if exists(filepath.Join(out, SuccessFile)) {
		t.Error("the earlier run's _SUCCESS survived")
	}
}

func TestFinalizePanicsOnAnInvalidRun(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "RunID") {
			t.Errorf("recovered %v, want a panic about the run id", r)
		}
	}()
	_, s := beam.NewPipelineWithRoot()
	empty := beam.CreateList(s, []File{})
	Finalize(s, Run{Job: "j", Output: "/o", RunID: "a/b"}, empty, empty, empty)
}
