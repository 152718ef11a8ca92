package dedup

import (
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/xinstruct/xinstruct/internal/record"
)

func init() {
	register.Function1x1(describeKept)
	register.Function1x1(describeRejected)
}

func TestMain(m *testing.M) { ptest.Main(m) }

func describeKept(d record.Doc) string          { return d.ID }
func describeRejected(r record.Rejected) string { return r.Reason + " " + r.ID + " " + r.Detail }

func TestExactKeepsFirstBySourceAndLine(t *testing.T) {
	p, s, docs := ptest.CreateList([]record.Doc{
		{ID: "b3", Source: "b.jsonl", Line: 3, Text: "same text"},
		{ID: "a7", Source: "a.jsonl", Line: 7, Text: "same text"},
		{ID: "a10", Source: "a.jsonl", Line: 10, Text: "same text"},
		{ID: "a9", Source: "a.jsonl", Line: 9, Text: "other text"},
		{ID: "c1", Source: "c.jsonl", Line: 1, Text: "Same text"}, // case differs: not a duplicate
	})
	kept, rejected := Exact(s, Params{TempDir: t.TempDir()}, docs)
	passert.Equals(s, beam.ParDo(s, describeKept, kept), "a7", "a9", "c1")
	passert.Equals(s, beam.ParDo(s, describeRejected, rejected),
		"duplicate b3 same text as a.jsonl:7", "duplicate a10 same text as a.jsonl:7")
	ptest.RunAndValidate(t, p)
}

func TestExactWithoutDuplicatesKeepsAll(t *testing.T) {
	var in []record.Doc
	for i := 0; i < 500; i++ {
		in = append(in, record.Doc{Source: "x", Line: int64(i), Text: string(rune('a'+i%26)) + string(rune(0x400+i))})
	}
	p, s, docs := ptest.CreateList(in)
	kept, rejected := Exact(s, Params{TempDir: t.TempDir()}, docs)
	passert.Count(s, kept, "kept", 500)
	passert.Empty(s, rejected)
	ptest.RunAndValidate(t, p)
}
