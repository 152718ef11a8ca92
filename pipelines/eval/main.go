// Command eval judges models trained on X-Instruction data, as the paper does: each
// model answers eval questions in each language (an English question asked with "Answer
// in <Language>."), or its answers are imported; an LLM judge compares each model's
// answer with a baseline's in both orders; and the leaderboard gives each model's win
// rate against the baseline per language, with bootstrap confidence intervals.
//
//	go run ./pipelines/eval --questions='eval/*.jsonl' --models=mine=my-model@http://localhost:8000/v1 \
//	    --answers='chatgpt_answers.jsonl' --baseline=chatgpt --judge_model=gpt-4o --llm_base_url=https://api.openai.com/v1
//
// Outputs: <output>/answers/<model>/<lang>/, <output>/judgments/<lang>/,
// <output>/rejected/<stage>/, <output>/report/{results.json,README.md,win_rate.svg}, and
// <output>/_SUCCESS, written last. The job itself is package job; the launch path it
// shares with the other pipelines is runners/launch.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/pipelines/eval/job"
	"github.com/xinstruct/xinstruct/runners/launch"
)

func main() {
	flags := job.BindFlags(flag.CommandLine)
	model := launch.BindModelFlags(flag.CommandLine)
	job.SetAnswerDefaults(flag.CommandLine)
	launch.Main("eval", job.FlagGroups(), func(ctx context.Context, run launch.Run) (launch.Job, error) {
		cfg, err := flags.Config(ctx, run, model)
		if err != nil {
			return nil, err
		}
		if cfg.Placeholder() && !cfg.Estimate {
			fmt.Fprintf(os.Stderr, "eval: the offline stand-in (%s) answers for some models or judges: its answers and verdicts are PLACEHOLDER text, not model output\n", llm.StandInURL)
		}
		return job.New(cfg)
	})
}
