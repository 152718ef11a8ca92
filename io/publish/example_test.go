package publish_test

import (
	"fmt"

	"github.com/xinstruct/xinstruct/io/publish"
)

func ExampleCheck() {
	outputs := []publish.OutputDir{{Dir: "clean/fi", Records: 2}, {Dir: "clean/sw", Records: 1}, {Dir: "rejected/length", Records: 1}}
	files := []publish.File{{Path: "gs://b/out/dataset/fi.jsonl", Records: 2}, {Path: "gs://b/out/dataset/README.md"}}
	// Keys are directories (covering what is below them) or files, below the prefix.
	fmt.Println(publish.Check("gs://b/out", outputs, files, map[string]int64{"clean": 3, "rejected": 1, "dataset/fi.jsonl": 2}))
	fmt.Println(publish.Check("gs://b/out", outputs, files, map[string]int64{"clean": 4, "dataset/fi.jsonl": 2}))
	// Output:
	// <nil>
	// the files do not hold what the run counted: clean holds 3 records, the run counted 4; rejected/length holds 1 records the run did not count
}
