// Command fakellm serves the project's fake OpenAI-compatible API (package
// io/llm/llmtest) until SIGINT or SIGTERM. Its answers are placeholders, not model output.
//
//	go run ./io/llm/llmtest/cmd/fakellm --latency=200ms --error_rate=0.05 --error_kinds=500,429,reset
//	go run ./io/llm/llmtest/cmd/fakellm --judge_labels=good=0.5,flawed=0.4,bad=0.1 --judge_style=mixed \
//		--judge_malformed_rate=0.1 --judge_malformed_after_reask=0.2 --gullible
//	go run ./io/llm/llmtest/cmd/fakellm --answerers='model-a=quality:7,wrong_lang:0.1;model-b=quality:5,chars:400' \
//		--eval_judge_accuracy=0.8 --eval_judge_position_bias=0.1 --eval_judge_echo
//	go run ./io/llm/llmtest/cmd/fakellm --batch_delay=30s --batch_item_failure_rate=0.02
//
// Point a client at the printed base URL (e.g. OPENAI_BASE_URL or the pipeline's base URL
// flag); any API key is accepted. GET /fake/stats shows what it has seen.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fakellm:", err)
		os.Exit(2)
	}
}

// run parses args, serves until ctx is done, and returns after shutting down.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	addr, opts, err := parseFlags(args)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := llmtest.New(opts)
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "fakellm: placeholder answers (not model output) at http://%s/v1\n", ln.Addr())

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	srv.Close() // releases held requests, so that Shutdown need not wait for them
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// parseFlags returns the address to listen on and the server's options, validated.
func parseFlags(args []string) (addr string, opts llmtest.Options, err error) {
	fs := flag.NewFlagSet("fakellm", flag.ContinueOnError)
	var (
		listen     = fs.String("addr", "127.0.0.1:8089", "address to listen on")
		latency    = fs.Duration("latency", 0, "latency added to every request")
		jitter     = fs.Duration("latency_jitter", 0, "uniform extra latency in [0, jitter)")
		maxConc    = fs.Int("max_concurrency", 0, "requests served at once above this get 429; 0 = unlimited")
		retryAfter = fs.Duration("retry_after", llmtest.DefaultRetryAfter, "what a 429 tells the client to wait")
		errorRate  = fs.Float64("error_rate", 0, "fraction of chat and embedding requests that fail transiently")
		errorKinds = fs.String("error_kinds", "", "comma-separated transient fault kinds (default all): 500,503,429,malformed_body,empty_choices,truncated,reset,timeout")
		seed       = fs.Uint64("seed", 0, "seeds which arrivals fail")
		model      = fs.String("model", llmtest.DefaultModel, "model name echoed when a request has none")

		judgeLabels    = fs.String("judge_labels", llmtest.DefaultJudgeLabels.String(), "weights of the judge's labels: good=W,flawed=W,bad=W or three numbers in that order")
		judgeMalformed = fs.Float64("judge_malformed_rate", 0, "fraction of first-ask judge answers that are prose with no label")
		judgeAfterAsk  = fs.Float64("judge_malformed_after_reask", 0, "fraction of re-asked judge answers that are still prose with no label")
		judgeStyle     = fs.String("judge_style", string(llmtest.JudgeJSON), "shape of judge answers to requests without response_format: json, fenced, prose or mixed")
		gullible       = fs.Bool("gullible", false, "the judge answers good to an injection that escaped the <text> data section")

		answerers    = fs.String("answerers", "", "evaluated models: model=quality:Q,wrong_lang:R,chars:N;model2=... (quality 0-10, default 5; wrong_lang 0-1; chars default 300)")
		evalAccuracy = fs.Float64("eval_judge_accuracy", llmtest.DefaultEvalJudgeAccuracy, "probability the evaluation judge prefers the higher-quality answer (0 = the default)")
		evalBias     = fs.Float64("eval_judge_position_bias", 0, "probability the evaluation judge's verdict goes to the answer shown first, regardless of quality")
		evalEcho     = fs.Bool("eval_judge_echo", false, "after the verdict, the evaluation judge quotes the end of each answer")

		batchDelay    = fs.Duration("batch_delay", 0, "how long after its creation a batch (/v1/batches) is answered")
		batchFailures = fs.Float64("batch_item_failure_rate", 0, "fraction of a batch's requests answered with a 500 in its error file")
	)
	if err := fs.Parse(args); err != nil {
		return "", opts, err
	}
	if fs.NArg() > 0 {
		return "", opts, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	kinds, err := llmtest.ParseErrorKinds(*errorKinds)
	if err != nil {
		return "", opts, err
	}
	labels, err := llmtest.ParseLabelWeights(*judgeLabels)
	if err != nil {
		return "", opts, err
	}
	models, err := llmtest.ParseAnswerers(*answerers)
	if err != nil {
		return "", opts, err
	}
	opts = llmtest.Options{
		Latency: *latency, LatencyJitter: *jitter, MaxConcurrency: *maxConc, RetryAfter: *retryAfter,
		ErrorRate: *errorRate, ErrorKinds: kinds, Seed: *seed, Model: *model,
		JudgeLabels: labels, JudgeMalformedRate: *judgeMalformed, JudgeMalformedAfterReask: *judgeAfterAsk,
		JudgeStyle: llmtest.JudgeStyle(*judgeStyle), Gullible: *gullible,
		Answerers:  models,
		EvalJudge:  llmtest.EvalJudge{Accuracy: *evalAccuracy, PositionBias: *evalBias, Echo: *evalEcho},
		BatchDelay: *batchDelay, BatchItemFailureRate: *batchFailures,
	}
	if err := opts.Validate(); err != nil {
		return "", opts, err
	}
	return *listen, opts, nil
}
