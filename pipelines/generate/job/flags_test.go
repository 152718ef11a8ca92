package job

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/internal/testenv"
	"github.com/xinstruct/xinstruct/runners/launch"
)

// configFrom parses args as the generate binary does and returns its Config.
func configFrom(t *testing.T, args ...string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	f, m := BindFlags(fs), launch.BindModelFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return f.Config(context.Background(), launch.Run{ID: "r1", StartedAt: time.Now()}, m)
}

// TestFlagsFailBeforeLaunch: mistakes in --input and --output are reported by the
// launcher, in terms of the flag, before anything runs.
func TestFlagsFailBeforeLaunch(t *testing.T) {
	dir := t.TempDir()
	sample := "--input=" + testenv.Testdata("sample", "*.jsonl")
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{sample, "--output=" + file}, "is a file"},
		{[]string{"--input=" + testenv.Testdata("sample"), "--output=" + filepath.Join(dir, "o")}, "is a directory; give globs of files"},
		{[]string{"--input=" + filepath.Join(dir, "none", "*.jsonl"), "--output=" + filepath.Join(dir, "o")}, "matches no file"},
		{[]string{sample, "--output=" + filepath.Join(dir, "o"), "--llm_base_url=http://x/v1"}, "--generator_model is required"},
		{[]string{sample, "--output=" + filepath.Join(dir, "o"), "--max_failure_rate=2"}, "--max_failure_rate"},
		{[]string{sample, "--output=" + filepath.Join(dir, "o"), "--license=CC BY 4.0"}, "--license"},
		{[]string{sample, "--output=" + filepath.Join(dir, "o"), "--near_dup_threshold=0"}, "--near_dup_threshold=0: want"},
		{[]string{sample, "--output=" + filepath.Join(dir, "o"), "--near_dup_threshold=1.5"}, "--near_dup_threshold=1.5: want"},
	} {
		if _, err := configFrom(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v; want an error with %q", c.args, err, c.want)
		}
	}
	cfg, err := configFrom(t, sample, "--output="+filepath.Join(dir, "ok"))
	if err != nil || !cfg.Generate.LLM.Placeholder || cfg.Generate.LLM.BaseURL != "fake://stand-in/v1" {
		t.Errorf("the default flags: %+v, %v; want the stand-in", cfg.Generate.LLM, err)
	}
	if !cfg.NearDup || cfg.NearDupThreshold != 0.8 {
		t.Errorf("the default near-duplicate removal: %v at %v, want on at 0.8", cfg.NearDup, cfg.NearDupThreshold)
	}
	if cfg, err := configFrom(t, sample, "--output="+filepath.Join(dir, "ok"), "--near_dup=false"); err != nil || cfg.NearDup {
		t.Errorf("--near_dup=false: %v, %v", cfg.NearDup, err)
	}
	if cfg.License != "other" || cfg.card().License != "other" {
		t.Errorf("the default license is %q, want other", cfg.License)
	}
	if cfg, err := configFrom(t, sample, "--output="+filepath.Join(dir, "ok"), "--license=cc-by-4.0"); err != nil || cfg.card().License != "cc-by-4.0" {
		t.Errorf("--license=cc-by-4.0: %q, %v", cfg.License, err)
	}
}
