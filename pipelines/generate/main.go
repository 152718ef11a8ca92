// Command generate builds X-Instruction data: it ingests multilingual corpora into clean,
// language-routed documents, has a model write the English instruction each text
// answers, refines the pairs with a judge, and selects a diverse set per language into
// <output>/dataset/.
//
//	go run ./pipelines/generate --input='corpus/*.jsonl' --output=out
//
// Every record read ends in exactly one place: <output>/clean/<lang>/ or
// <output>/rejected/<stage>/ with its reason. <output>/report/funnel.json counts them, and
// <output>/_SUCCESS, written last, lists every shard. The job itself is package job; the
// launch path it shares with the other pipelines is runners/launch.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/xinstruct/xinstruct/pipelines/generate/job"
	"github.com/xinstruct/xinstruct/runners/launch"
)

func main() {
	flags := job.BindFlags(flag.CommandLine)
	model := launch.BindModelFlags(flag.CommandLine)
	launch.Main("generate", job.FlagGroups(), func(ctx context.Context, run launch.Run) (launch.Job, error) {
		cfg, err := flags.Config(ctx, run, model)
		if err != nil {
			return nil, err
		}
		if cfg.Generate.LLM.Placeholder && cfg.StopAfter != job.StageIngest {
			fmt.Fprintf(os.Stderr, "generate: no --llm_base_url: using the offline stand-in model (%s); its instructions are PLACEHOLDER text, not model output\n", cfg.Generate.LLM.BaseURL)
		}
		return job.New(cfg)
	})
}
