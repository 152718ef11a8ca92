package publish

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckWritable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	if err := CheckWritable(ctx, out, "r1"); err != nil {
		t.Fatalf("a new output directory: %v", err)
	}
	if left, _ := os.ReadDir(out); len(left) != 0 {
		t.Errorf("the probe left %v behind", left)
	}
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	if err := CheckWritable(ctx, file, "r1"); err == nil || !strings.Contains(err.Error(), "is a file") {
		t.Errorf("an output that is a file: %v", err)
	}
	if os.Getuid() != 0 { // root writes anywhere
		ro := filepath.Join(dir, "ro")
		os.Mkdir(ro, 0o555)
		if err := CheckWritable(ctx, ro, "r1"); err == nil || !strings.Contains(err.Error(), "not writable") {
			t.Errorf("a read-only output: %v", err)
		}
	}
}

func TestClearTemp(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	stale := filepath.Join(out, TempRoot, "killed-run", "out", "clean", "fi", "x.jsonl")
	os.MkdirAll(filepath.Dir(stale), 0o755)
	os.WriteFile(stale, make([]byte, 1<<20), 0o644)
	keep := filepath.Join(out, "clean", "fi", "part-00000-of-00001.jsonl")
	os.MkdirAll(filepath.Dir(keep), 0o755)
	os.WriteFile(keep, []byte("{}\n"), 0o644)
	if err := ClearTemp(ctx, out); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("a dead run's shard survived: %v", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("a published shard was removed: %v", err)
	}
}
