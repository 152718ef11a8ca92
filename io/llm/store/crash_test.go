package store

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSIGKILL kills a process that is writing entries as fast as it can, then checks
// that every entry it left is whole: the kill may cost the writes in flight, never a
// corrupt entry.
func TestSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a subprocess")
	}
	dir := filepath.Join(t.TempDir(), "responses")
	cmd := exec.Command(os.Args[0], "-test.run=^TestSIGKILLWriter$", "-test.count=1")
	cmd.Env = append(os.Environ(), "STORE_SIGKILL_DIR="+dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for n := 0; n < 200; {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the writer stored only %d entries in 20s", n)
		}
		time.Sleep(20 * time.Millisecond)
		n, _ = Count(context.Background(), dir)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix
		t.Fatal(err)
	}
	cmd.Wait()

	ctx := context.Background()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	entries, temps := 0, 0
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := d.Name()
		if strings.HasPrefix(name, ".") {
			temps++
			return nil
		}
		key := strings.TrimSuffix(name, ".json")
		e, ok, err := s.Get(ctx, key)
		if err != nil || !ok || len(e.Content) != 1 || len(e.Content[0]) != 64<<10 {
			t.Errorf("%s: ok %v, err %v, content %d choices", p, ok, err, len(e.Content))
		}
		entries++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := Count(ctx, dir); n != entries {
		t.Errorf("Count = %d, want the %d entries found", n, entries)
	}
	t.Logf("after SIGKILL: %d whole entries, %d temporary files left (ignored)", entries, temps)
}

// TestSIGKILLWriter is TestSIGKILL's subprocess: it writes 64 KiB entries from 8
// goroutines until killed.
func TestSIGKILLWriter(t *testing.T) {
	dir := os.Getenv("STORE_SIGKILL_DIR")
	if dir == "" {
		t.Skip("run by TestSIGKILL")
	}
	ctx := context.Background()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 64<<10)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				e := testEntry(fmt.Sprint(g, "/", i))
				e.Content, e.FinishReason, e.Embedding = []string{big}, []string{"stop"}, nil
				if err := s.Put(ctx, e); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
