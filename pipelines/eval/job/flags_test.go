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
	want := []ModelSpec{{"mine", "org/model@v2", "http://localhost:8000/v1"}, {"gpt", "gpt-4o-mini", ""}, {"x", "llama3:8b", "https://h.example/v1"}}
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
