package dataset

import (
	"encoding/json"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/transforms/filter"

	"github.com/xinstruct/xinstruct/io/publish"
)

func init() { register.Function1x1(isMixedJSONL) }

func TestMain(m *testing.M) { ptest.Main(m) }

func isMixedJSONL(f File) bool { return f.Name == RelPath(MixedName, FormatJSONL) }

// TestWriteOrdersRowsAndCardsNaN runs Write on the default runner: rows come out by
// cluster and rank, the mixed file interleaves the languages, and a language with one
// pair (NaN distances, which must survive the coder) says n/a on the card, and the
// manifest lists the files with their rows.
func TestWriteOrdersRowsAndCardsNaN(t *testing.T) {
	out := t.TempDir()
	rows := []Row{
		{ID: "fi#2", Lang: "fi", Instruction: "b", Output: "B", Cluster: 1, Rank: 0, History: []Judgement{}, Placeholder: true},
		{ID: "fi#1", Lang: "fi", Instruction: "a", Output: "A", Cluster: 0, Rank: 1}, // no history: [] all the same
		{ID: "fi#0", Lang: "fi", Instruction: "c", Output: "C", Cluster: 0, Rank: 0,
			History: []Judgement{{Round: 1, Label: "good", JudgeModel: "j"}}},
		{ID: "sw#0", Lang: "sw", Instruction: "d", Output: "D", History: []Judgement{}},
	}
	stats := []LangStats{
		{Lang: "fi", Candidates: 5, Target: 3, K: 2, PerCluster: []int64{2, 1}, Selected: Lengths{N: 3, InstrSum: 3, InstrSumSq: 3, OutSum: 3, OutSumSq: 3},
			SelectedDistance: 0.5, RandomDistance: 0.25, SelectedVendi: 3, RandomVendi: 2.5},
		{Lang: "sw", Candidates: 1, Target: 3, K: 1, PerCluster: []int64{1}, Selected: Lengths{N: 1, InstrSum: 1, InstrSumSq: 1, OutSum: 1, OutSumSq: 1},
			SelectedDistance: math.NaN(), RandomDistance: math.NaN(), SelectedVendi: math.NaN(), RandomVendi: math.NaN()},
	}
	p, s := beam.NewPipelineWithRoot()
	files := Write(s, Params{Output: out, TempDir: filepath.Join(out, "_temporary", "r"), Card: CardInfo{RunID: "r", PerLanguage: 3}},
		beam.CreateList(s, rows), beam.CreateList(s, stats))
	passert.Equals(s, ManifestFiles(s, filter.Include(s, files, isMixedJSONL)),
		publish.File{Path: filepath.Join(out, Dir, "jsonl", "mixed", "train.jsonl"), Records: 4})
	ptest.RunAndValidate(t, p)

	ids := func(config string) []string {
		b, err := os.ReadFile(filepath.Join(out, Dir, RelPath(config, FormatJSONL)))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var r Row
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatal(err)
			}
			got = append(got, r.ID)
		}
		return got
	}
	if got := strings.Join(ids("fi"), " "); got != "fi#0 fi#1 fi#2" {
		t.Errorf("fi's JSONL holds %s, want fi#0 fi#1 fi#2 (by cluster, then rank)", got)
	}
	if got := strings.Join(ids(MixedName), " "); got != "fi#0 sw#0 fi#1 fi#2" {
		t.Errorf("mixed's JSONL holds %s, want the languages interleaved", got)
	}
	// What the Hub loads: each config's Parquet file, once, with distinct ids.
	perConfig, err := Verify(filepath.Join(out, Dir))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{"fi": 3, "sw": 1, MixedName: 4}; !maps.Equal(perConfig, want) {
		t.Errorf("the configs hold %v rows, want %v", perConfig, want)
	}
	for _, config := range []string{"fi", "sw", MixedName} {
		checkSameFields(t, filepath.Join(out, Dir), config)
	}
	card, err := os.ReadFile(filepath.Join(out, Dir, CardName))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| fi | 5 | 3 | 0 | 2 | 2 | 3.0 / 2.5 | 0.000 / 0.000 | 0.000 / 0.000 | 0.000 / 0.000 | 0 / 0 | 0.00 / 0.00 | 0.500 / 0.250 |",
		"| sw | 1 | 1 | 2 | 1 | 1 | n/a / n/a | 0.000 / 0.000 | 0.000 / 0.000 | 0.000 / 0.000 | 0 / 0 | 0.00 / 0.00 | n/a / n/a |",
		"| mixed | `parquet/mixed/train.parquet` | 4 |",
	} {
		if !strings.Contains(string(card), want) {
			t.Errorf("the card lacks %q:\n%s", want, card)
		}
	}
}
