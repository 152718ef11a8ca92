// Package job is the eval pipeline: models answer eval questions in each language
// (or their answers are imported), an LLM judge compares every model's answer with the
// baseline's in both orders, and the leaderboard gives each model's win rate against the
// baseline per language, category and turn, with bootstrap confidence intervals.
package job

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/xinstruct/xinstruct/io/evalio"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/versions"
	"github.com/xinstruct/xinstruct/transforms/answer"
	"github.com/xinstruct/xinstruct/transforms/pairjudge"
)

// Model is a model the run asks: its name in outputs and its endpoint.
type Model struct {
	Name string     `json:"name"`
	LLM  llm.Config `json:"llm"`
}

// Config is the eval job's configuration.
type Config struct {
	Questions []string `json:"questions"` // globs of question JSONL
	Languages []string `json:"languages"`
	Models    []Model  `json:"models"`   // asked through the model layer
	Answers   []string `json:"answers"`  // globs of answer JSONL, for models served elsewhere
	Imported  []string `json:"imported"` // the model names those files hold
	Baseline  string   `json:"baseline"`

	Judge      llm.Config       `json:"judge"`
	Format     pairjudge.Format `json:"judge_format"`
	Structured bool             `json:"structured_output"`
	Gate       string           `json:"language_gate"`

	Output        string        `json:"output"`
	RunID         string        `json:"run_id"`
	StartedAt     time.Time     `json:"started_at"`
	Seed          uint64        `json:"seed"`
	Bootstrap     int           `json:"bootstrap"`
	Estimate      bool          `json:"estimate"`
	ProgressEvery time.Duration `json:"progress_every"`
	// MaxFailureRate is the share of a model stage's calls that may fail for good (or of
	// the judge's verdicts that may stay unreadable) before the run counts as failed.
	MaxFailureRate float64 `json:"max_failure_rate"`
	MaxShardBytes  int64   `json:"max_shard_bytes"`
	// EstimateLatency is the latency of one model call that --estimate's time assumes.
	EstimateLatency time.Duration `json:"estimate_latency"`
	// KeepVersions is how many published versions stay below <output>/versions/, this
	// run's included (io/versions); 0 keeps every one.
	KeepVersions int `json:"keep_versions"`
	// Build is the launcher's program, for the version's manifest (versions.CurrentBuild).
	Build versions.Build `json:"build"`
}

// The ten languages of X-Instruction.
var defaultLanguages = []string{"fi", "id", "th", "tr", "vi", "bn", "hi", "sw", "ta", "ur"}

// DefaultConfig returns the defaults the flags start from.
func DefaultConfig() Config {
	return Config{
		Questions: []string{"testdata/eval/*.jsonl"}, Languages: slices.Clone(defaultLanguages), Output: "out-eval",
		Format: pairjudge.FormatXInstruction, Gate: pairjudge.GateLose, Bootstrap: 1000, Seed: 1,
		MaxFailureRate: 0.2, MaxShardBytes: 128 << 20, EstimateLatency: 2 * time.Second, KeepVersions: versions.DefaultKeep,
	}
}

// Names returns every model's name: the asked ones, then the imported ones.
func (c Config) Names() []string {
	var names []string
	for _, m := range c.Models {
		names = append(names, m.Name)
	}
	return append(names, c.Imported...)
}

// Compared returns the models compared with the baseline.
func (c Config) Compared() []string {
	return slices.DeleteFunc(c.Names(), func(n string) bool { return n == c.Baseline })
}

// Placeholder reports whether any model the run calls is the offline stand-in.
func (c Config) Placeholder() bool {
	if c.Judge.Placeholder {
		return true
	}
	for _, m := range c.Models {
		if m.LLM.Placeholder {
			return true
		}
	}
	return false
}

// Validate reports the first thing wrong with c.
func (c Config) Validate() error {
	switch {
	case len(c.Questions) == 0:
		return errors.New("no --questions")
	case len(c.Languages) == 0:
		return errors.New("no --languages")
	case c.Output == "":
		return errors.New("no --output")
	case c.RunID == "":
		return errors.New("no run id")
	case c.Bootstrap < 100:
		return fmt.Errorf("--bootstrap=%d: at least 100 rounds make an interval", c.Bootstrap)
	case c.MaxFailureRate < 0 || c.MaxFailureRate > 1:
		return fmt.Errorf("--max_failure_rate=%g is not in [0, 1]", c.MaxFailureRate)
	case c.KeepVersions < 0:
		return fmt.Errorf("--keep_versions=%d: want 0 (keep every version) or more", c.KeepVersions)
	}
	for _, l := range c.Languages {
		if !answer.Supported(l) {
			return fmt.Errorf("--languages: %q is not one of fi, id, th, tr, vi, bn, hi, sw, ta, ur, en", l)
		}
	}
	if _, err := pairjudge.ParseFormat(string(c.Format)); err != nil {
		return fmt.Errorf("--judge_format: %v", err)
	}
	switch c.Gate {
	case pairjudge.GateLose, pairjudge.GateJudge, pairjudge.GateOff:
	default:
		return fmt.Errorf("--language_gate=%q: want lose, judge or off", c.Gate)
	}
	seen := map[string]bool{}
	for _, n := range c.Names() {
		if !evalio.ValidModelName(n) {
			return fmt.Errorf("model name %q: want letters, digits, '.', '_' or '-'", n)
		}
		if seen[n] {
			return fmt.Errorf("model %q is named twice (in --models, or both in --models and in the --answers files)", n)
		}
		seen[n] = true
	}
	switch {
	case c.Baseline == "":
		return errors.New("no --baseline")
	case !seen[c.Baseline]:
		return fmt.Errorf("--baseline=%s is neither in --models nor in the --answers files (models: %v)", c.Baseline, c.Names())
	case len(c.Compared()) == 0:
		return fmt.Errorf("only the baseline %s: give at least one other model in --models or --answers", c.Baseline)
	}
	for _, m := range c.Models {
		if err := m.LLM.Validate(); err != nil {
			return fmt.Errorf("model %s: %v", m.Name, err)
		}
	}
	if err := c.Judge.Validate(); err != nil {
		return fmt.Errorf("judge: %v", err)
	}
	return nil
}
