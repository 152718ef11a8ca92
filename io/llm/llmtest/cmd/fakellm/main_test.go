package main

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"--addr=127.0.0.1:0", "--model=demo", "--error_kinds=500,reset", "--latency=1ms",
			"--judge_labels=0,1,0", "--judge_style=prose", "--judge_malformed_rate=0", "--judge_malformed_after_reask=0.5", "--gullible",
			"--answerers=model-a=quality:7", "--eval_judge_position_bias=1", "--eval_judge_echo"}, &out)
	}()
	re := regexp.MustCompile(`^fakellm: placeholder answers \(not model output\) at (http://127\.0\.0\.1:\d+/v1)\n$`)
	var base string
	for deadline := time.Now().Add(5 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatalf("no start line; output %q", out.String())
	}
	resp, err := http.Get(base + "/models")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"id":"demo"`) || resp.Header.Get("X-Fakellm") != "placeholder" {
		t.Errorf("GET /v1/models: %s", body)
	}
	// The judge flags reach the server: all labels flawed, in prose.
	judge := `{"model":"demo","messages":[{"role":"system","content":"Label the sample."},` +
		`{"role":"user","content":"### English Instruction:\nHow is maize stored?\n\n### Answer (Swahili):\n<text>\nKausha mahindi.\n</text>"}]}`
	resp, err = http.Post(base+"/chat/completions", "application/json", strings.NewReader(judge))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"content":"Label: flawed. `) {
		t.Errorf("judge answer: %s", body)
	}
	// The answerer flags reach the server: model-a answers with quality 7.
	ask := `{"model":"model-a","messages":[{"role":"user","content":"How is maize stored? Answer in Swahili."}]}`
	resp, err = http.Post(base+"/chat/completions", "application/json", strings.NewReader(ask))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), ` (placeholder answer, quality 7)"`) {
		t.Errorf("answer: %s", body)
	}
	// The evaluation judge flags too: position bias 1 gives A the win, and Echo quotes.
	compare := `{"model":"demo","messages":[{"role":"system","content":"Output [[A]], [[B]] or [[C]] for a tie."},` +
		`{"role":"user","content":"<answer_a id=\"n1\">\nFine. (placeholder answer, quality 1)\n</answer_a id=\"n1\">\n\n` +
		`<answer_b id=\"n1\">\nBetter. (placeholder answer, quality 9)\n</answer_b id=\"n1\">"}]}`
	resp, err = http.Post(base+"/chat/completions", "application/json", strings.NewReader(compare))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `[[A]]\n\nFor reference, Assistant A's answer ended: \"Fine. (placeholder answer, quality 1)\"`) {
		t.Errorf("evaluation judge answer: %s", body)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--error_kinds=teapot"},
		{"--error_rate=2"},
		{"--nope"},
		{"--judge_style=yaml"},
		{"--judge_labels=good=1,great=2"},
		{"--judge_labels=0.5,0.5"},
		{"--judge_labels=good=-1"},
		{"--judge_malformed_rate=1.5"},
		{"--judge_malformed_after_reask=-0.1"},
		{"--answerers=a=quality:11"},
		{"--answerers=a=speed:1"},
		{"--answerers=a=wrong_lang:x"},
		{"--eval_judge_accuracy=1.2"},
		{"--eval_judge_position_bias=-0.5"},
		{"extra"},
	} {
		if err := run(context.Background(), append([]string{"--addr=127.0.0.1:0"}, args...), io.Discard); err == nil {
			t.Errorf("run(%q) = nil, want an error", args)
		}
	}
}

func TestParseFlags(t *testing.T) {
	addr, opts, err := parseFlags([]string{"--addr=:9000",
		"--answerers=model-a=quality:7,wrong_lang:0.1;model-b=quality:5,chars:400",
		"--eval_judge_accuracy=0.9", "--eval_judge_position_bias=0.2", "--eval_judge_echo"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]llmtest.Answerer{
		"model-a": {Quality: 7, WrongLanguageRate: 0.1},
		"model-b": {Quality: 5, Chars: 400},
	}
	if addr != ":9000" || !maps.Equal(opts.Answerers, want) ||
		opts.EvalJudge != (llmtest.EvalJudge{Accuracy: 0.9, PositionBias: 0.2, Echo: true}) {
		t.Errorf("parseFlags = %q, %+v", addr, opts)
	}

	_, opts, err = parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Answerers != nil || opts.EvalJudge != (llmtest.EvalJudge{Accuracy: llmtest.DefaultEvalJudgeAccuracy}) {
		t.Errorf("defaults: %+v", opts)
	}
}
