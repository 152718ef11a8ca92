package docio

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/xinstruct/xinstruct/internal/record"
)

func TestMain(m *testing.M) { ptest.Main(m) }

func init() {
	register.Function1x1(docKey)
	register.Function1x1(rejectedKey)
}

// docKey identifies a doc in assertions: "file|ID|Line|len(Text)|Lang|Meta".
func docKey(d record.Doc) string {
	return fmt.Sprintf("%s|%s|%d|%d|%s|%s", baseName(d.Source), d.ID, d.Line, len(d.Text), d.Lang, d.Meta)
}

// rejectedKey identifies a dead letter in assertions: "file|Reason|Line|ID".
func rejectedKey(r record.Rejected) string {
	return fmt.Sprintf("%s|%s|%d|%s", baseName(r.Source), r.Reason, r.Line, r.ID)
}

func TestReadPipelineBadInput(t *testing.T) {
	big := strings.Repeat("abcdefghij", 500_000) // 5 MB
	path := writeFile(t, t.TempDir(), "bad.jsonl", badJSONL(big))

	p, s := beam.NewPipelineWithRoot()
	docs, rejected := Read(s, []string{path}, Options{})
	// Through a shuffle, so that the elements are encoded (the 5 MB one too).
	docs, rejected = beam.Reshuffle(s, docs), beam.Reshuffle(s, rejected)
	passert.Equals(s, beam.ParDo(s, docKey, docs),
		`bad.jsonl|ok-1|1|16|fi|{"source":"cc"}`,
		"bad.jsonl|big|8|5000000||",
		"bad.jsonl|bad.jsonl:9|9|17||",
	)
	passert.Equals(s, beam.ParDo(s, rejectedKey, rejected),
		"bad.jsonl|malformed_json|2|bad.jsonl:2",
		"bad.jsonl|invalid_utf8|3|bad.jsonl:3",
		"bad.jsonl|missing_text|5|empty",
		"bad.jsonl|missing_text|6|7",
	)
	pr := ptest.RunAndValidate(t, p)

	counters := make(map[string]int64)
	for _, c := range pr.Metrics().AllMetrics().Counters() {
		if c.Key.Namespace == "docio" {
			counters[c.Key.Name] += c.Committed
		}
	}
	want := map[string]int64{
		"files_read": 1, "records_read": 7, "docs": 3,
		"rejected_malformed_json": 1, "rejected_invalid_utf8": 1, "rejected_missing_text": 2,
	}
	for name, n := range want {
		if counters[name] != n {
			t.Errorf("counter docio/%s = %d, want %d (all: %v)", name, counters[name], n, counters)
		}
	}
}

func TestReadPipelineFormats(t *testing.T) {
	dir := t.TempDir()
	gz := gzipped([]byte(`{"id":"g1","text":"gzip one"}` + "\n" + `{"id":"g2","text":"gzip two"}` + "\n"))
	writeFile(t, dir, "a.jsonl.gz", gz)
	var lines bytes.Buffer
	for i := 1; i <= 3000; i++ {
		fmt.Fprintf(&lines, `{"id":"t%d","text":"%s"}`+"\n", i, strings.Repeat("x", i%100+1))
	}
	full := gzipped(lines.Bytes())
	writeFile(t, dir, "trunc.jsonl.gz", full[:len(full)*2/3])
	var pq bytes.Buffer
	writeParquet(t, &pq, pqRows)
	writeFile(t, dir, "rows.parquet", pq.Bytes())
	writeFile(t, dir, "story.txt", []byte("Kappale yksi.\n\nKappale kaksi.\n"))
	writeFile(t, dir, "table.csv", []byte("id,text\n1,x\n"))

	// The truncated file is matched by both globs and must be read once; so is every file
	// matched by the third.
	globs := []string{
		filepath.Join(dir, "*.jsonl.gz"),
		filepath.Join(dir, "trunc.jsonl.gz"),
		filepath.Join(dir, "*"),
	}
	p, s := beam.NewPipelineWithRoot()
	docs, rejected := Read(s, globs, Options{MaxRecordBytes: 2000})

	// What the truncated file yields depends on where the cut falls: read it directly.
	truncDocs, truncRejected, err := readFile(t, filepath.Join(dir, "trunc.jsonl.gz"), 2000)
	if err != nil || len(truncRejected) != 1 || len(truncDocs) < 100 {
		t.Fatalf("truncated gzip: %d docs, rejected %v, err %v", len(truncDocs), truncRejected, err)
	}
	wantDocs := []any{
		"a.jsonl.gz|g1|1|8||", "a.jsonl.gz|g2|2|8||",
		`rows.parquet|1|1|17|fi|{"attrs":{"k":1},"score":0.5,"tags":["a","<b>"]}`,
		`rows.parquet|6|6|14|fi|{"attrs":{},"score":-1,"tags":[]}`,
		"story.txt|story.txt|1|30||",
	}
	for _, d := range truncDocs {
		wantDocs = append(wantDocs, docKey(d))
	}
	passert.Equals(s, beam.ParDo(s, docKey, docs), wantDocs...)
	passert.Equals(s, beam.ParDo(s, rejectedKey, rejected),
		rejectedKey(truncRejected[0]),
		"rows.parquet|missing_text|2|2",
		"rows.parquet|missing_text|3|3",
		"rows.parquet|invalid_utf8|4|4",
		"rows.parquet|too_long|5|5",
		"table.csv|unreadable_file|0|",
	)
	ptest.RunAndValidate(t, p)
}

func TestReadPipelineGlobMatchesNothing(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.jsonl", []byte(`{"text":"x"}`))
	missing := filepath.Join(dir, "nothing-*.jsonl")
	p, s := beam.NewPipelineWithRoot()
	Read(s, []string{filepath.Join(dir, "*.jsonl"), missing}, Options{})
	err := ptest.Run(p)
	if err == nil {
		t.Fatal("the pipeline ran, want an error for a glob matching no file")
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("glob %q matches no file", missing)) {
		t.Errorf("error %q does not name the glob %q", err, missing)
	}
}

func TestReadPanicsAtConstruction(t *testing.T) {
	tests := map[string]struct {
		globs []string
		opts  Options
	}{
		"no globs":             {nil, Options{}},
		"empty glob":           {[]string{" "}, Options{}},
		"unregistered scheme":  {[]string{"nosuch://bucket/*.jsonl"}, Options{}},
		"negative record size": {[]string{"/tmp/*.jsonl"}, Options{MaxRecordBytes: -1}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("Read did not panic")
				}
			}()
			_, s := beam.NewPipelineWithRoot()
			Read(s, tt.globs, tt.opts)
		})
	}
}

func TestMatch(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.jsonl", nil)
	b := writeFile(t, dir, "b.txt", nil)
	if err := os.Mkdir(filepath.Join(dir, "c.jsonl"), 0o755); err != nil { // a directory: left out
		t.Fatal(err)
	}
	ctx := context.Background()

	got, err := Match(ctx, []string{filepath.Join(dir, "*.jsonl"), filepath.Join(dir, "*")})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{a, b}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Match = %v, want %v (each file once)", got, want)
	}

	missing := filepath.Join(dir, "*.parquet")
	if _, err := Match(ctx, []string{a, missing}); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("Match with a glob matching nothing: error %v, want one naming %q", err, missing)
	}
	if _, err := Match(ctx, []string{filepath.Join(dir, "c.*")}); err == nil {
		t.Error("Match of a glob matching only a directory succeeded, want an error")
	}
	if _, err := Match(ctx, []string{"nosuch://bucket/x.jsonl"}); err == nil || !strings.Contains(err.Error(), "nosuch://bucket/x.jsonl") {
		t.Errorf("Match with an unregistered scheme: error %v, want one naming the glob", err)
	}
	if _, err := Match(ctx, nil); err == nil {
		t.Error("Match(nil) succeeded, want an error")
	}
}
