package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/internal/gcstest"
)

// The cross-process tests re-execute the test binary as workers: TestMain runs child
// instead of the tests when childEnv is set.
const childEnv = "LEDGER_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		if err := child(mode); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// report is what a child did, in the ledger's own units.
type report struct {
	Holder    string
	Taken     amount
	Returned  amount
	Takes     int64
	Elapsed   time.Duration
	Conflicts int64
}

// child works on the ledger the environment names, then prints a report on stdout.
// "drain": several goroutines take small random amounts, sometimes give half back, until
// the budget is spent. "bench": one goroutine takes small amounts for a while.
func child(mode string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	maxReq, _ := strconv.ParseInt(os.Getenv("LEDGER_MAX_REQUESTS"), 10, 64)
	maxCost, _ := strconv.ParseFloat(os.Getenv("LEDGER_MAX_COST"), 64)
	l, err := Open(ctx, os.Getenv("LEDGER_DIR"), os.Getenv("LEDGER_RUN"), Caps{MaxRequests: maxReq, MaxCost: maxCost})
	if err != nil {
		return err
	}
	defer l.Close()
	start, _ := strconv.ParseInt(os.Getenv("LEDGER_START"), 10, 64)
	time.Sleep(time.Until(time.Unix(0, start))) // all children start together

	var mu sync.Mutex
	r := report{Holder: l.Holder()}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	t0 := time.Now()
	if mode == "drain" {
		for range 4 {
			wg.Go(func() {
				for {
					g, err := l.Take(ctx, 1+rand.Int64N(5), float64(1+rand.IntN(50))/1000)
					if err != nil {
						errs <- err
						return
					}
					if g.IsZero() {
						return
					}
					c, _ := toNanos(g.Cost)
					got := amount{g.Requests, c}
					back := amount{got.Requests / 2, got.Cost / 2}
					mu.Lock()
					r.Taken, r.Takes = r.Taken.plus(got), r.Takes+1
					mu.Unlock()
					if rand.IntN(4) > 0 || back.zero() {
						continue
					}
					if err := l.Return(ctx, back.public()); err != nil {
						errs <- err
						return
					}
					mu.Lock()
					r.Returned = r.Returned.plus(back)
					mu.Unlock()
				}
			})
		}
	} else {
		d, _ := time.ParseDuration(os.Getenv("LEDGER_FOR"))
		for time.Since(t0) < d {
			if _, err := l.Take(ctx, 1, 0.001); err != nil {
				return err
			}
			r.Takes++
		}
	}
	wg.Wait()
	r.Elapsed = time.Since(t0)
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	s, err := l.State(ctx)
	if err != nil {
		return err
	}
	r.Conflicts = s.Holders[r.Holder].Conflicts
	return json.NewEncoder(os.Stdout).Encode(r)
}

// runChildren runs n children against the run's ledger in dir and returns their reports.
func runChildren(t testing.TB, n int, mode, dir, run string, caps Caps, extra ...string) []report {
	t.Helper()
	env := append(os.Environ(), childEnv+"="+mode, "LEDGER_DIR="+dir, "LEDGER_RUN="+run,
		"LEDGER_MAX_REQUESTS="+strconv.FormatInt(caps.MaxRequests, 10),
		"LEDGER_MAX_COST="+strconv.FormatFloat(caps.MaxCost, 'g', -1, 64),
		"LEDGER_START="+strconv.FormatInt(time.Now().Add(500*time.Millisecond).UnixNano(), 10))
	env = append(env, extra...)
	cmds := make([]*exec.Cmd, n)
	outs := make([]bytes.Buffer, n)
	for i := range cmds {
		cmds[i] = exec.Command(os.Args[0], "-test.run=^$")
		cmds[i].Env, cmds[i].Stdout, cmds[i].Stderr = env, &outs[i], os.Stderr
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	reports := make([]report, n)
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("child %d: %v", i, err)
		}
		if err := json.Unmarshal(outs[i].Bytes(), &reports[i]); err != nil {
			t.Fatalf("child %d printed %q: %v", i, outs[i].String(), err)
		}
	}
	return reports
}

// TestProcesses: 4 processes of 4 goroutines each drain one budget at once; together
// they get exactly the cap on the axis that runs out, never more, and the object's
// totals are the sum of what each got.
func TestProcesses(t *testing.T) {
	gcstest.Start(t, "bucket", nil) // the children inherit STORAGE_EMULATOR_HOST
	for _, store := range []string{"local", "gcs"} {
		dir := t.TempDir()
		if store == "gcs" {
			dir = "gs://bucket/store"
		}
		for _, c := range []struct {
			name string
			caps Caps
		}{
			{"requests", Caps{MaxRequests: 240, MaxCost: 1000}},
			{"cost", Caps{MaxRequests: 1_000_000, MaxCost: 2.5}},
		} {
			t.Run(store+"/"+c.name, func(t *testing.T) {
				reports := runChildren(t, 4, "drain", dir, c.name, c.caps)
				var net amount
				for _, r := range reports {
					net = net.plus(r.Taken)
					net.Requests -= r.Returned.Requests
					net.Cost -= r.Returned.Cost
				}
				capCost, _ := toNanos(c.caps.MaxCost)
				if net.Requests > c.caps.MaxRequests || net.Cost > capCost {
					t.Errorf("the fleet got %+v; caps %+v", net.public(), c.caps)
				}
				if (c.name == "requests" && net.Requests != c.caps.MaxRequests) || (c.name == "cost" && net.Cost != capCost) {
					t.Errorf("the fleet got %+v, not all of the %s cap %+v", net.public(), c.name, c.caps)
				}
				l := mustOpen(t, dir, c.name, c.caps)
				s, err := l.State(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if s.Leased != net.public() {
					t.Errorf("the object says %+v leased; the children got %+v", s.Leased, net.public())
				}
				children := map[string]bool{}
				for _, r := range reports {
					children[r.Holder] = true
					h := s.Holders[r.Holder]
					if h.Taken != r.Taken.public() || h.Returned != r.Returned.public() || h.Takes != r.Takes {
						t.Errorf("holder %s: the object says %+v; the child got %+v", r.Holder, h, r)
					}
				}
				var conflicts int64
				takes := map[string]int64{}
				for id, h := range s.Holders {
					if !children[id] {
						t.Errorf("holder %s is none of the children", id)
					}
					conflicts += h.Conflicts
					takes[id] = h.Takes
				}
				t.Logf("%d writes, %d lost races, leased %+v, takes by holder %v", s.Writes, conflicts, s.Leased, takes)
			})
		}
	}
}

// BenchmarkTake measures Takes per second (each one a write) on a local directory and
// on the in-process fake GCS, from 1 and 4 processes. Run it with -benchtime=1x: each
// run is a fixed 2 s of taking.
func BenchmarkTake(b *testing.B) {
	gcstest.Start(b, "bucket", nil)
	for _, store := range []string{"local", "gcs"} {
		for _, procs := range []int{1, 4} {
			b.Run(fmt.Sprintf("%s/procs=%d", store, procs), func(b *testing.B) {
				dir := b.TempDir()
				if store == "gcs" {
					dir = "gs://bucket/bench"
				}
				run := fmt.Sprintf("bench-%d", time.Now().UnixNano())
				reports := runChildren(b, procs, "bench", dir, run, Caps{MaxRequests: 1 << 40}, "LEDGER_FOR=2s")
				var takes, conflicts int64
				var elapsed time.Duration
				for _, r := range reports {
					takes, conflicts, elapsed = takes+r.Takes, conflicts+r.Conflicts, max(elapsed, r.Elapsed)
				}
				b.ReportMetric(float64(takes)/elapsed.Seconds(), "takes/s")
				b.ReportMetric(float64(conflicts)/float64(takes), "lost-races/take")
			})
		}
	}
}
