package publish

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/io/shardio"
)

func TestCheckSizesSeesAFileChangedAfterTheCommit(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	a, b := filepath.Join(out, "clean", "a.jsonl"), filepath.Join(out, "clean", "b.jsonl")
	os.MkdirAll(filepath.Dir(a), 0o755)
	os.WriteFile(a, []byte("{}\n{}\n"), 0o644)
	os.WriteFile(b, []byte("{}\n"), 0o644)
	shards := []shardio.File{{Dir: "clean", Path: a, Records: 2, Bytes: 6}, {Dir: "clean", Path: b, Records: 1, Bytes: 3}}
	if msg, err := checkSizes(ctx, out, shards); msg != "" || err != nil {
		t.Fatalf("unchanged files: %q, %v", msg, err)
	}
	os.WriteFile(b, []byte("{}\n{}\n{}\n"), 0o644) // another run's longer shard under the same name
	if msg, _ := checkSizes(ctx, out, shards); !strings.Contains(msg, "b.jsonl holds 9 bytes, its writer wrote 3") {
		t.Errorf("a replaced shard: %q", msg)
	}
	os.Remove(a)
	if msg, _ := checkSizes(ctx, out, shards); !strings.Contains(msg, "a.jsonl is gone") {
		t.Errorf("a removed shard: %q", msg)
	}
}
