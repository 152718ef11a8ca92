package llm

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

// freshSlots gives the test a process bound of its own (earlier tests raised the
// process's), and puts the process's back after.
func freshSlots(t *testing.T) {
	saved := processSlots
	processSlots = &slots{free: make(chan struct{})}
	t.Cleanup(func() { processSlots = saved })
}

// TestMaxInFlightIsPerProcess: two Clients of different models against one server share
// one bound: the server never sees more than MaxInFlight requests at once, though each
// client alone would be allowed that many.
func TestMaxInFlightIsPerProcess(t *testing.T) {
	freshSlots(t)
	const maxInFlight = 3
	srv, url := llmtest.Start(t, llmtest.Options{Latency: 30 * time.Millisecond})
	var clients []*Client
	for _, model := range []string{"generator", "judge"} {
		cfg := DefaultConfig()
		cfg.BaseURL, cfg.Model, cfg.Store, cfg.RunID = url, model+"-"+t.Name(), t.TempDir(), t.Name()
		cfg.MaxInFlight = maxInFlight
		c, err := New(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients = append(clients, c)
	}
	var wg sync.WaitGroup
	for i := range 12 {
		for _, c := range clients {
			wg.Go(func() {
				if _, f, err := c.Chat(context.Background(), ask(fmt.Sprint(i), 0)); f != nil || err != nil {
					t.Errorf("%s: %v %v", c.cfg.Model, f, err)
				}
			})
		}
	}
	wg.Wait()
	st := srv.Stats()
	if st.Completed != 24 || st.MaxInFlight > maxInFlight {
		t.Errorf("%d answers, at most %d requests at once; want 24, at most %d", st.Completed, st.MaxInFlight, maxInFlight)
	}
	if st.MaxInFlight < maxInFlight {
		t.Logf("only %d requests at once (the bound is %d)", st.MaxInFlight, maxInFlight)
	}
	if _, used := processSlots.inFlight(); used != 0 {
		t.Errorf("%d slots still held", used)
	}
}

// TestMaxInFlightTakesTheLargest: Clients given different bounds share the largest.
func TestMaxInFlightTakesTheLargest(t *testing.T) {
	freshSlots(t)
	for _, n := range []int{4, 8, 2} {
		sharedSlots(n)
	}
	if n, _ := processSlots.inFlight(); n != 8 {
		t.Errorf("bound %d, want 8", n)
	}
}

// TestSlotsWaitAndGrow: a full bound blocks until a slot frees or the bound grows, and
// gives up when the context ends.
func TestSlotsWaitAndGrow(t *testing.T) {
	s := &slots{free: make(chan struct{})}
	s.grow(1)
	if err := s.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := s.acquire(ctx); err == nil {
		t.Fatal("a second slot out of one")
	}
	got := make(chan error)
	go func() { got <- s.acquire(context.Background()) }()
	time.Sleep(10 * time.Millisecond)
	s.grow(2)
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	s.release()
	s.release()
	if _, used := s.inFlight(); used != 0 {
		t.Errorf("%d in use", used)
	}
}
