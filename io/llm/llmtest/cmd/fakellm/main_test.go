package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
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
			"--judge_labels=0,1,0", "--judge_style=prose", "--judge_malformed_rate=0", "--judge_malformed_after_reask=0.5", "--gullible"}, &out)
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
		{"extra"},
	} {
		if err := run(context.Background(), append([]string{"--addr=127.0.0.1:0"}, args...), io.Discard); err == nil {
			t.Errorf("run(%q) = nil, want an error", args)
		}
	}
}
