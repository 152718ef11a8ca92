package job

import (
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/internal/testenv"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/runners/launch"
)

func TestParseModels(t *testing.T) {
	specs, err := ParseModels("mine=org/model@v2@http://localhost:8000/v1, gpt=gpt-4o-mini ,x=llama3:8b@https://h.example/v1")
	if err != nil {
		t.Fatal(err)
	}
	want := []ModelSpec{{"mine", "org/model@v2", "http://localhost:8000/v1", ""}, {"gpt", "gpt-4o-mini", "", ""}, {"x", "llama3:8b", "https://h.example/v1", ""}}
	for i, w := range want {
		if specs[i] != w {
			t.Errorf("spec %d = %+v, want %+v", i, specs[i], w)
		}
	}
	for _, bad := range []string{"noequals", "=m", "a=", "a/b=m", "a=@http://x/v1"} {
		if _, err := ParseModels(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestKeySecrets: --api_key_secret reaches every model and the judge;
// --judge_api_key_secret and a --models entry's #KEY_REF override it for theirs; a value
// that is not a reference is refused without being repeated.
func TestKeySecrets(t *testing.T) {
	const sm = "projects/p/secrets/judge/versions/3"
	cfg, err := config(t, "--llm_base_url=http://127.0.0.1:1/v1", "--judge_model=j", "--baseline=a",
		"--models=a=m1,b=m2@http://127.0.0.1:2/v1#env:B_KEY,c=m3#"+sm,
		"--api_key_secret=env:SHARED_KEY", "--judge_api_key_secret="+sm)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{cfg.Models[0].LLM.APIKeySecret, cfg.Models[1].LLM.APIKeySecret, cfg.Models[2].LLM.APIKeySecret, cfg.Judge.APIKeySecret}
	want := []string{"env:SHARED_KEY", "env:B_KEY", sm, sm}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("key references %q, want %q", got, want)
	}
	if cfg.Models[1].LLM.BaseURL != "http://127.0.0.1:2/v1" || cfg.Models[2].LLM.Model != "m3" {
		t.Errorf("models %+v", cfg.Models)
	}
	cfg, err = config(t, "--llm_base_url=http://127.0.0.1:1/v1", "--judge_model=j", "--baseline=a", "--models=a=m1,b=m2", "--api_key_secret=env:SHARED_KEY")
	if err != nil || cfg.Judge.APIKeySecret != "env:SHARED_KEY" {
		t.Fatalf("judge key %q, %v; want --api_key_secret's by default", cfg.Judge.APIKeySecret, err)
	}
	const pasted = "sk-pasted-by-mistake-9876"
	for _, args := range [][]string{
		{"--api_key_secret=" + pasted},
		{"--judge_api_key_secret=" + pasted},
		{"--models=a=m1#" + pasted + ",b=m2", "--baseline=a"},
	} {
		_, err := config(t, append([]string{"--llm_base_url=http://127.0.0.1:1/v1", "--judge_model=j"}, args...)...)
		if err == nil || strings.Contains(err.Error(), pasted) || !strings.Contains(err.Error(), "not a reference") {
			t.Errorf("%q: %v; want a refusal that does not repeat the value", args, err)
		}
	}
}

// config parses args as the eval binary would.
func config(t *testing.T, args ...string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	f := BindFlags(fs)
	m := launch.BindModelFlags(fs)
	SetAnswerDefaults(fs)
	args = append([]string{"--questions=" + testenv.Testdata("eval", "*.jsonl"), "--output=" + filepath.Join(t.TempDir(), "out")}, args...)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return f.Config(t.Context(), launch.Run{ID: launch.NewRunID(time.Now()), StartedAt: time.Now()}, m)
}

func TestDefaultsAreTheOfflineDemo(t *testing.T) {
	cfg, err := config(t)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Models) != 2 || cfg.Baseline != "baseline" || !cfg.Placeholder() || cfg.Judge.Model != StandInJudge {
		t.Fatalf("%+v", cfg)
	}
	if cfg.Judge.Sampling.Temperature != 0 || cfg.Models[0].LLM.Sampling.MaxTokens != AnswerMaxTokens {
		t.Errorf("judge temperature %v, answer max tokens %d", cfg.Judge.Sampling.Temperature, cfg.Models[0].LLM.Sampling.MaxTokens)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--llm_base_url=http://127.0.0.1:1/v1", "--models=a=m1,b=m2", "--baseline=b"}, "--judge_model is required"},
		{[]string{"--models=a=m1,b=m2", "--baseline=c"}, "--baseline=c is neither"},
		{[]string{"--models=a=m1,a=m2", "--baseline=a"}, "named twice"},
		{[]string{"--models=a=m1", "--baseline=a"}, "only the baseline"},
		{[]string{"--languages=fi,de"}, `"de" is not one of`},
		{[]string{"--judge_format=mtbench"}, "--judge_format"},
		{[]string{"--language_gate=maybe"}, "--language_gate"},
		{[]string{"--answers=" + filepath.Join(t.TempDir(), "none*.jsonl")}, "--answers"},
	} {
		_, err := config(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.args, err, tc.want)
		}
	}
}

// A model's own base URL replaces --llm_base_url, and is no placeholder.
func TestModelBaseURL(t *testing.T) {
	cfg, err := config(t, "--models=a=m1@http://127.0.0.1:9/v1,b=m2", "--baseline=b", "--judge_model=j", "--judge_base_url=http://127.0.0.1:8/v1")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Models[0].LLM.BaseURL != "http://127.0.0.1:9/v1" || cfg.Models[0].LLM.Placeholder || cfg.Models[1].LLM.BaseURL != llm.StandInURL {
		t.Errorf("models %+v", cfg.Models)
	}
	if cfg.Judge.BaseURL != "http://127.0.0.1:8/v1" || cfg.Judge.Placeholder {
		t.Errorf("judge %+v", cfg.Judge)
	}
}
