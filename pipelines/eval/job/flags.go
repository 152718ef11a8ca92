package job

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/xinstruct/xinstruct/io/docio"
	"github.com/xinstruct/xinstruct/io/evalio"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/publish"
	"github.com/xinstruct/xinstruct/runners/launch"
	"github.com/xinstruct/xinstruct/transforms/pairjudge"
)

// The stand-in's models when no flag names any: two placeholder models the stand-in
// answers with different quality, and its placeholder judge.
const (
	StandInCandidate = "xinstruct-placeholder-candidate"
	StandInBaseline  = "xinstruct-placeholder-baseline"
	StandInJudge     = "xinstruct-placeholder-judge"
	defaultModels    = "candidate=" + StandInCandidate + ",baseline=" + StandInBaseline
)

// AnswerMaxTokens is the eval's default --max_tokens: answers run long (MT-Bench's
// writing tasks), and a cut answer is a failed call. FastChat answers with 1024 too.
const AnswerMaxTokens = 1024

// Flags are the eval job's own flags; the endpoint, sampling, limits, store and budgets
// are launch.ModelFlags, shared with the other pipelines.
type Flags struct {
	questions, languages, models, answers, baseline *string
	judgeModel, judgeBaseURL, judgeFormat, gate     *string
	judgeKeySecret                                  *string
	output, runID                                   *string
	structured, estimate                            *bool
	seed                                            *uint64
	bootstrap                                       *int
	maxShardMB                                      *int64
	keepVersions                                    *int
}

// BindFlags binds the eval job's flags to fs, with DefaultConfig's defaults, and sets
// the shared --max_tokens default to AnswerMaxTokens.
func BindFlags(fs *flag.FlagSet) *Flags {
	d := DefaultConfig()
	return &Flags{
		questions:      fs.String("questions", strings.Join(d.Questions, ","), "comma-separated globs of question JSONL (question_id, text or turns, optional category, lang, reference), local or gs://"),
		languages:      fs.String("languages", strings.Join(d.Languages, ","), "languages an English question is asked in (with the suffix \"Answer in <Language>.\"); en is allowed; a question with its own lang is asked in that language only"),
		models:         fs.String("models", "", "comma-separated NAME=MODEL, NAME=MODEL@BASE_URL or either with #KEY_REF, e.g. NAME=MODEL@BASE_URL#env:OTHER_KEY (default base URL: --llm_base_url; default key: --api_key_secret; KEY_REF as in --api_key_secret); with no --llm_base_url and no --models, two placeholder models of the offline stand-in"),
		answers:        fs.String("answers", "", "comma-separated globs of answer JSONL (question_id, model, lang, answer, optional turn) of models served elsewhere: judged, never re-asked"),
		baseline:       fs.String("baseline", "", "the model every other model is compared with (default with the stand-in's models: baseline)"),
		judgeModel:     fs.String("judge_model", "", "the judge's model (required with --llm_base_url or --judge_base_url)"),
		judgeBaseURL:   fs.String("judge_base_url", "", "the judge's endpoint (default: --llm_base_url)"),
		judgeKeySecret: fs.String("judge_api_key_secret", "", "where the judge's API key is read: a reference as in --api_key_secret, never the key (default: --api_key_secret)"),
		judgeFormat:    fs.String("judge_format", string(d.Format), "xinstruction (the seed's two scores 0-10), pairwise (FastChat's [[A]]/[[B]]/[[C]]) or arena (Arena-Hard's [[A>>B]] .. [[B>>A]])"),
		structured:     fs.Bool("structured_output", false, "ask for the judge's verdict under a JSON schema; off: asked for in the prompt and read from the judge's prose"),
		gate:           fs.String("language_gate", d.Gate, "an answer not in the language asked: lose (its comparison, without a judge call), judge (the judge decides; only counted) or off"),
		output:         fs.String("output", d.Output, "output prefix, local or gs://"),
		runID:          fs.String("run_id", "", "names this run's temporary directory and its budget ledger (--max_cost, --max_requests); relaunch with the same id to continue a budget (default: time and a random suffix)"),
		seed:           fs.Uint64("seed", d.Seed, "seed of the bootstrap: the same judgments and seed give the same intervals"),
		bootstrap:      fs.Int("bootstrap", d.Bootstrap, "bootstrap rounds of the confidence intervals (questions resampled)"),
		estimate:       fs.Bool("estimate", false, "count the answer and judge calls and tokens the run would make, without calling anything"),
		maxShardMB:     fs.Int64("max_shard_mb", d.MaxShardBytes>>20, "roll output files over past this many MiB"),
		keepVersions:   fs.Int("keep_versions", d.KeepVersions, "published versions of the report kept below <output>/versions/, this run's included; older ones are removed once <output>/LATEST names the new one (0: keep every version)"),
	}
}

// FlagGroups are the sections of eval's --help, in order. They name every flag
// BindFlags, launch.BindModelFlags and launch.BindLauncherFlags define, each once
// (launch.CheckGroups, in the tests); Beam's flags follow them.
func FlagGroups() []launch.Group {
	return []launch.Group{
		{Title: "Questions and languages", Flags: []string{"questions", "languages"}},
		{Title: "Models and answers", Flags: []string{"models", "answers", "baseline"}},
		{Title: "Judge", Flags: []string{"judge_model", "judge_base_url", "judge_api_key_secret", "judge_format", "structured_output", "language_gate"}},
		{Title: "Model endpoint", Flags: launch.ModelEndpointFlags},
		{Title: "Output", Flags: []string{"output", "max_shard_mb", "keep_versions", "bootstrap", "seed"}},
		{Title: "Budgets and limits", Flags: launch.Flags([]string{"estimate"}, launch.ModelLimitFlags)},
		{Title: "Batch API", Flags: launch.ModelBatchFlags},
		{Title: "Run", Flags: launch.Flags([]string{"run_id"}, launch.LauncherFlags)},
	}
}

// ProjectFlags returns a fresh FlagSet with every flag the eval binary defines itself, as
// its main binds them: BindFlags', launch.BindModelFlags' (with SetAnswerDefaults) and
// launch.BindLauncherFlags'. Beam's flags are not in it. What describes the binary's flags
// elsewhere (the Dataflow template's parameters, the deployment files' checks) reads them
// from here.
func ProjectFlags() *flag.FlagSet {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	BindFlags(fs)
	launch.BindModelFlags(fs)
	SetAnswerDefaults(fs)
	launch.BindLauncherFlags(fs)
	return fs
}

// SetAnswerDefaults sets the shared model flags' defaults the eval wants: call it after
// launch.BindModelFlags, before parsing.
func SetAnswerDefaults(fs *flag.FlagSet) {
	if f := fs.Lookup("max_tokens"); f != nil {
		v := strconv.Itoa(AnswerMaxTokens)
		f.DefValue = v
		_ = f.Value.Set(v)
	}
}

// Config returns the configuration the flags say for run, with the model settings of m.
func (f *Flags) Config(ctx context.Context, run launch.Run, m *launch.ModelFlags) (Config, error) {
	cfg := DefaultConfig()
	cfg.Questions, cfg.Languages, cfg.Answers = launch.SplitList(*f.questions), launch.SplitList(*f.languages), launch.SplitList(*f.answers)
	cfg.Output, cfg.RunID, cfg.StartedAt = *f.output, run.ID, run.StartedAt
	if *f.runID != "" {
		cfg.RunID = *f.runID
	}
	cfg.Format, cfg.Structured, cfg.Gate = pairjudge.Format(*f.judgeFormat), *f.structured, *f.gate
	cfg.Seed, cfg.Bootstrap, cfg.Estimate = *f.seed, *f.bootstrap, *f.estimate
	cfg.ProgressEvery, cfg.MaxFailureRate, cfg.MaxShardBytes = m.ProgressEvery(), m.MaxFailureRate(), *f.maxShardMB<<20
	cfg.EstimateLatency = m.EstimateLatency()
	cfg.KeepVersions, cfg.Build = *f.keepVersions, run.Build
	run.ID = cfg.RunID

	models, baseline := *f.models, *f.baseline
	if models == "" && m.StandIn() && len(cfg.Answers) == 0 {
		models = defaultModels
		if baseline == "" {
			baseline = "baseline"
		}
	}
	cfg.Baseline = baseline
	specs, err := ParseModels(models)
	if err != nil {
		return cfg, err
	}
	for _, s := range specs {
		c, err := m.Config(s.Model, cfg.Output, run)
		if err != nil {
			return cfg, err
		}
		if s.BaseURL != "" {
			c.BaseURL, c.Placeholder = s.BaseURL, llm.IsStandIn(s.BaseURL)
		}
		if s.KeySecret != "" {
			c.APIKeySecret = s.KeySecret
		}
		cfg.Models = append(cfg.Models, Model{Name: s.Name, LLM: c})
	}
	if len(cfg.Answers) > 0 {
		if cfg.Imported, err = evalio.ModelNames(ctx, cfg.Answers); err != nil {
			return cfg, fmt.Errorf("--answers: %v", err)
		}
	}
	if cfg.Judge, err = f.judge(cfg, run, m); err != nil {
		return cfg, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	if _, err := docio.Match(ctx, cfg.Questions); err != nil {
		return cfg, fmt.Errorf("--questions: %v", err)
	}
	return cfg, publish.CheckWritable(ctx, cfg.Output, cfg.RunID)
}

// judge is the judge's configuration: its own model and endpoint, temperature 0.
func (f *Flags) judge(cfg Config, run launch.Run, m *launch.ModelFlags) (llm.Config, error) {
	model := *f.judgeModel
	standIn := m.StandIn() && *f.judgeBaseURL == ""
	if model == "" {
		if !standIn {
			return llm.Config{}, fmt.Errorf("--judge_model is required with --llm_base_url or --judge_base_url")
		}
		model = StandInJudge
	}
	c, err := m.Config(model, cfg.Output, run)
	if err != nil {
		return c, err
	}
	if *f.judgeBaseURL != "" {
		c.BaseURL, c.Placeholder = *f.judgeBaseURL, llm.IsStandIn(*f.judgeBaseURL)
	}
	if *f.judgeKeySecret != "" {
		if err := llm.ValidateKeyRef(*f.judgeKeySecret); err != nil {
			return c, fmt.Errorf("--judge_api_key_secret: %v", err)
		}
		c.APIKeySecret = *f.judgeKeySecret
	}
	c.Sampling.Temperature = 0
	return c, nil
}

// ModelSpec is one --models entry. KeySecret is a reference to the model's API key (as
// in --api_key_secret), "" for --api_key_secret's.
type ModelSpec struct{ Name, Model, BaseURL, KeySecret string }

// ParseModels parses --models: comma-separated NAME=MODEL or NAME=MODEL@BASE_URL, either
// followed by #KEY_REF. The base URL starts at the last "@" that a scheme ("://")
// follows, so a model id may hold an "@" of its own; the key reference starts at the
// first "#". No error repeats what follows a "#": a key pasted there must not reach a log.
func ParseModels(v string) ([]ModelSpec, error) {
	var specs []ModelSpec
	for _, item := range launch.SplitList(v) {
		item, ref, hasRef := strings.Cut(item, "#")
		ref = strings.TrimSpace(ref)
		if hasRef {
			if ref == "" {
				return nil, fmt.Errorf("--models: %q: nothing follows '#'; want #env:NAME or #projects/P/secrets/S/versions/V", item)
			}
			if err := llm.ValidateKeyRef(ref); err != nil {
				return nil, fmt.Errorf("--models: %q: %v", item, err)
			}
		}
		name, rest, ok := strings.Cut(item, "=")
		name, rest = strings.TrimSpace(name), strings.TrimSpace(rest)
		if !ok || name == "" || rest == "" {
			return nil, fmt.Errorf("--models: %q: want NAME=MODEL or NAME=MODEL@BASE_URL, optionally followed by #KEY_REF", item)
		}
		s := ModelSpec{Name: name, Model: rest, KeySecret: ref}
		if i := strings.LastIndex(rest, "@"); i >= 0 && strings.Contains(rest[i+1:], "://") {
			s.Model, s.BaseURL = rest[:i], rest[i+1:]
		}
		if s.Model == "" {
			return nil, fmt.Errorf("--models: %q has no model", item)
		}
		if !evalio.ValidModelName(s.Name) {
			return nil, fmt.Errorf("--models: name %q: want letters, digits, '.', '_' or '-' (it names a directory)", s.Name)
		}
		specs = append(specs, s)
	}
	return specs, nil
}
