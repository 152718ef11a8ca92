package docio_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/xinstruct/xinstruct/io/docio"
)

func ExampleRead() {
	dir, err := os.MkdirTemp("", "docio-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	corpus := `{"id":"1","text":"Hyvää huomenta","lang":"fi"}
{"id":"2","text":""}
{"id":"3","text":"Good morning","lang":"en","source":"cc"}
`
	if err := os.WriteFile(filepath.Join(dir, "part-0.jsonl"), []byte(corpus), 0o644); err != nil {
		log.Fatal(err)
	}

	p, s := beam.NewPipelineWithRoot()
	docs, rejected := docio.Read(s, []string{filepath.Join(dir, "*.jsonl")}, docio.Options{})
	_, _ = docs, rejected // a real pipeline cleans docs and writes rejected to a dead-letter sink

	pr, err := beamx.RunWithMetrics(context.Background(), p)
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range pr.Metrics().AllMetrics().Counters() {
		if c.Key.Namespace == "docio" && (c.Key.Name == "docs" || c.Key.Name == "rejected_missing_text") {
			fmt.Println(c.Key.Name, c.Committed)
		}
	}
	// Unordered output:
	// docs 2
	// rejected_missing_text 1
}

func ExampleMatch() {
	dir, err := os.MkdirTemp("", "docio-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	for _, name := range []string{"a.jsonl", "b.jsonl.gz", "c.parquet"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			log.Fatal(err)
		}
	}

	// A launcher checks its inputs before submitting a job.
	files, err := docio.Match(context.Background(), []string{filepath.Join(dir, "*.jsonl*"), filepath.Join(dir, "*")})
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range files {
		fmt.Println(filepath.Base(f))
	}
	_, err = docio.Match(context.Background(), []string{filepath.Join(dir, "*.txt")})
	fmt.Println(err != nil)
	// Output:
	// a.jsonl
	// b.jsonl.gz
	// c.parquet
	// true
}
