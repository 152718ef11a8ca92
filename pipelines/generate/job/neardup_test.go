package job

import (
	"bufio"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/internal/plant"
	"github.com/xinstruct/xinstruct/internal/portabletest"
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/testenv"
)

// TestNearDuplicatesAreDeadLettered runs ingest on the sample's 30 good documents
// (a.jsonl) and a reordered copy of each that has three sentences or more (b.jsonl):
// every copy is a near_duplicate dead letter naming its original, the funnel counts them
// and balances, and --near_dup=false keeps them all.
func TestNearDuplicatesAreDeadLettered(t *testing.T) {
	in, a, b := writeNearDupCorpus(t)
	for _, on := range []bool{true, false} {
		cfg := DefaultConfig()
		cfg.StopAfter, cfg.NearDup = StageIngest, on
		cfg.Input = []string{filepath.Join(in, "*.jsonl")}
		cfg.Output = t.TempDir()
		o := runJob(t, cfg)
		near := 0
		for _, r := range o.rejected {
			if r.Reason != record.ReasonNearDuplicate {
				continue
			}
			near++
			orig := strings.TrimSuffix(r.ID, "-copy")
			if r.Stage != record.StageIngest || !strings.HasPrefix(r.Detail, "near-duplicate of "+orig+" ("+filepath.Join(in, "a.jsonl")+":") {
				t.Errorf("dead letter %+v: want stage ingest, naming %s in a.jsonl", r, orig)
			}
		}
		want := len(b)
		if !on {
			want = 0
		}
		if near != want || o.funnel.RejectedByReason[record.ReasonNearDuplicate] != int64(want) {
			t.Errorf("near_dup=%v: %d near_duplicate dead letters, funnel %d; want %d", on, near, o.funnel.RejectedByReason[record.ReasonNearDuplicate], want)
		}
		if r := o.funnel; r.Read != int64(len(a)+len(b)) || r.Read != r.Kept+r.Rejected {
			t.Errorf("near_dup=%v: funnel read %d (wrote %d), kept %d, rejected %d", on, r.Read, len(a)+len(b), r.Kept, r.Rejected)
		}
	}
}

// writeNearDupCorpus writes the sample's 30 good documents to a.jsonl and a reordered
// copy of each that has three sentences or more to b.jsonl, and returns the directory and
// the records of each file.
func writeNearDupCorpus(t *testing.T) (dir string, a, b []map[string]any) {
	t.Helper()
	dir = t.TempDir()
	f, err := os.Open(testenv.Testdata("sample", "sample.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := rand.New(rand.NewPCG(1, 1))
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() && len(a) < 30 {
		var d map[string]any
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		a = append(a, d)
		text, ok := plant.Edit(r, plant.Reorder, d["text"].(string), d["lang"].(string), "")
		if !ok {
			continue
		}
		b = append(b, map[string]any{"id": d["id"].(string) + "-copy", "lang": d["lang"], "text": text})
	}
	if len(b) < 10 {
		t.Fatalf("only %d sample documents have three sentences to reorder", len(b))
	}
	writeJSONL(t, filepath.Join(dir, "a.jsonl"), a)
	writeJSONL(t, filepath.Join(dir, "b.jsonl"), b)
	return dir, a, b
}

// TestNearDuplicatesOnProcessWorkers runs ingest over the same corpus on the portable
// runner with PROCESS workers, as Flink and Dataflow do (every shuffle encoded, every
// DoFn rebuilt from the job), and requires the in-process run's near-duplicate dead
// letters, one per copy. Slow: XINSTRUCT_PORTABLE_TESTS=1, which .ci/run sets.
func TestNearDuplicatesOnProcessWorkers(t *testing.T) {
	env := portabletest.Setup(t)
	bin := env.BuildWorker(t, "github.com/xinstruct/xinstruct/pipelines/generate")
	in, _, b := writeNearDupCorpus(t)
	args := []string{"--input=" + filepath.Join(in, "*.jsonl"), "--stop_after=ingest"}
	local, remote := filepath.Join(t.TempDir(), "local"), filepath.Join(t.TempDir(), "remote")
	if _, err := portabletest.RunInProcess(t, bin, nil, append(args, "--output="+local)...); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Run(t, bin, nil, append(args, "--output="+remote)...); err != nil {
		t.Fatal(err)
	}
	details := func(out string) []string {
		var ds []string
		for _, r := range readOutput(t, out).rejected {
			if r.Reason == record.ReasonNearDuplicate {
				ds = append(ds, r.ID+": "+r.Detail)
			}
		}
		slices.Sort(ds)
		return ds
	}
	want, got := details(local), details(remote)
	if len(want) != len(b) || !slices.Equal(got, want) {
		t.Errorf("near_duplicate dead letters: %d on PROCESS workers, %d in process, %d copies written\n%q\n%q", len(got), len(want), len(b), got, want)
	}
}
