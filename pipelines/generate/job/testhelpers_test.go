package job

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/xinstruct/xinstruct/io/llm/llmtest"
	"github.com/xinstruct/xinstruct/io/recordio"
	"github.com/xinstruct/xinstruct/runners/launch"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

func TestMain(m *testing.M) {
	code := ptest.MainRet(m)
	if built.bin != "" {
		os.RemoveAll(filepath.Dir(built.bin))
	}
	os.Exit(code)
}

// runJob builds and runs the job on ptest's runner (prism by default) and returns its outputs.
func runJob(t *testing.T, cfg Config) jobOutput {
	t.Helper()
	if cfg.RunID == "" {
		cfg.RunID = launch.NewRunID(time.Now())
	}
	p, s := beam.NewPipelineWithRoot()
	Build(s, cfg)
	if err := ptest.Run(p); err != nil {
		t.Fatalf("pipeline failed: %v", err)
	}
	return readOutput(t, cfg.Output)
}

type jobOutput struct {
	out      string
	clean    []recordio.CleanDoc
	pairs    []recordio.PairLine
	accepted []recordio.PairLine
	rejected []recordio.RejectedLine
	funnel   funnel.Report
	manifest Manifest
}

func readOutput(t *testing.T, out string) jobOutput {
	t.Helper()
	o := jobOutput{out: out}
	b, err := os.ReadFile(filepath.Join(out, SuccessFile))
	if err != nil {
		t.Fatalf("no manifest: %v", err)
	}
	if err := json.Unmarshal(b, &o.manifest); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	b, err = os.ReadFile(filepath.Join(out, FunnelFile))
	if err != nil {
		t.Fatalf("no funnel: %v", err)
	}
	if err := json.Unmarshal(b, &o.funnel); err != nil {
		t.Fatalf("funnel: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(out, "clean", "*", "part-*.jsonl"))
	for _, f := range files {
		eachLine(t, f, func(b []byte) {
			var d recordio.CleanDoc
			if err := json.Unmarshal(b, &d); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			o.clean = append(o.clean, d)
		})
	}
	files, _ = filepath.Glob(filepath.Join(out, "pairs", "*", "part-*.jsonl"))
	for _, f := range files {
		eachLine(t, f, func(b []byte) {
			var p recordio.PairLine
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			o.pairs = append(o.pairs, p)
		})
	}
	files, _ = filepath.Glob(filepath.Join(out, "accepted", "*", "part-*.jsonl"))
	for _, f := range files {
		eachLine(t, f, func(b []byte) {
			var p recordio.PairLine
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			o.accepted = append(o.accepted, p)
		})
	}
	files, _ = filepath.Glob(filepath.Join(out, "rejected", "*", "part-*.jsonl"))
	for _, f := range files {
		eachLine(t, f, func(b []byte) {
			var r recordio.RejectedLine
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			o.rejected = append(o.rejected, r)
		})
	}
	return o
}

func eachLine(t *testing.T, path string, fn func([]byte)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		fn(sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

// checkFunnel asserts the identities a user relies on: every record read is in exactly
// one output file; every stage's input is in its output or its dead letters, and is the
// previous stage's output; the accepted pairs are the judges' good ones; and the funnel,
// the files and the manifest agree.
func checkFunnel(t *testing.T, o jobOutput) {
	t.Helper()
	r := o.funnel
	if !r.Balanced || r.Read != r.Kept+r.Rejected {
		t.Errorf("funnel: read %d != kept %d + rejected %d", r.Read, r.Kept, r.Rejected)
	}
	rejected, pairs := r.Rejected, int64(0)
	byName := map[string]funnel.StageReport{}
	for _, st := range r.Stages {
		byName[st.Name] = st
		if !st.Balanced || st.In != st.Out+st.Rejected+st.Filtered {
			t.Errorf("stage %s: in %d != out %d + rejected %d + filtered %d", st.Name, st.In, st.Out, st.Rejected, st.Filtered)
		}
		rejected += st.Rejected
		if st.Name == "generate" {
			pairs = st.Out
		}
	}
	var good int64
	for i, st := range r.Stages {
		if i > 0 && !strings.HasPrefix(st.Name, "rewrite_") && !strings.HasPrefix(st.Name, "judge_") || i == 0 {
			continue
		}
		prev := r.Stages[i-1]
		want := prev.Out
		if strings.HasPrefix(st.Name, "rewrite_") { // only the flawed go on to be rewritten
			want = yield(r, prev.Name, "flawed")
		}
		if st.In != want {
			t.Errorf("stage %s took in %d, the stage before gave it %d", st.Name, st.In, want)
		}
		if strings.HasPrefix(st.Name, "judge_") {
			good += yield(r, st.Name, "good")
		}
	}
	if c, ok := byName["checks"]; ok {
		if c.In != pairs {
			t.Errorf("checks took in %d of the %d generated pairs", c.In, pairs)
		}
		if _, judged := byName["judge_r1"]; !judged { // no judge: every checked pair is accepted
			good = c.Out
		}
		if r.Accepted != good {
			t.Errorf("accepted %d, the judges said good %d times", r.Accepted, good)
		}
	}
	if int64(len(o.clean)) != r.Kept || int64(len(o.rejected)) != rejected || int64(len(o.pairs)) != pairs || int64(len(o.accepted)) != r.Accepted {
		t.Errorf("files hold %d kept, %d rejected, %d pairs, %d accepted; the funnel says %d, %d, %d, %d",
			len(o.clean), len(o.rejected), len(o.pairs), len(o.accepted), r.Kept, rejected, pairs, r.Accepted)
	}
	if d, ok := byName["diversify"]; ok {
		if d.In != r.Accepted {
			t.Errorf("diversify took in %d of the %d accepted pairs", d.In, r.Accepted)
		}
		checkDatasetFiles(t, o, d)
	}
	var inManifest int64
	for _, d := range o.manifest.Outputs {
		inManifest += d.Records
	}
	if want := r.Kept + rejected + pairs + r.Accepted; inManifest != want {
		t.Errorf("manifest lists %d records, the funnel %d", inManifest, want)
	}
}

func yield(r funnel.Report, stage, outcome string) int64 {
	var n int64
	for _, byOutcome := range r.Yields[stage] {
		n += byOutcome[outcome]
	}
	return n
}

// startFake starts the project's fake model server for the rest of the test.
func startFake(t *testing.T, opts llmtest.Options) (*llmtest.Server, string) {
	t.Helper()
	return llmtest.Start(t, opts)
}
