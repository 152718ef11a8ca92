package job

import (
	"bufio"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/internal/plant"
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/testenv"
)

// TestNearDuplicatesAreDeadLettered runs ingest on the sample's 30 good documents
// (a.jsonl) and a reordered copy of each that has three sentences or more (b.jsonl):
// every copy is a near_duplicate dead letter naming its original, the funnel counts them
// and balances, and --near_dup=false keeps them all.
func TestNearDuplicatesAreDeadLettered(t *testing.T) {
	in := t.TempDir()
	f, err := os.Open(testenv.Testdata("sample", "sample.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var a, b []map[string]any
	r := rand.New(rand.NewPCG(1, 1))
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() && len(a) < 30 {
		var d map[string]any
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		a = append(a, d)
		text, ok := plant.Edit(r, plant.Reorder, d["text"].(string), d["lang"].(string), "")
		if !ok {
			continue
		}
		c := map[string]any{"id": d["id"].(string) + "-copy", "lang": d["lang"], "text": text}
		b = append(b, c)
	}
	if len(b) < 10 {
		t.Fatalf("only %d sample documents have three sentences to reorder", len(b))
	}
	writeJSONL(t, filepath.Join(in, "a.jsonl"), a)
	writeJSONL(t, filepath.Join(in, "b.jsonl"), b)

	for _, on := range []bool{true, false} {
		cfg := DefaultConfig()
		cfg.StopAfter, cfg.NearDup = StageIngest, on
		cfg.Input = []string{filepath.Join(in, "*.jsonl")}
		cfg.Output = t.TempDir()
		o := runJob(t, cfg)
		near := 0
		for _, r := range o.rejected {
			if r.Reason != record.ReasonNearDuplicate {
				continue
			}
			near++
			orig := strings.TrimSuffix(r.ID, "-copy")
			if r.Stage != record.StageIngest || !strings.HasPrefix(r.Detail, "near-duplicate of "+orig+" ("+filepath.Join(in, "a.jsonl")+":") {
				t.Errorf("dead letter %+v: want stage ingest, naming %s in a.jsonl", r, orig)
			}
		}
		want := len(b)
		if !on {
			want = 0
		}
		if near != want || o.funnel.RejectedByReason[record.ReasonNearDuplicate] != int64(want) {
			t.Errorf("near_dup=%v: %d near_duplicate dead letters, funnel %d; want %d", on, near, o.funnel.RejectedByReason[record.ReasonNearDuplicate], want)
		}
		if r := o.funnel; r.Read != int64(len(a)+len(b)) || r.Read != r.Kept+r.Rejected {
			t.Errorf("near_dup=%v: funnel read %d (wrote %d), kept %d, rejected %d", on, r.Read, len(a)+len(b), r.Kept, r.Rejected)
		}
	}
}
