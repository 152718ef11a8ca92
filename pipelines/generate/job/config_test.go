package job

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadSeedPairs(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "seed.jsonl")
	os.WriteFile(good, []byte(`{"instruction":"How do I store rice?","output":"Hifadhi mchele.","lang":"sw"}`+"\n\n"+`{"instruction":"b","output":"c","lang":"fi"}`+"\n"), 0o644)
	pairs, err := ReadSeedPairs(context.Background(), good)
	if err != nil || len(pairs) != 2 || pairs[0].Lang != "sw" {
		t.Fatalf("%+v %v", pairs, err)
	}
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(`{"instruction":"a"}`+"\n{broken\n"), 0o644)
	if _, err := ReadSeedPairs(context.Background(), bad); err == nil || !strings.Contains(err.Error(), ":2:") {
		t.Errorf("a broken line did not fail with its line number: %v", err)
	}
}

func TestConfigValidateNamesTheFlag(t *testing.T) {
	cfg := DefaultConfig()
	cfg.RunID = "r"
	cfg.StopAfter = StageIngest
	cfg.Languages = []string{"xx"}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "--languages") {
		t.Errorf("bad language: %v", err)
	}
	cfg = DefaultConfig()
	cfg.RunID = "r"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "generation") {
		t.Errorf("generation without a model validated: %v", err)
	}
	cfg.StopAfter = "judge"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "--stop_after") {
		t.Errorf("unknown stage: %v", err)
	}

	withModel := func(edit func(*Config)) error {
		c := DefaultConfig()
		c.RunID = "r"
		c.Generate.LLM.BaseURL, c.Generate.LLM.Model, c.Generate.LLM.Store = "http://localhost:1/v1", "m", t.TempDir()
		edit(&c)
		return c.Validate()
	}
	if err := withModel(func(*Config) {}); err != nil {
		t.Fatalf("the defaults with a model do not validate: %v", err)
	}
	for flag, edit := range map[string]func(*Config){
		"--clusters":        func(c *Config) { c.Diversify.Clusters = 0 },
		"--per_language":    func(c *Config) { c.Diversify.PerLanguage = 0 },
		"--fit_sample":      func(c *Config) { c.Diversify.FitSample = c.Diversify.Clusters - 1 },
		"--embedder":        func(c *Config) { c.Diversify.Embedder.Kind = "word2vec" },
		"--embedding_model": func(c *Config) { c.Diversify.Embedder.Kind = "openai" },
		"judge prompt": func(c *Config) {
			c.Refine.JudgePrompt = "id: rewrite_instruction\nversion: 2\n---\n{{define \"user\"}}x{{end}}"
		},
	} {
		if err := withModel(edit); err == nil || !strings.Contains(err.Error(), flag) {
			t.Errorf("%s: %v", flag, err)
		}
	}
}
