package dedup

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/xinstruct/xinstruct/internal/record"
)

func init() {
	register.Function1x1(whereKept)
	register.Function1x1(whereRejected)
	register.Function2x0(duplicateIDs)
}

func duplicateIDs(r record.Rejected, emit func(string)) {
	if r.Reason == record.ReasonDuplicateID {
		emit(r.ID)
	}
}

func whereKept(d record.Doc) string {
	return d.ID + "@" + d.Source + ":" + strconv.FormatInt(d.Line, 10)
}
func whereRejected(r record.Rejected) string {
	return fmt.Sprintf("%s %s@%s:%d %s", r.Reason, r.ID, r.Source, r.Line, r.Detail)
}

func TestExactRepeatedIDs(t *testing.T) {
	p, s, docs := ptest.CreateList([]record.Doc{
		// Two holders, different texts: the second is a duplicate_id.
		{ID: "x", Source: "a.jsonl", Line: 2, Text: "beta"},
		{ID: "x", Source: "a.jsonl", Line: 1, Text: "alpha"},
		// Same ID, same text: an exact duplicate, as before.
		{ID: "s", Source: "a.jsonl", Line: 3, Text: "gamma"},
		{ID: "s", Source: "a.jsonl", Line: 4, Text: "gamma"},
		// Three holders across files; the winner is first by path ("a" < "b" < "c"), and
		// both others differ from it, even though they share a text with each other.
		{ID: "y", Source: "c.jsonl", Line: 1, Text: "two"},
		{ID: "y", Source: "b.jsonl", Line: 7, Text: "two"},
		{ID: "y", Source: "a.jsonl", Line: 9, Text: "one"},
		// Three holders, one with the winner's text: one duplicate, one duplicate_id.
		{ID: "z", Source: "b.jsonl", Line: 1, Text: "p"},
		{ID: "z", Source: "b.jsonl", Line: 2, Text: "q"},
		{ID: "z", Source: "c.jsonl", Line: 2, Text: "p"},
		// A duplicate_id shadows no one: "beta" is still kept under another ID.
		{ID: "v", Source: "d.jsonl", Line: 1, Text: "beta"},
		// A number-like ID that orders by line as a number: line 9 before line 10.
		{ID: "n", Source: "e.jsonl", Line: 10, Text: "ten"},
		{ID: "n", Source: "e.jsonl", Line: 9, Text: "nine"},
	})
	kept, rejected := Exact(s, Params{TempDir: t.TempDir()}, docs)
	passert.Equals(s, beam.ParDo(s, whereKept, kept),
		"x@a.jsonl:1", "s@a.jsonl:3", "y@a.jsonl:9", "z@b.jsonl:1", "v@d.jsonl:1", "n@e.jsonl:9")
	passert.Equals(s, beam.ParDo(s, whereRejected, rejected),
		"duplicate_id x@a.jsonl:2 id already held by a.jsonl:1, with a different text",
		"duplicate s@a.jsonl:4 same text as a.jsonl:3",
		"duplicate_id y@b.jsonl:7 id already held by a.jsonl:9, with a different text",
		"duplicate_id y@c.jsonl:1 id already held by a.jsonl:9, with a different text",
		"duplicate_id z@b.jsonl:2 id already held by b.jsonl:1, with a different text",
		"duplicate z@c.jsonl:2 same text as b.jsonl:1",
		"duplicate_id n@e.jsonl:10 id already held by e.jsonl:9, with a different text")
	ptest.RunAndValidate(t, p)
}

func TestExactDefaultIDsAreNotCompared(t *testing.T) {
	// Two files of one base name: the IDs derived from base name and line repeat, but
	// the input gave none, so both records are kept.
	p, s, docs := ptest.CreateList([]record.Doc{
		{ID: "part-0.jsonl:3", Source: "fi/part-0.jsonl", Line: 3, Text: "suomeksi"},
		{ID: "part-0.jsonl:3", Source: "sw/part-0.jsonl", Line: 3, Text: "kwa Kiswahili"},
		{ID: "notes.txt", Source: "fi/notes.txt", Line: 1, Text: "muistiinpanot"},
		{ID: "notes.txt", Source: "sw/notes.txt", Line: 1, Text: "maelezo"},
	})
	kept, rejected := Exact(s, Params{TempDir: t.TempDir()}, docs)
	passert.Count(s, kept, "kept", 4)
	passert.Empty(s, rejected)
	ptest.RunAndValidate(t, p)
}

func TestExactRepeatedIDsAtScale(t *testing.T) {
	// Many bundles and sources: every ID i is held by (src i%7, line i) and repeated,
	// with another text, in the next source; every fifth repeat has the winner's text.
	var in []record.Doc
	var wantKept int
	var wantDup, wantDupID int
	for i := range 3000 {
		id := fmt.Sprintf("id-%d", i)
		src := fmt.Sprintf("s%d.jsonl", i%7)
		in = append(in, record.Doc{ID: id, Source: src, Line: int64(i), Text: "text " + id})
		wantKept++
		text := "other " + id
		if i%5 == 0 {
			text = "text " + id
			wantDup++
		} else {
			wantDupID++
		}
		in = append(in, record.Doc{ID: id, Source: fmt.Sprintf("t%d.jsonl", i%7), Line: int64(i), Text: text})
	}
	p, s, docs := ptest.CreateList(in)
	kept, rejected := Exact(s, Params{TempDir: t.TempDir()}, docs)
	passert.Count(s, kept, "kept", wantKept)
	passert.Count(s, beam.ParDo(s, duplicateIDs, rejected), "duplicate_id", wantDupID)
	passert.Count(s, rejected, "rejected", wantDup+wantDupID)
	ptest.RunAndValidate(t, p)
}

func TestIDPackUnpack(t *testing.T) {
	var b shardBuf
	key := make([]byte, idKeyBytes)
	for i := range key {
		key[i] = byte(i)
	}
	b.add(key, "s", 5)
	var got []idEntry
	var sources []string
	err := unpackEach(b.value(), idKeyBytes, &sources, map[string]int32{}, func(k []byte, src int32, line int64) {
		got = append(got, idEntry{entry: entry{hash: [hashBytes]byte(k), src: src, line: line}, text: [1 + hashBytes]byte(k[hashBytes:])})
	})
	if err != nil || len(got) != 1 || string(got[0].hash[:]) != string(key[:hashBytes]) || string(got[0].text[:]) != string(key[hashBytes:]) ||
		sources[got[0].src] != "s" || got[0].line != 5 {
		t.Errorf("unpackEach = %+v, %v", got, err)
	}
	if err := unpackEach(append(b.value(), 1), idKeyBytes, &sources, map[string]int32{}, func([]byte, int32, int64) {}); err == nil {
		t.Error("unpackEach of a truncated entry succeeded")
	}
}
