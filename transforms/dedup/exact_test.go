package dedup

import (
	"fmt"
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

func TestExactSameRecordTwiceIsNotADuplicate(t *testing.T) {
	d := record.Doc{ID: "a1", Source: "a.jsonl", Line: 1, Text: "text"}
	p, s, docs := ptest.CreateList([]record.Doc{d, d, {ID: "b2", Source: "b.jsonl", Line: 2, Text: "text"}})
	kept, rejected := Exact(s, Params{TempDir: t.TempDir()}, docs)
	passert.Equals(s, beam.ParDo(s, describeKept, kept), "a1", "a1")
	passert.Equals(s, beam.ParDo(s, describeRejected, rejected), "duplicate b2 same text as a.jsonl:1")
	ptest.RunAndValidate(t, p)
}

func TestExactOrdersBySourcePathThenLineNumber(t *testing.T) {
	var in []record.Doc
	var wantKept, wantRejected []any
	// Many sources, so that shard values carry several source tables; "a10" sorts
	// before "a9" as a path, and line 9 before line 10 as a number.
	for i := range 32 { // a40 down to a9
		src := fmt.Sprintf("a%d", 40-i)
		for _, line := range []int64{10, 9} {
			id := fmt.Sprintf("%s-%d", src, line)
			in = append(in, record.Doc{ID: id, Source: src, Line: line, Text: "dup"})
			if id == "a10-9" {
				wantKept = append(wantKept, id)
			} else {
				wantRejected = append(wantRejected, "duplicate "+id+" same text as a10:9")
			}
		}
		in = append(in, record.Doc{ID: src + "-u", Source: src, Line: 1, Text: "unique " + src})
		wantKept = append(wantKept, src+"-u")
	}
	p, s, docs := ptest.CreateList(in)
	kept, rejected := Exact(s, Params{TempDir: t.TempDir()}, docs)
	passert.Equals(s, beam.ParDo(s, describeKept, kept), wantKept...)
	passert.Equals(s, beam.ParDo(s, describeRejected, rejected), wantRejected...)
	ptest.RunAndValidate(t, p)
}

func TestPackUnpack(t *testing.T) {
	var b shardBuf
	var all []entry
	var sources []string
	table := map[string]int32{}
	add := func(text, src string, line int64) {
		h := textHash(text)
		b.add(h[1:1+hashBytes], src, line)
	}
	flush := func() {
		var err error
		if all, err = unpack(b.value(), all, &sources, table); err != nil {
			t.Fatal(err)
		}
		b.reset()
	}
	add("x", "s1", 1)
	add("y", "s2", 1<<40)
	add("z", "s1", 3)
	flush()
	add("x", "s2", 4)
	flush()
	want := []struct {
		text, src string
		line      int64
	}{{"x", "s1", 1}, {"y", "s2", 1 << 40}, {"z", "s1", 3}, {"x", "s2", 4}}
	if len(all) != len(want) {
		t.Fatalf("unpacked %d entries, want %d", len(all), len(want))
	}
	for i, w := range want {
		h := textHash(w.text)
		e := all[i]
		if [hashBytes]byte(h[1:1+hashBytes]) != e.hash || sources[e.src] != w.src || e.line != w.line {
			t.Errorf("entry %d = (%x, %s, %d), want (%x, %s, %d)", i, e.hash, sources[e.src], e.line, h[1:1+hashBytes], w.src, w.line)
		}
	}
	if len(sources) != 2 {
		t.Errorf("sources = %q, want two, interned", sources)
	}
	for _, bad := range [][]byte{{5}, {1, 9, 'a'}, {0, 1, 2, 3}, append(make([]byte, 1+hashBytes), 7, 1)} {
		if _, err := unpack(bad, nil, &sources, table); err == nil {
			t.Errorf("unpack(%x) succeeded, want an error", bad)
		}
	}
}

func TestRefKeyRoundTrip(t *testing.T) {
	for _, r := range []ref{{"gs://b/x\x00y.jsonl", 7}, {"", 0}, {"a", 1 << 50}} {
		got, err := parseRefKey(refKey(r.source, r.line))
		if err != nil || got != r {
			t.Errorf("parseRefKey(refKey(%+v)) = %+v, %v", r, got, err)
		}
	}
	if _, err := parseRefKey("no-nul"); err == nil {
		t.Error("parseRefKey without NUL succeeded")
	}
}
