package job

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/xinstruct/xinstruct/internal/secrettest"
	"github.com/xinstruct/xinstruct/internal/testenv"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
	"github.com/xinstruct/xinstruct/transforms/pairjudge"
)

// keyed serves fake behind a check that every request carries key; it counts refusals
// and, in accepted, the requests let through.
func keyed(t *testing.T, fake *llmtest.Server, key string, refused, accepted *atomic.Int64) string {
	h := fake.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+key {
			refused.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		accepted.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1"
}

// TestJudgeAndModelsWithTheirOwnKeys: the answering models read their key from env:NAME
// and the judge its own from a (fake) Secret Manager version, with $OPENAI_API_KEY
// unset; each endpoint accepts only its own key, the run succeeds, and neither key is in
// the outputs or what the run printed.
func TestJudgeAndModelsWithTheirOwnKeys(t *testing.T) {
	const modelKey, judgeKey = "sk-answer-models-KEY-1357", "sk-judge-only-KEY-8642"
	const version = "projects/xinstruct-test/secrets/judge/versions/4"
	t.Setenv(llm.APIKeyEnv, "")
	t.Setenv("XINSTRUCT_MODELS_KEY", modelKey)
	sm := secrettest.Start(t)
	sm.Set(version, []byte(judgeKey))
	var refused, answered, judged atomic.Int64
	aURL := keyed(t, llmtest.New(llmtest.Options{Answerers: map[string]llmtest.Answerer{"strong-1": {Quality: 7}, "base-1": {Quality: 5}}}), modelKey, &refused, &answered)
	jURL := keyed(t, llmtest.New(llmtest.Options{EvalJudge: llmtest.EvalJudge{Accuracy: 1}}), judgeKey, &refused, &judged)

	cfg := evalConfig(t, []string{testenv.Testdata("eval", "vicuna.jsonl")}, []string{"fi"})
	store := filepath.Join(t.TempDir(), "store")
	strong, base, judge := testLLM(aURL, "strong-1", store), testLLM(aURL, "base-1", store), testLLM(jURL, "judge-1", store)
	strong.APIKeySecret, base.APIKeySecret, judge.APIKeySecret = "env:XINSTRUCT_MODELS_KEY", "env:XINSTRUCT_MODELS_KEY", version
	cfg.Models = []Model{{Name: "strong", LLM: strong}, {Name: "base", LLM: base}}
	cfg.Baseline, cfg.Judge, cfg.Format = "base", judge, pairjudge.FormatPairwise
	code, stdout, stderr := execute(t, cfg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if answered.Load() == 0 || judged.Load() == 0 {
		t.Fatalf("%d answer and %d judge calls: want some of each", answered.Load(), judged.Load())
	}
	t.Logf("%d answer calls with the models' key, %d judge calls with the judge's", answered.Load(), judged.Load())
	if refused.Load() != 0 {
		t.Fatalf("%d calls were refused: a key did not arrive", refused.Load())
	}
	for _, key := range []string{modelKey, judgeKey} {
		if strings.Contains(stdout+stderr, key) {
			t.Errorf("the run printed a key")
		}
		filepath.WalkDir(filepath.Dir(cfg.Output), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if b, _ := os.ReadFile(p); strings.Contains(string(b), key) {
					t.Errorf("a key is written in %s", p)
				}
			}
			return nil
		})
	}
}
