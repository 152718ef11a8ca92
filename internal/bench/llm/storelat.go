package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xinstruct/xinstruct/io/llm/store"
)

// storeLatency measures the response store's Put as the generation stage uses it: n
// entries of a typical answer's size, put by `workers` goroutines at about `rate` Puts
// per second in all (the rate the benchmark's server allows), each timed. Since the
// client holds a call's concurrency slot until its answer is stored, a Put's latency is
// part of every request's slot time.
func storeLatency(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("storelat", flag.ContinueOnError)
	dir := fs.String("store", "", "store directory (fresh)")
	n := fs.Int("n", 5000, "entries to put")
	workers := fs.Int("workers", 64, "concurrent putters (the requests in flight)")
	rate := fs.Float64("rate", 600, "Puts per second in all; 0 = as fast as possible")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("storelat: --store is required")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, *dir)
	if err != nil {
		return err
	}
	defer st.Close()
	content := strings.Repeat("Explain why caring for elderly parents at home matters. ", 2)
	jobs := make(chan int)
	go func() {
		defer close(jobs)
		start := time.Now()
		for i := range *n {
			if *rate > 0 {
				if d := time.Until(start.Add(time.Duration(float64(i) / *rate * float64(time.Second)))); d > 0 {
					time.Sleep(d)
				}
			}
			jobs <- i
		}
	}()
	lat := make([]time.Duration, *n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	start := time.Now()
	for range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				h := sha256.Sum256([]byte("storelat/" + strconv.Itoa(i) + "/" + start.String()))
				e := store.Entry{Key: hex.EncodeToString(h[:]), Model: "bench", ResponseModel: "bench", Template: "generate_instruction@1",
					Content: []string{content}, FinishReason: []string{"stop"}, PromptTokens: 480, CompletionTokens: 22, CreatedAt: time.Now().UTC()}
				t := time.Now()
				err := st.Put(ctx, e)
				lat[i] = time.Since(t)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	el := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Fprintf(stdout, "storelat %s: %d Puts by %d goroutines in %.2f s (%.0f/s): mean %v, p50 %v, p90 %v, p99 %v, max %v\n",
		*dir, *n, *workers, el.Seconds(), float64(*n)/el.Seconds(), (sum / time.Duration(len(lat))).Round(time.Microsecond),
		q(0.5).Round(time.Microsecond), q(0.9).Round(time.Microsecond), q(0.99).Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond))
	return nil
}
