package job

import (
	"bytes"
	"encoding/json"
	"io/fs"
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
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
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

// TestGCSAndSecretsOnProcessWorkers runs an eval against model endpoints (the project's
// fake server, three of them, each refusing any request without its own API key) on the
// portable runner with PROCESS workers, as Flink and Dataflow do, with the questions,
// outputs and response store on gs:// (a GCS emulator) and every key read by reference
// from a (fake) Secret Manager, by each of the three ways to give one: --api_key_secret
// (the baseline), #REF in --models (the other model) and --judge_api_key_secret. No key
// is in a flag or in a variable given to the launcher or the workers, so each worker
// must read them from Secret Manager itself. The report must equal an in-process run's
// of the same binary on the same questions, and no key may be in any object of the
// bucket (outputs and stores), anything the launchers printed or anything the workers
// logged. Slow: XINSTRUCT_PORTABLE_TESTS=1, which .ci/run sets.
func TestGCSAndSecretsOnProcessWorkers(t *testing.T) {
	const baseRef, strongRef, judgeRef = "projects/p/secrets/base/versions/1", "projects/p/secrets/strong/versions/2", "projects/p/secrets/judge/versions/3"
	keys := map[string]string{ // secret version -> key
		baseRef:   "sk-baseline-NEVER-WRITE-ME-1113",
		strongRef: "sk-strong-NEVER-WRITE-ME-2227",
		judgeRef:  "sk-judge-NEVER-WRITE-ME-3331",
	}
	t.Setenv(llm.APIKeyEnv, "") // no fallback: the keys come by reference or not at all
	env := portabletest.Setup(t)
	bin := env.BuildWorker(t, "github.com/xinstruct/xinstruct/pipelines/eval")

	questions, err := os.ReadFile(testenv.Testdata("eval", "vicuna.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	gcs := gcstest.Start(t, "bucket", map[string][]byte{"questions/vicuna.jsonl": questions})
	sm := secrettest.Start(t)
	for ref, key := range keys {
		sm.Set(ref, []byte(key))
	}
	var refused, answered, judged atomic.Int64
	answerers := llmtest.Options{Answerers: map[string]llmtest.Answerer{"strong-1": {Quality: 7}, "base-1": {Quality: 5, WrongLanguageRate: 0.2}}}
	baseURL := keyed(t, llmtest.New(answerers), keys[baseRef], &refused, &answered)
	strongURL := keyed(t, llmtest.New(answerers), keys[strongRef], &refused, &answered)
	judgeURL := keyed(t, llmtest.New(llmtest.Options{EvalJudge: llmtest.EvalJudge{Accuracy: 0.8, PositionBias: 0.2}}), keys[judgeRef], &refused, &judged)
	// Where the emulators listen: not secrets. The launcher has them from gcstest and
	// secrettest (t.Setenv); workers only get what is passed here.
	workerEnv := map[string]string{
		"STORAGE_EMULATOR_HOST":      os.Getenv("STORAGE_EMULATOR_HOST"),
		llm.SecretManagerEmulatorEnv: sm.Addr,
	}
	args := func(run string) []string {
		return []string{
			"--questions=gs://bucket/questions/*.jsonl",
			"--languages=fi,sw",
			"--output=gs://bucket/" + run + "/out",
			"--response_store=gs://bucket/" + run + "/responses", // one per run: both call the models
			"--llm_base_url=" + baseURL,
			"--api_key_secret=" + baseRef,
			"--models=strong=strong-1@" + strongURL + "#" + strongRef + ",base=base-1",
			"--baseline=base",
			"--judge_model=judge-1",
			"--judge_base_url=" + judgeURL,
			"--judge_api_key_secret=" + judgeRef,
			"--bootstrap=300",
		}
	}

	local, err := portabletest.RunInProcess(t, bin, nil, args("inprocess")...)
	if err != nil {
		t.Fatal(err)
	}
	localAnswers, localJudged, localReads := answered.Load(), judged.Load(), sm.Calls.Load()
	remote, err := env.Run(t, bin, workerEnv, args("portable")...)
	if err != nil {
		t.Fatal(err)
	}
	remoteAnswers, remoteJudged, remoteReads := answered.Load()-localAnswers, judged.Load()-localJudged, sm.Calls.Load()-localReads
	t.Logf("answer calls: in-process %d, portable %d; judge calls: %d, %d; Secret Manager reads: %d, %d",
		localAnswers, remoteAnswers, localJudged, remoteJudged, localReads, remoteReads)
	if refused.Load() != 0 {
		t.Fatalf("the endpoints refused %d calls: a key did not arrive", refused.Load())
	}
	if remoteAnswers == 0 || remoteJudged == 0 || remoteAnswers != localAnswers || remoteJudged != localJudged {
		t.Errorf("the portable run made %d answer and %d judge calls, the in-process one %d and %d",
			remoteAnswers, remoteJudged, localAnswers, localJudged)
	}
	// The launcher reads each key for its pre-flight; each worker process reads the
	// keys of the stages it runs once more.
	if remoteReads < int64(len(keys))+1 {
		t.Errorf("Secret Manager was read %d times during the portable run; want the launcher's %d reads and the workers'", remoteReads, len(keys))
	}
	if !strings.Contains(remote, "leaderboard: gs://bucket/portable/out/report/"+ReadmeName) {
		t.Errorf("the portable run's summary names no leaderboard:\n%s", remote)
	}

	dir := t.TempDir()
	gcstest.Download(t, gcs, "bucket", "", dir)
	a, b := readResults(t, filepath.Join(dir, "inprocess", "out")), readResults(t, filepath.Join(dir, "portable", "out"))
	if len(a.Results) == 0 || a.Results[len(a.Results)-1].N == 0 {
		t.Fatalf("the in-process run judged nothing: %+v", a.Results)
	}
	a.RunID, b.RunID, a.Funnel.RunID, b.Funnel.RunID = "", "", "", ""
	if !reflect.DeepEqual(a, b) {
		t.Errorf("the reports differ:\nin-process %+v\nportable   %+v", a, b)
	}

	var stored int
	eachFile(filepath.Join(dir, "portable", "responses"), func(string, []byte) { stored++ })
	if stored == 0 {
		t.Errorf("the portable run stored no response in gs://bucket/portable/responses")
	}
	eachFile(dir, func(name string, b []byte) {
		for _, key := range keys {
			if bytes.Contains(b, []byte(key)) {
				t.Errorf("a key is written in %s", name)
			}
		}
	})
	for what, s := range map[string]string{"in-process launcher's output": local, "portable launcher's output": remote, "workers' log": env.Log()} {
		for _, key := range keys {
			if strings.Contains(s, key) {
				t.Errorf("a key is in the %s", what)
			}
		}
	}
}

// eachFile calls f with the name and content of every file under root.
func eachFile(root string, f func(name string, b []byte)) {
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, err := os.ReadFile(p); err == nil {
				f(p, b)
			}
		}
		return nil
	})
}
