// Command genmodel writes internal/postag's model: prose's embedded AveragedPerceptron
// weights.gob and tags.gob, gzipped, into -out.
//
//	go generate ./internal/postag
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"log"
	"os"
	"path/filepath"

	"github.com/jdkato/prose/v2"
)

func main() {
	out := flag.String("out", "model", "directory to write weights.gob.gz and tags.gob.gz into")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	for _, name := range []string{"weights.gob", "tags.gob"} {
		b, err := prose.Asset("model/AveragedPerceptron/" + name)
		if err != nil {
			log.Fatal(err)
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(b)
		if err := zw.Close(); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*out, name+".gz"), buf.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
		log.Printf("%s: %d bytes, %d gzipped", name, len(b), buf.Len())
	}
}
