package job

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/xinstruct/xinstruct/internal/gcstest"
	"github.com/xinstruct/xinstruct/internal/portabletest"
	"github.com/xinstruct/xinstruct/internal/secrettest"
	"github.com/xinstruct/xinstruct/internal/testenv"
	"github.com/xinstruct/xinstruct/io/dataset"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/versions"
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
	// The worker that published made the version from what the job carried: LATEST,
	// the manifest with the launcher's build, and the version's copy of the dataset.
	ptr, err := versions.ReadLatest(context.Background(), remote)
	if err != nil {
		t.Fatal(err)
	}
	m, err := versions.ReadManifest(context.Background(), versions.Path(remote, ptr.Version))
	if err != nil || m.Build.BinarySHA256 == versions.Unknown || len(m.Inputs) != 1 || m.Counts["ingest"]["fi"] != a.funnel.KeptByLanguage["fi"] {
		t.Errorf("the portable run's version manifest %+v (%v)", m, err)
	}
	mixed := filepath.Join(dataset.Dir, filepath.FromSlash(dataset.RelPath(dataset.MixedName, dataset.FormatJSONL)))
	want, _ := os.ReadFile(filepath.Join(remote, mixed))
	if got, err := os.ReadFile(filepath.Join(versions.Path(remote, ptr.Version), mixed)); err != nil || !bytes.Equal(got, want) {
		t.Errorf("the portable run's version holds another %s (%v)", mixed, err)
	}
}

// TestGCSAndSecretOnProcessWorkers runs the job against a model endpoint (the project's
// fake server, which refuses any request without its API key) on the portable runner with
// PROCESS workers, as Flink and Dataflow do, with its corpus, outputs and response store
// on gs:// (a GCS emulator) and the key read by reference from a (fake) Secret Manager:
// the key is in no flag and in no variable given to the launcher or the workers, so each
// worker must read it from Secret Manager itself. The funnel and dataset must equal an
// in-process run's of the same binary on the same corpus, and the key must be in no
// object of the bucket (outputs and stores), nothing the launchers printed and nothing
// the workers logged. Slow: XINSTRUCT_PORTABLE_TESTS=1, which .ci/run sets.
func TestGCSAndSecretOnProcessWorkers(t *testing.T) {
	const key = "sk-worker-path-NEVER-WRITE-ME-7301"
	const version = "projects/p/secrets/s/versions/1"
	t.Setenv(llm.APIKeyEnv, "") // no fallback: the key comes by reference or not at all
	env := portabletest.Setup(t)
	bin := env.BuildWorker(t, "github.com/xinstruct/xinstruct/pipelines/generate")

	sample, err := os.ReadFile(testenv.Testdata("sample", "sample.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	gcs := gcstest.Start(t, "bucket", map[string][]byte{"corpus/sample.jsonl": sample})
	sm := secrettest.Start(t)
	sm.Set(version, []byte(key+"\n"))
	g := startGated(t)
	var refused atomic.Int64
	g.setRefuse(func(r *http.Request, _ []byte) int {
		if r.Header.Get("Authorization") != "Bearer "+key {
			refused.Add(1)
			return http.StatusUnauthorized
		}
		return 0
	})
	// Where the emulators listen: not secrets. The launcher has them from gcstest and
	// secrettest (t.Setenv); workers only get what is passed here.
	workerEnv := map[string]string{
		"STORAGE_EMULATOR_HOST":      os.Getenv("STORAGE_EMULATOR_HOST"),
		llm.SecretManagerEmulatorEnv: sm.Addr,
	}
	args := func(run string) []string {
		return []string{
			"--input=gs://bucket/corpus/*.jsonl",
			"--output=gs://bucket/" + run + "/out",
			"--response_store=gs://bucket/" + run + "/responses", // one per run: both call the model
			"--llm_base_url=" + g.URL,
			"--generator_model=writer-1",
			"--api_key_secret=" + version,
		}
	}

	local, err := portabletest.RunInProcess(t, bin, nil, args("inprocess")...)
	if err != nil {
		t.Fatal(err)
	}
	localCalls, localReads := g.answered.Load(), sm.Calls.Load()
	remote, err := env.Run(t, bin, workerEnv, args("portable")...)
	if err != nil {
		t.Fatal(err)
	}
	remoteCalls, remoteReads := g.answered.Load()-localCalls, sm.Calls.Load()-localReads
	t.Logf("model calls: in-process %d, portable %d; Secret Manager reads: %d, %d", localCalls, remoteCalls, localReads, remoteReads)
	if refused.Load() != 0 {
		t.Fatalf("the endpoint refused %d calls: the key did not arrive", refused.Load())
	}
	if remoteCalls == 0 || remoteCalls != localCalls {
		t.Errorf("the portable run made %d model calls, the in-process one %d", remoteCalls, localCalls)
	}
	// The launcher reads the key for its pre-flight; each worker process reads it once more.
	if remoteReads < 2 {
		t.Errorf("Secret Manager was read %d times during the portable run; want the launcher's read and the workers'", remoteReads)
	}
	if !strings.Contains(remote, "dataset: gs://bucket/portable/out/dataset") {
		t.Errorf("the portable run's summary does not name its dataset:\n%s", remote)
	}

	dir := t.TempDir()
	gcstest.Download(t, gcs, "bucket", "", dir)
	a, b := readOutput(t, filepath.Join(dir, "inprocess", "out")), readOutput(t, filepath.Join(dir, "portable", "out"))
	if a.funnel.Accepted == 0 || a.funnel.Kept == 0 {
		t.Fatalf("the in-process run accepted nothing: %+v", a.funnel)
	}
	a.funnel.RunID, b.funnel.RunID = "", ""
	if !reflect.DeepEqual(a.funnel, b.funnel) {
		t.Errorf("the funnels differ:\nin-process %+v\nportable   %+v", a.funnel, b.funnel)
	}
	names, _ := filepath.Glob(filepath.Join(a.out, dataset.Dir, dataset.FormatJSONL, "*", dataset.Split+".jsonl"))
	if len(names) < 2 {
		t.Fatalf("the in-process run wrote %d dataset files", len(names))
	}
	for _, name := range names {
		rel, _ := filepath.Rel(a.out, name)
		want, _ := os.ReadFile(name)
		got, err := os.ReadFile(filepath.Join(b.out, rel))
		if err != nil || !bytes.Equal(got, want) || len(want) == 0 {
			t.Errorf("%s differs between the portable and the in-process run (%v)", rel, err)
		}
	}

	if stored := grepTree(t, filepath.Join(dir, "portable", "responses"), ""); len(stored) == 0 { // "": every file
		t.Errorf("the portable run stored no response in gs://bucket/portable/responses")
	}
	if hits := grepTree(t, dir, key); len(hits) > 0 {
		t.Errorf("the key is written in %v", hits)
	}
	for what, s := range map[string]string{"in-process launcher's output": local, "portable launcher's output": remote, "workers' log": env.Log()} {
		if strings.Contains(s, key) {
			t.Errorf("the key is in the %s", what)
		}
	}
}
