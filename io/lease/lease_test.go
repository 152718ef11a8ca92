package lease

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/internal/gcstest"
)

func TestLeaseLocal(t *testing.T) { testLease(t, filepath.Join(t.TempDir(), "out")) }

func TestLeaseGCS(t *testing.T) {
	gcstest.Start(t, "bucket", nil)
	testLease(t, "gs://bucket/runs/out")
}

func testLease(t *testing.T, output string) {
	ctx := context.Background()
	a, err := Acquire(ctx, output, "run-a", 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	var held *HeldError
	if _, err := Acquire(ctx, output, "run-b", time.Minute); !errors.As(err, &held) || held.Holder.RunID != "run-a" {
		t.Fatalf("a second run on a held prefix: %v; want a HeldError naming run-a", err)
	}
	if err := a.Renew(ctx); err != nil {
		t.Fatalf("renew: %v", err)
	}
	if err := Check(ctx, output, "run-a"); err != nil {
		t.Errorf("the holder's check: %v", err)
	}
	if err := Check(ctx, output, "run-b"); !errors.Is(err, ErrLost) {
		t.Errorf("another run's check: %v; want ErrLost", err)
	}

	// run-a stops renewing (killed): its lease expires and run-b takes it over.
	time.Sleep(400 * time.Millisecond)
	b, err := Acquire(ctx, output, "run-b", time.Minute)
	if err != nil {
		t.Fatalf("taking over an expired lease: %v", err)
	}
	if err := a.Renew(ctx); !errors.Is(err, ErrLost) {
		t.Errorf("the expired holder renewed: %v; want ErrLost", err)
	}
	if err := Check(ctx, output, "run-a"); !errors.Is(err, ErrLost) {
		t.Errorf("the expired holder may still publish: %v", err)
	}
	if err := a.Release(ctx); err != nil {
		t.Errorf("releasing a lost lease: %v", err)
	}
	if err := Check(ctx, output, "run-b"); err != nil {
		t.Errorf("the new holder's check after the old one released: %v", err)
	}
	if err := b.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := Check(ctx, output, "anyone"); err != nil {
		t.Errorf("no lease: %v", err)
	}

	// Many runs at once on a free prefix: exactly one gets it, 10 times over.
	for trial := 0; trial < 10; trial++ {
		var wg sync.WaitGroup
		var mu sync.Mutex
		var won []*Lease
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l, err := Acquire(ctx, output, fmt.Sprintf("t%d-r%d", trial, i), time.Minute)
				if err == nil {
					mu.Lock()
					won = append(won, l)
					mu.Unlock()
				} else if !errors.As(err, new(*HeldError)) {
					t.Errorf("trial %d: %v", trial, err)
				}
			}()
		}
		wg.Wait()
		if len(won) != 1 {
			t.Fatalf("trial %d: %d runs got the lease", trial, len(won))
		}
		won[0].Release(ctx)
	}
}

func TestKeepAliveOutlivesTheTTL(t *testing.T) {
	ctx := context.Background()
	output := filepath.Join(t.TempDir(), "out")
	l, err := Acquire(ctx, output, "run-a", 150*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	stop := l.KeepAlive(ctx, func(err error) { t.Errorf("lost: %v", err) })
	time.Sleep(500 * time.Millisecond)
	if _, err := Acquire(ctx, output, "run-b", time.Minute); !errors.As(err, new(*HeldError)) {
		t.Errorf("a renewed lease was taken: %v", err)
	}
	stop()
	l.Release(ctx)
}

// TestKilledRunDoesNotBlockHere: a lease whose holder was a process of this host that is
// gone is taken at once, without waiting for its TTL.
func TestKilledRunDoesNotBlockHere(t *testing.T) {
	ctx := context.Background()
	output := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true command")
	}
	host, _ := os.Hostname()
	dead := Holder{RunID: "killed", Host: host, PID: cmd.Process.Pid, Started: time.Now(), Renewed: time.Now(), TTL: time.Hour}
	data, _ := json.Marshal(dead)
	os.MkdirAll(output, 0o755)
	os.WriteFile(filepath.Join(output, File), data, 0o644)
	l, err := Acquire(ctx, output, "next", time.Minute)
	if err != nil {
		t.Fatalf("a dead local holder blocked the next run: %v", err)
	}
	l.Release(ctx)
	// The same holder on another host is respected until its TTL.
	dead.Host = "elsewhere"
	data, _ = json.Marshal(dead)
	os.WriteFile(filepath.Join(output, File), data, 0o644)
	if _, err := Acquire(ctx, output, "next", time.Minute); !errors.As(err, new(*HeldError)) {
		t.Errorf("a holder on another host was taken over: %v", err)
	}
}
