package docio

import (
	"bytes"
	"context"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/gcs"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/xinstruct/xinstruct/internal/gcstest"
)

func TestReadGCS(t *testing.T) {
	var pq bytes.Buffer
	writeParquet(t, &pq, pqRows[:2])
	gcstest.Start(t, "corpus", map[string][]byte{
		"fi/part-0.jsonl":    []byte(`{"id":"a","text":"Hei maailma","lang":"fi"}` + "\n\n" + `{"text":"Toinen"}` + "\n" + `{"text":` + "\n"),
		"fi/part-1.parquet":  pq.Bytes(),
		"fi/sub/skip.jsonl":  []byte(`{"text":"not matched: * stops at /"}`),
		"en/part-0.jsonl":    []byte(`{"text":"not matched"}`),
		"fi/part-2.jsonl.gz": gzipped([]byte(`{"id":"z","text":"pakattu"}`)),
	})

	ctx := context.Background()
	files, err := Match(ctx, []string{"gs://corpus/fi/*"})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Errorf("Match = %v, want the 3 files directly under fi/", files)
	}
	if _, err := Match(ctx, []string{"gs://corpus/de/*.jsonl"}); err == nil {
		t.Error("Match of an empty prefix succeeded, want an error")
	}

	p, s := beam.NewPipelineWithRoot()
	docs, rejected := Read(s, []string{"gs://corpus/fi/*"}, Options{})
	passert.Equals(s, beam.ParDo(s, docKey, docs),
		"part-0.jsonl|a|1|11|fi|",
		"part-0.jsonl|part-0.jsonl:3|3|6||",
		`part-1.parquet|1|1|17|fi|{"attrs":{"k":1},"score":0.5,"tags":["a","<b>"]}`,
		"part-2.jsonl.gz|z|1|7||",
	)
	passert.Equals(s, beam.ParDo(s, rejectedKey, rejected),
		"part-0.jsonl|malformed_json|4|part-0.jsonl:4",
		"part-1.parquet|missing_text|2|2",
	)
	ptest.RunAndValidate(t, p)
}
