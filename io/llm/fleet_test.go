package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

// fleetWorkerEnv, when set, makes TestFleetWorkerProcess act as one worker process of a
// fleet: its value is the JSON of a fleetWorker.
const fleetWorkerEnv = "XINSTRUCT_FLEET_WORKER"

type fleetWorker struct {
	BaseURL     string  `json:"base_url"`
	Store       string  `json:"store"`
	RunID       string  `json:"run_id"`
	Worker      int     `json:"worker"`
	Calls       int     `json:"calls"`
	MaxInFlight int     `json:"max_in_flight"`
	MaxCost     float64 `json:"max_cost"`
	Price       Price   `json:"price"`
	Report      string  `json:"report"` // where the worker writes its fleetReport
}

type fleetReport struct {
	Answered int     `json:"answered"`
	Refused  int     `json:"refused"` // dead-lettered as llm_budget_exceeded
	Cost     float64 `json:"cost"`    // the answers' cost as the server counted their tokens
}

// TestFleetWorkerProcess is one worker process of TestFleet; it skips unless started by it.
func TestFleetWorkerProcess(t *testing.T) {
	raw := os.Getenv(fleetWorkerEnv)
	if raw == "" {
		t.Skip("run by TestFleet")
	}
	var w fleetWorker
	if err := json.Unmarshal([]byte(raw), &w); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.BaseURL, cfg.Model, cfg.Store, cfg.RunID = w.BaseURL, "fleet", w.Store, w.RunID
	cfg.MaxInFlight, cfg.MaxCost, cfg.Price = w.MaxInFlight, w.MaxCost, w.Price
	cfg.Backoff = Backoff{Initial: 5 * time.Millisecond, Max: 200 * time.Millisecond}
	c, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var rep fleetReport
	var wg sync.WaitGroup
	pending := make(chan struct{}, 2*w.MaxInFlight) // as Worker's pool bounds elements in progress
	for i := range w.Calls {
		pending <- struct{}{}
		wg.Go(func() {
			defer func() { <-pending }()
			r, f, err := c.Chat(context.Background(), ask(fmt.Sprintf("worker %d document %d", w.Worker, i), 0))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				t.Errorf("call %d: %v", i, err)
			case f != nil && f.Reason == ReasonBudgetExceeded:
				rep.Refused++
			case f != nil:
				t.Errorf("call %d: %v", i, f)
			default:
				rep.Answered++
				rep.Cost += cfg.Price.Cost(r.PromptTokens, r.CompletionTokens)
			}
		})
	}
	wg.Wait()
	c.Close()
	data, _ := json.Marshal(rep)
	if err := os.WriteFile(w.Report, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// runFleet starts one process per worker (this test binary, as TestFleetWorkerProcess),
// all calling url and sharing store, waits for them, and returns their reports.
func runFleet(t *testing.T, workers []fleetWorker) []fleetReport {
	t.Helper()
	dir := t.TempDir()
	cmds := make([]*exec.Cmd, len(workers))
	for i := range workers {
		workers[i].Worker += i
		workers[i].Report = filepath.Join(dir, "report-"+strconv.Itoa(i)+".json")
		spec, _ := json.Marshal(workers[i])
		cmd := exec.Command(os.Args[0], "-test.run=^TestFleetWorkerProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), fleetWorkerEnv+"="+string(spec))
		cmds[i] = cmd
	}
	outs := make([][]byte, len(cmds))
	errs := make([]error, len(cmds))
	var wg sync.WaitGroup
	for i, cmd := range cmds {
		wg.Go(func() { outs[i], errs[i] = cmd.CombinedOutput() })
	}
	wg.Wait()
	reps := make([]fleetReport, len(workers))
	for i := range workers {
		if errs[i] != nil {
			t.Fatalf("worker %d: %v\n%s", i, errs[i], tail(string(outs[i]), 3000))
		}
		data, err := os.ReadFile(workers[i].Report)
		if err == nil {
			err = json.Unmarshal(data, &reps[i])
		}
		if err != nil {
			t.Fatalf("worker %d's report: %v", i, err)
		}
	}
	return reps
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// TestFleet runs four worker processes, each allowed 32 requests in flight, against one
// server that serves 12 at once and answers 429 beyond: the fleet's concurrency must settle
// near the server's capacity with few 429s, and a --max_cost given for the run must hold
// for the fleet's total spend (not per worker), and still hold for a worker started after
// the fleet has spent it.
func TestFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four processes")
	}
	const workers, perWorker, capacity, latency = 4, 250, 12, 40 * time.Millisecond
	fleet := func(url, store, runID string, maxCost float64, price Price, n int) []fleetWorker {
		ws := make([]fleetWorker, n)
		for i := range ws {
			ws[i] = fleetWorker{BaseURL: url, Store: store, RunID: runID, Calls: perWorker, MaxInFlight: 32, MaxCost: maxCost, Price: price}
		}
		return ws
	}

	t.Run("capacity", func(t *testing.T) {
		srv, url := llmtest.Start(t, llmtest.Options{MaxConcurrency: capacity, Latency: latency})
		start := time.Now()
		reps := runFleet(t, fleet(url, t.TempDir(), "capacity", 0, Price{}, workers))
		st := srv.Stats()
		elapsed := st.LastRequest.Sub(st.FirstRequest) + latency
		answered := 0
		for _, r := range reps {
			answered += r.Answered
		}
		// Little's law: the server's mean concurrency is its answers times their latency
		// over the time it was asked.
		busy := float64(st.Completed) * latency.Seconds() / elapsed.Seconds() / capacity
		refused := st.ByStatus[429]
		t.Logf("%d workers x %d calls, 32 in flight each, against a server serving %d at once: %v (processes included %v); server busy %.0f%% of capacity; %d 429s for %d answers (%.1f per 100)",
			workers, perWorker, capacity, elapsed.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), 100*busy, refused, st.Completed, 100*float64(refused)/float64(st.Completed))
		if answered != workers*perWorker || st.Completed != int64(answered) {
			t.Fatalf("%d answers reported, %d completed by the server; want %d", answered, st.Completed, workers*perWorker)
		}
		if busy < 0.5 {
			t.Errorf("the server was busy %.0f%% of its capacity; want at least 50%%", 100*busy)
		}
		// Without adapting (a fixed window of 32 each) this is 500-600 per 100; the
		// adaptive windows measured 7-14 on an idle machine. The bound leaves room for a
		// machine busy with other tests.
		if float64(refused) > 0.4*float64(st.Completed) {
			t.Errorf("%d 429s for %d answers: the fleet did not settle", refused, st.Completed)
		}
	})

	t.Run("budget", func(t *testing.T) {
		srv, url := llmtest.Start(t, llmtest.Options{MaxConcurrency: capacity, Latency: latency})
		price := Price{InputPerM: 1000, OutputPerM: 2000}
		const maxCost = 40.0
		store := t.TempDir()
		reps := runFleet(t, fleet(url, store, "budget", maxCost, price, workers))
		st := srv.Stats()
		spent := price.Cost(int(st.PromptTokens), int(st.CompletionTokens))
		answered, refused, reported := 0, 0, 0.0
		for _, r := range reps {
			answered, refused, reported = answered+r.Answered, refused+r.Refused, reported+r.Cost
		}
		lease := maxCost / leaseShare
		t.Logf("--max_cost=%g for the run, %d workers: spent %.3f by the server's count (%.1f%% of the budget) on %d answers; %d calls refused for the budget; one lease is %.2f",
			maxCost, workers, spent, 100*spent/maxCost, answered, refused, lease)
		if spent > maxCost+lease {
			t.Errorf("the fleet spent %.3f of a budget of %g (one lease: %.2f)", spent, maxCost, lease)
		}
		if refused == 0 || answered == 0 {
			t.Fatalf("%d answered, %d refused: the budget did not bind", answered, refused)
		}
		// Each call reserves its worst case (max_tokens), so the last leases end with
		// fragments smaller than one call: the fleet spends most of the budget, not all.
		if spent < 0.5*maxCost {
			t.Errorf("the fleet spent %.3f of %g: leases were stranded", spent, maxCost)
		}
		if d := reported - spent; d > 1e-6 || d < -1e-6 {
			t.Errorf("the workers counted %.4f, the server %.4f", reported, spent)
		}

		// A worker started after the fleet spent the budget (a restart, a new worker of
		// the same run) carries on from the ledger: it may spend the fragments the others
		// gave back, and no more. It has calls enough to spend a fresh budget, so a reset
		// would show in the run's total.
		before := st.Completed
		lateWorker := fleet(url, store, "budget", maxCost, price, 1)
		lateWorker[0].Worker = workers // documents the fleet did not ask about
		lateWorker[0].Calls = 4 * workers * perWorker
		late := runFleet(t, lateWorker)
		st = srv.Stats()
		total := price.Cost(int(st.PromptTokens), int(st.CompletionTokens))
		t.Logf("a worker of the same run started afterwards: %d calls, %d refused; the run's spend is now %.3f", st.Completed-before, late[0].Refused, total)
		if total > maxCost+lease {
			t.Errorf("a worker started later made %d calls, and the run's spend is %.3f of %g: the budget was reset", st.Completed-before, total, maxCost)
		}
	})
}
