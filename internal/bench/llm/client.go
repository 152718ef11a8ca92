package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"golang.org/x/sync/errgroup"

	"github.com/xinstruct/xinstruct/internal/prompts"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/transforms/instruct"
)

// client is the benchmark without Beam: the generation stage's calls made exactly as
// generateFn makes them (same template, same llm.Client, an llm.Pool of 2 x max_in_flight
// elements in progress, one bundle), from documents read straight from the corpus. It
// gives the ceiling that the llm layer reaches on this machine, so that a runner's
// shortfall can be split into the client's and the runner's.
func client(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("client", flag.ContinueOnError)
	corpus := fs.String("corpus", "", "glob of the corpus's JSONL files")
	n := fs.Int("n", 10090, "documents to send (distinct texts of at least 200 bytes, in file order)")
	baseURL := fs.String("base_url", "", "OpenAI-compatible base URL")
	storeDir := fs.String("store", "", "response store directory (fresh)")
	maxInFlight := fs.Int("max_in_flight", 64, "as the job's --max_in_flight")
	pending := fs.Int("pending", 0, "elements in progress in the pool (0: 2 x max_in_flight, as generateFn)")
	every := fs.Duration("progress_every", 5*time.Second, "progress log interval")
	backoff := fs.Duration("backoff_initial", llm.DefaultConfig().Backoff.Initial, "llm Config.Backoff.Initial (the job has no flag for it)")
	raw := fs.Bool("raw", false, "no llm package: max_in_flight goroutines post the same requests back to back with net/http and retry a failure at once (the server's ceiling on this machine)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *corpus == "" || *baseURL == "" || (*storeDir == "" && !*raw) {
		return errors.New("client: --corpus, --base_url and --store (unless --raw) are required")
	}
	docs, err := readCorpus(*corpus, *n)
	if err != nil {
		return err
	}
	if *raw {
		return rawClient(docs, *baseURL, *maxInFlight, stdout)
	}
	cfg := llm.DefaultConfig()
	cfg.BaseURL, cfg.Model, cfg.Store, cfg.MaxInFlight = *baseURL, "bench", *storeDir, *maxInFlight
	cfg.Backoff.Initial = *backoff
	ctx := context.Background()
	c, err := llm.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	tmpl := prompts.MustLoad(instruct.TemplateGenerate)
	if *pending <= 0 {
		*pending = 2 * *maxInFlight
	}
	pool := llm.NewPool[int](*pending)
	var inProgress, done, failed, retries atomic.Int64
	// The same numbers as llm.Progress, plus how many elements are waiting for a slot
	// (inProgress is the pool's count).
	stop := make(chan struct{})
	start := time.Now()
	go func() {
		t := time.NewTicker(*every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				fmt.Fprintf(os.Stderr, "client: done %d/%d, in progress %d, failed %d, retries %d, %.1f/s\n",
					done.Load(), len(docs), inProgress.Load(), failed.Load(), retries.Load(), float64(done.Load())/time.Since(start).Seconds())
			}
		}
	}()
	for _, d := range docs {
		messages, err := tmpl.Render(struct{ LangName, Text string }{prompts.LanguageName(d.Lang), prompts.Untrusted(d.Text)}, nil)
		if err != nil {
			return err
		}
		pool.Go(func() (int, error) {
			inProgress.Add(1)
			defer inProgress.Add(-1)
			reply, f, err := c.Chat(ctx, llm.ChatRequest{Template: tmpl.Ref(), Messages: messages})
			done.Add(1)
			retries.Add(int64(reply.Retries))
			if f != nil {
				failed.Add(1)
			}
			return 0, err
		})
		if _, err := pool.Take(); err != nil {
			return err
		}
	}
	if _, err := pool.Wait(); err != nil {
		return err
	}
	close(stop)
	el := time.Since(start)
	fmt.Fprintf(stdout, "client: %d documents in %.2f s (%.1f/s), failed %d, retries %d\n",
		len(docs), el.Seconds(), float64(len(docs))/el.Seconds(), failed.Load(), retries.Load())
	return nil
}

type corpusDoc struct {
	ID   string `json:"id"`
	Lang string `json:"lang"`
	Text string `json:"text"`
}

func readCorpus(glob string, n int) ([]corpusDoc, error) {
	files, err := filepath.Glob(glob)
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	seen := map[string]bool{}
	var out []corpusDoc
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() && len(out) < n {
			var d corpusDoc
			if json.Unmarshal(sc.Bytes(), &d) != nil || len(d.Text) < 200 || seen[d.Text] {
				continue
			}
			seen[d.Text] = true
			out = append(out, d)
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	if len(out) < n {
		return nil, fmt.Errorf("client: %s has %d usable documents, fewer than %d", glob, len(out), n)
	}
	return out, nil
}

// rawClient posts each document's chat request with n goroutines and a plain
// http.Client, retrying a non-200 at once: no store, no key, no backoff, no pool.
func rawClient(docs []corpusDoc, baseURL string, n int, stdout io.Writer) error {
	tmpl := prompts.MustLoad(instruct.TemplateGenerate)
	sampling := llm.DefaultConfig().Sampling
	bodies := make(chan []byte, len(docs))
	for _, d := range docs {
		messages, err := tmpl.Render(struct{ LangName, Text string }{prompts.LanguageName(d.Lang), prompts.Untrusted(d.Text)}, nil)
		if err != nil {
			return err
		}
		req := openai.ChatCompletionRequest{Model: "bench", Temperature: sampling.Temperature, TopP: sampling.TopP, MaxTokens: sampling.MaxTokens}
		for _, m := range messages {
			req.Messages = append(req.Messages, openai.ChatCompletionMessage{Role: m.Role, Content: m.Content})
		}
		b, err := json.Marshal(req)
		if err != nil {
			return err
		}
		bodies <- b
	}
	close(bodies)
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost, t.MaxIdleConns = 2*n, 4*n
	hc := &http.Client{Transport: t, Timeout: time.Minute}
	url := strings.TrimSuffix(baseURL, "/") + "/chat/completions"
	var failures atomic.Int64
	start := time.Now()
	g, _ := errgroup.WithContext(context.Background())
	for range n {
		g.Go(func() error {
			for b := range bodies {
				for {
					resp, err := hc.Post(url, "application/json", bytes.NewReader(b))
					if err != nil {
						return err
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						break
					}
					failures.Add(1)
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(stdout, "client --raw: %d documents in %.2f s (%.1f/s), %d failed attempts retried\n",
		len(docs), el.Seconds(), float64(len(docs))/el.Seconds(), failures.Load())
	return nil
}
