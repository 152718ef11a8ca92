package job

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/internal/portabletest"
	"github.com/xinstruct/xinstruct/internal/testenv"
	"github.com/xinstruct/xinstruct/io/dataset"
)

// TestDefaultJobOnProcessWorkers runs the README's first command (the stand-in model, the
// bundled sample) on the portable runner with PROCESS workers that re-execute the binary,
// as Flink and Dataflow do, and requires the same dataset as the in-process run. Before
// the stand-in was a fake:// URL each worker serves for itself, the launcher's 127.0.0.1
// server was baked into the job and every document was dead-lettered on a cluster.
// Slow (it builds prism and the worker): XINSTRUCT_PORTABLE_TESTS=1, which .ci/run sets.
func TestDefaultJobOnProcessWorkers(t *testing.T) {
	env := portabletest.Setup(t)
	bin := env.BuildWorker(t, "github.com/xinstruct/xinstruct/pipelines/generate")
	input := "--input=" + testenv.Testdata("sample", "*.jsonl")
	local, remote := filepath.Join(t.TempDir(), "local"), filepath.Join(t.TempDir(), "remote")
	if _, err := portabletest.RunInProcess(t, bin, nil, input, "--output="+local); err != nil {
		t.Fatal(err)
	}
	out, err := env.Run(t, bin, nil, input, "--output="+remote)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "dataset: "+filepath.Join(remote, "dataset")) {
		t.Errorf("the portable run's summary does not name its dataset:\n%s", out)
	}
	a, b := readOutput(t, local), readOutput(t, remote)
	if b.funnel.Kept != a.funnel.Kept || len(b.rejected) != len(a.rejected) || len(b.accepted) != len(a.accepted) {
		t.Errorf("portable run: kept %d, rejected %d, accepted %d; in-process: %d, %d, %d",
			b.funnel.Kept, len(b.rejected), len(a.accepted), a.funnel.Kept, len(a.rejected), len(a.accepted))
	}
	names, _ := filepath.Glob(filepath.Join(local, dataset.Dir, dataset.FormatJSONL, "*", dataset.Split+".jsonl"))
	if len(names) < 2 {
		t.Fatalf("the in-process run wrote %d dataset files", len(names))
	}
	for _, name := range names {
		rel, _ := filepath.Rel(local, name)
		want, _ := os.ReadFile(name)
		got, err := os.ReadFile(filepath.Join(remote, rel))
		if err != nil || !bytes.Equal(got, want) || len(want) == 0 {
			t.Errorf("%s differs between the portable and the in-process run (%v)", rel, err)
		}
	}
}
