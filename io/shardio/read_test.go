package shardio

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFileChecksTheCount(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spill.bin")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(out)
	for _, r := range []string{"a", "bb"} {
		if _, err := Varint.writeRecord(w, []byte(r)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	var got []string
	if err := ReadFile(context.Background(), File{Path: path, Records: 2}, Varint, func(rec []byte) error {
		got = append(got, string(rec))
		return nil
	}); err != nil || strings.Join(got, ",") != "a,bb" {
		t.Fatalf("read %v, %v; want a,bb", got, err)
	}
	err = ReadFile(context.Background(), File{Path: path, Records: 3}, Varint, func([]byte) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "holds 2 records, its writer wrote 3") {
		t.Fatalf("a file one record short: %v", err)
	}
}
