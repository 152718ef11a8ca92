// Command flexmetadata writes the Flex Template metadata file of each pipeline
// (runners/dataflow/<pipeline>/metadata.json) from the binaries' flag definitions. It
// runs in runners/dataflow by go generate:
//
//	go generate ./runners/dataflow
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/xinstruct/xinstruct/runners/dataflow"
)

func main() {
	dir := flag.String("dir", ".", "the runners/dataflow directory")
	flag.Parse()
	for _, p := range dataflow.Pipelines() {
		b, err := p.Metadata().JSON()
		if err == nil {
			err = os.WriteFile(filepath.Join(*dir, p.MetadataFile()), b, 0o644)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "flexmetadata: %v\n", err)
			os.Exit(1)
		}
	}
}
