package job

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/internal/portabletest"
	"github.com/xinstruct/xinstruct/internal/testenv"
)

// TestDefaultEvalOnProcessWorkers runs the eval's offline demo (the stand-in's two
// models and judge, the bundled questions) on the portable runner with PROCESS workers
// that re-execute the binary, as Flink and Dataflow do, and requires the same
// leaderboard as the in-process run. Slow: XINSTRUCT_PORTABLE_TESTS=1, which .ci/run sets.
func TestDefaultEvalOnProcessWorkers(t *testing.T) {
	env := portabletest.Setup(t)
	bin := env.BuildWorker(t, "github.com/xinstruct/xinstruct/pipelines/eval")
	questions := "--questions=" + testenv.Testdata("eval", "*.jsonl")
	local, remote := filepath.Join(t.TempDir(), "local"), filepath.Join(t.TempDir(), "remote")
	if _, err := portabletest.RunInProcess(t, bin, nil, questions, "--output="+local); err != nil {
		t.Fatal(err)
	}
	out, err := env.Run(t, bin, nil, questions, "--output="+remote)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "leaderboard: "+filepath.Join(remote, "report", ReadmeName)) || !strings.Contains(out, "PLACEHOLDER") {
		t.Errorf("the portable run's summary names no leaderboard or does not say it is placeholder:\n%s", out)
	}
	a, b := readResults(t, local), readResults(t, remote)
	if len(a.Results) == 0 || a.Results[len(a.Results)-1].N == 0 {
		t.Fatalf("the in-process run judged nothing: %+v", a.Results)
	}
	if !reflect.DeepEqual(a.Results, b.Results) {
		t.Errorf("the leaderboards differ:\nin-process %+v\nportable   %+v", a.Results, b.Results)
	}
	if a.Calls != b.Calls {
		t.Errorf("calls: in-process %d, portable %d", a.Calls, b.Calls)
	}
}

func readResults(t *testing.T, out string) Report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, "report", ResultsName))
	if err != nil {
		t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}
