package shardio

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
)

func init() { register.Function1x2(toRecord) }

func TestMain(m *testing.M) { ptest.Main(m) }

func TestFramingRoundTrip(t *testing.T) {
	recs := [][]byte{[]byte("a"), {}, bytes.Repeat([]byte("x"), 3<<20), []byte("tail")}
	for _, f := range []Framing{Lines, Varint} {
		var buf bytes.Buffer
		w := bufioWriter(&buf)
		for _, r := range recs {
			if _, err := f.writeRecord(w, r); err != nil {
				t.Fatal(err)
			}
		}
		w.Flush()
		var got [][]byte
		if err := ReadRecords(&buf, f, func(r []byte) error { got = append(got, append([]byte(nil), r...)); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(recs) {
			t.Fatalf("%s: read %d records, wrote %d", f, len(got), len(recs))
		}
		for i := range recs {
			if !bytes.Equal(got[i], recs[i]) {
				t.Errorf("%s: record %d differs (len %d vs %d)", f, i, len(got[i]), len(recs[i]))
			}
		}
	}
}

func TestReadRecordsReportsTruncation(t *testing.T) {
	var buf bytes.Buffer
	w := bufioWriter(&buf)
	Varint.writeRecord(w, []byte("hello world"))
	w.Flush()
	truncated := bytes.NewReader(buf.Bytes()[:5])
	if err := ReadRecords(truncated, Varint, func([]byte) error { return nil }); err == nil {
		t.Fatal("a truncated varint file read without error")
	}
}

func TestPlanRenamesNumbersPerDirInPathOrder(t *testing.T) {
	plan := planRenames("/out", ".jsonl", []File{
		{Dir: "clean/fi", Path: "/tmp/b"}, {Dir: "rejected", Path: "/tmp/z"}, {Dir: "clean/fi", Path: "/tmp/a"},
	})
	var got []string
	for _, r := range plan {
		got = append(got, r.from+" -> "+r.to.Path)
	}
	want := []string{
		"/tmp/a -> /out/clean/fi/part-00000-of-00002.jsonl",
		"/tmp/b -> /out/clean/fi/part-00001-of-00002.jsonl",
		"/tmp/z -> /out/rejected/part-00000-of-00001.jsonl",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func toRecord(s string) (string, []byte) {
	dir, line, _ := strings.Cut(s, "|")
	return dir, []byte(line)
}

// TestWriteAndCommit writes records for two directories with a tiny shard size (so
// files roll over), commits, and checks that every record is in exactly one final file,
// that no temporary file is left, and that a stale part file from an "earlier run" is gone
// while other files are left alone.
func TestWriteAndCommit(t *testing.T) {
	out := t.TempDir()
	stale := filepath.Join(out, "clean", "sw", "part-00003-of-00004.jsonl")
	os.MkdirAll(filepath.Dir(stale), 0o755)
	os.WriteFile(stale, []byte("old\n"), 0o644)
	unrelated := filepath.Join(out, "notes.txt")
	os.WriteFile(unrelated, []byte("mine"), 0o644)
	os.WriteFile(filepath.Join(out, "_SUCCESS"), []byte("{}"), 0o644)

	var in []string
	for i := 0; i < 300; i++ {
		dir := "clean/fi"
		if i%3 == 0 {
			dir = "rejected"
		}
		in = append(in, fmt.Sprintf("%s|{\"n\":%d}", dir, i))
	}
	p, s, col := ptest.CreateList(in)
	temps := Write(s, WriteParams{TempDir: filepath.Join(out, "_temporary", "run1"), Ext: ".jsonl", MaxShardBytes: 500},
		beam.ParDo(s, toRecord, col))
	Commit(s, CommitParams{Prefix: out, Ext: ".jsonl", OwnedDirs: []string{"clean", "rejected"}, Invalidate: []string{"_SUCCESS"}}, temps)
	ptest.RunAndValidate(t, p)

	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale part file survived the commit: %v", err)
	}
	if _, err := os.Stat(unrelated); err != nil {
		t.Errorf("commit removed a file it does not own: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "_SUCCESS")); !os.IsNotExist(err) {
		t.Errorf("the old manifest survived the commit")
	}
	for dir, want := range map[string]int{"clean/fi": 200, "rejected": 100} {
		files, _ := filepath.Glob(filepath.Join(out, dir, "part-*.jsonl"))
		if len(files) < 2 {
			t.Errorf("%s: %d files; a 500-byte shard limit should roll over", dir, len(files))
		}
		var lines []string
		for _, f := range files {
			b, _ := os.ReadFile(f)
			lines = append(lines, strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")...)
			if !strings.Contains(f, fmt.Sprintf("-of-%05d.jsonl", len(files))) {
				t.Errorf("%s is not named part-N-of-%d", f, len(files))
			}
		}
		sort.Strings(lines)
		if len(lines) != want {
			t.Errorf("%s: %d lines, want %d", dir, len(lines), want)
		}
		for i := 1; i < len(lines); i++ {
			if lines[i] == lines[i-1] {
				t.Errorf("%s: line %s written twice", dir, lines[i])
			}
		}
	}
	left, _ := filepath.Glob(filepath.Join(out, "_temporary", "run1", "*", "*"))
	for _, l := range left {
		if st, _ := os.Stat(l); st != nil && !st.IsDir() {
			t.Errorf("temporary file left after commit: %s", l)
		}
	}
}
