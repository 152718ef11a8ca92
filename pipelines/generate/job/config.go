package job

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/internal/prompts"
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/io/dataset"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/versions"
	"github.com/xinstruct/xinstruct/transforms/clean"
	"github.com/xinstruct/xinstruct/transforms/diversify"
	"github.com/xinstruct/xinstruct/transforms/instruct"
	"github.com/xinstruct/xinstruct/transforms/langid"
	"github.com/xinstruct/xinstruct/transforms/neardup"
	"github.com/xinstruct/xinstruct/transforms/quality"
	"github.com/xinstruct/xinstruct/transforms/refine"
)

// TargetLanguages are the ten lower-resource languages of X-Instruction.
var TargetLanguages = []string{"fi", "id", "th", "tr", "vi", "bn", "hi", "sw", "ta", "ur"}

// Config is everything the generate job needs, typed. Build reads nothing else.
type Config struct {
	Input     []string `json:"input"`     // globs, local or gs://
	Output    string   `json:"output"`    // output prefix, local or gs://
	Languages []string `json:"languages"` // ISO 639-1 codes to keep

	Length            clean.LengthParams `json:"length"`
	Script            clean.ScriptParams `json:"script"`
	MinLangConfidence float64            `json:"min_lang_confidence"`
	Quality           quality.Params     `json:"quality"`
	MaxRecordBytes    int64              `json:"max_record_bytes"` // records larger than this are rejected unparsed
	MaxShardBytes     int64              `json:"max_shard_bytes"`  // output files roll over past this size
	// NearDup removes near-duplicates after exact deduplication (transforms/neardup):
	// documents whose character shingles have an estimated Jaccard similarity of at least
	// NearDupThreshold, the first by file and line kept.
	NearDup          bool    `json:"near_dup"`
	NearDupThreshold float64 `json:"near_dup_threshold"`

	Generate  instruct.GenerateParams `json:"generate"`
	Refine    RefineParams            `json:"refine"`
	Diversify diversify.Params        `json:"diversify"`
	StopAfter string                  `json:"stop_after"` // "ingest" to stop before the model stages

	// MaxFailureRate is the share of a model stage's calls that may fail for good (the
	// model layer's dead letters) before the run counts as failed.
	MaxFailureRate float64 `json:"max_failure_rate"`
	// EstimateLatency is the latency of one model call that --estimate's time assumes.
	EstimateLatency time.Duration `json:"estimate_latency"`

	// License is the dataset card's license, a Hugging Face Hub license id ("":
	// dataset.DefaultLicense).
	License string `json:"license"`

	// KeepVersions is how many published versions stay below <output>/versions/, this
	// run's included (io/versions); 0 keeps every one.
	KeepVersions int `json:"keep_versions"`

	RunID     string    `json:"run_id"`     // names this run's temporary directory; unique per run
	StartedAt time.Time `json:"started_at"` // when the launcher started, for the manifest
	// Build is the launcher's program, for the version's manifest (versions.CurrentBuild).
	Build versions.Build `json:"build"`
}

// DefaultConfig returns the configuration of the README's first command: the bundled
// sample corpus in, ./out out, the ten target languages.
func DefaultConfig() Config {
	return Config{
		Input:             []string{"testdata/sample/*.jsonl"},
		Output:            "out",
		Languages:         append([]string(nil), TargetLanguages...),
		Length:            clean.DefaultLengthParams(),
		Script:            clean.DefaultScriptParams(),
		MinLangConfidence: langid.DefaultMinConfidence,
		Quality:           quality.DefaultParams(),
		MaxShardBytes:     128 << 20,
		NearDup:           true,
		NearDupThreshold:  neardup.DefaultThreshold,
		MaxFailureRate:    0.2,
		EstimateLatency:   2 * time.Second,
		License:           dataset.DefaultLicense,
		KeepVersions:      versions.DefaultKeep,
		Refine:            RefineParams{Rounds: 2, Structured: true, JudgeMax: 256, Checks: refine.DefaultCheckParams()},
		Diversify:         diversify.DefaultParams(),
		Generate: instruct.GenerateParams{
			LLM:           llm.DefaultConfig(),
			Candidates:    1,
			MaxShots:      3,
			ProgressEvery: 30 * time.Second,
		},
	}
}

// RefineParams configure the refinement stage: pair checks, then Rounds of judging with
// a rewrite of the flawed pairs between rounds.
type RefineParams struct {
	Rounds     int                `json:"rounds"`      // 0: accept every pair that passes the checks, no judge
	JudgeModel string             `json:"judge_model"` // "" = the generator's model
	Structured bool               `json:"structured"`  // ask for the verdict under a JSON schema (response_format)
	JudgeMax   int                `json:"judge_max_tokens"`
	Checks     refine.CheckParams `json:"checks"`
	// JudgePrompt, when set, is the judge's prompt template source in place of the
	// embedded one (internal/prompts: header "id: judge_pair", "version: N", "---", then
	// the definitions): a new judge prompt version, re-asking the judge (and the rewrites
	// its new rationales lead to) and nothing before it. No flag sets it.
	JudgePrompt string `json:"judge_prompt,omitempty"`
}

// checks are ingest's per-document checks.
func (c Config) checks() clean.CheckParams {
	return clean.CheckParams{
		Length:  c.Length,
		Lang:    langid.Params{Languages: c.Languages, MinConfidence: c.MinLangConfidence},
		Script:  c.Script,
		Quality: c.Quality,
	}
}

// judgeLLM is the judge's model configuration: the generator's endpoint and limits, its
// own model, and greedy decoding (a verdict should not be a dice roll).
func (c Config) judgeLLM() llm.Config {
	j := c.Generate.LLM
	if c.Refine.JudgeModel != "" {
		j.Model = c.Refine.JudgeModel
	}
	j.Sampling = llm.Sampling{Temperature: 0, TopP: 1, MaxTokens: c.Refine.JudgeMax}
	return j
}

// diversifyParams are the diversification parameters, with an "openai" embedder on the
// generator's endpoint, limits and response store.
func (c Config) diversifyParams() diversify.Params {
	p := c.Diversify
	if p.Embedder.Kind == diversify.EmbedderOpenAI {
		p.Embedder.LLM = c.Generate.LLM
		p.Embedder.LLM.Model = p.Embedder.Model
	}
	return p
}

// Stages returns the names of the stages after ingest that the configuration runs, in order.
func (c Config) Stages() []string {
	if c.StopAfter == StageIngest || c.Generate.Estimate {
		return nil
	}
	stages := []string{record.StageGenerate, record.StageChecks}
	for r := 1; r <= c.Refine.Rounds; r++ {
		stages = append(stages, record.StageJudge(r))
		if r < c.Refine.Rounds {
			stages = append(stages, record.StageRewrite(r))
		}
	}
	return append(stages, diversify.Stage)
}

// Stages the job can stop after.
const StageIngest = "ingest"

// Validate reports the first thing wrong with c, in terms of the flags a user set.
func (c Config) Validate() error {
	if len(c.Input) == 0 {
		return fmt.Errorf("--input is empty")
	}
	for _, g := range c.Input {
		if strings.TrimSpace(g) == "" {
			return fmt.Errorf("--input has an empty glob")
		}
	}
	if c.Output == "" {
		return fmt.Errorf("--output is empty")
	}
	if err := (langid.Params{Languages: c.Languages, MinConfidence: c.MinLangConfidence}).Validate(); err != nil {
		return fmt.Errorf("--languages/--min_lang_confidence: %v", err)
	}
	if err := c.Length.Validate(); err != nil {
		return fmt.Errorf("--min_chars/--max_chars: %v", err)
	}
	if err := c.Script.Validate(); err != nil {
		return fmt.Errorf("--min_script_share: %v", err)
	}
	if err := c.Quality.Validate(); err != nil {
		return fmt.Errorf("quality parameters: %v", err)
	}
	if !(c.NearDupThreshold > 0 && c.NearDupThreshold <= 1) {
		return fmt.Errorf("--near_dup_threshold=%v: want an estimated Jaccard similarity above 0 and at most 1 (default %v)", c.NearDupThreshold, neardup.DefaultThreshold)
	}
	if c.MaxShardBytes <= 0 {
		return fmt.Errorf("--max_shard_mb must be positive")
	}
	if c.StopAfter != "" && c.StopAfter != StageIngest {
		return fmt.Errorf("--stop_after=%q: the only stage to stop after is %q", c.StopAfter, StageIngest)
	}
	if c.StopAfter != StageIngest {
		if err := c.Generate.Validate(); err != nil {
			return fmt.Errorf("generation: %v", err)
		}
		if c.Refine.Rounds < 0 || c.Refine.Rounds > 10 {
			return fmt.Errorf("--rounds=%d: want 0 to 10", c.Refine.Rounds)
		}
		if err := c.Refine.Checks.Validate(); err != nil {
			return fmt.Errorf("pair checks: %v", err)
		}
		if c.Refine.Rounds > 0 {
			if err := c.judgeLLM().Validate(); err != nil {
				return fmt.Errorf("judge: %v", err)
			}
			if c.Refine.JudgePrompt != "" {
				if _, err := prompts.Parse(refine.TemplateJudge, c.Refine.JudgePrompt); err != nil {
					return fmt.Errorf("judge prompt: %v", err)
				}
			}
		}
		if err := c.diversifyParams().Validate(); err != nil {
			return fmt.Errorf("diversification: %v", err)
		}
	}
	if c.MaxFailureRate < 0 || c.MaxFailureRate > 1 {
		return fmt.Errorf("--max_failure_rate=%v: want 0 to 1", c.MaxFailureRate)
	}
	if err := dataset.CheckLicense(c.License); c.License != "" && err != nil { // "": the default
		return fmt.Errorf("--license: %v", err)
	}
	if c.KeepVersions < 0 {
		return fmt.Errorf("--keep_versions=%d: want 0 (keep every version) or more", c.KeepVersions)
	}
	if c.RunID == "" || strings.ContainsAny(c.RunID, "/\\") {
		return fmt.Errorf("run id %q is empty or contains a path separator", c.RunID)
	}
	return nil
}

// ReadSeedPairs reads few-shot examples from a JSONL file (local or gs://).
func ReadSeedPairs(ctx context.Context, path string) ([]instruct.SeedPair, error) {
	b, err := fsx.ReadFile(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("--seed_pairs: %v", err)
	}
	var out []instruct.SeedPair
	for i, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var sp instruct.SeedPair
		if err := json.Unmarshal([]byte(line), &sp); err != nil {
			return nil, fmt.Errorf("--seed_pairs %s:%d: %v", path, i+1, err)
		}
		out = append(out, sp)
	}
	if len(out) > 1000 {
		return nil, fmt.Errorf("--seed_pairs: %d examples; they travel inside the job graph, keep it under 1000", len(out))
	}
	return out, nil
}
