package dataset

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"

	"github.com/xinstruct/xinstruct/internal/fsx"
)

func TestCardHasThePapersTableAndTheDiversityEvidence(t *testing.T) {
	nan := math.NaN()
	stats := []LangStats{
		// Lengths 10 and 20, 960 and 1040; selected vectors sum to (1,1): 1 − (2 − 2)/2 = 1;
		// random (2,0): 1 − (4 − 2)/2 = 0.
		{Lang: "fi", Candidates: 9, Target: 2, K: 3, PerCluster: []int64{1, 0, 1},
			Selected:         Lengths{N: 2, InstrSum: 30, InstrSumSq: 500, OutSum: 2000, OutSumSq: 2003200},
			SelectedDistance: 1, RandomDistance: 0, SelectedVendi: 2, RandomVendi: 1, SelectedCoverage: 0.1, RandomCoverage: 0.3,
			SelectedCoverageP95: 0.2, RandomCoverageP95: 0.5, RandomNearDup: 0.5, SelectedTopics: 2, RandomTopics: 1,
			SelectedTopicEntropy: math.Log(2)},
		{Lang: "sw", Candidates: 1, Target: 2, K: 1, PerCluster: []int64{0},
			Selected:         Lengths{N: 1, InstrSum: 10, InstrSumSq: 100, OutSum: 5, OutSumSq: 25},
			SelectedDistance: nan, RandomDistance: nan},
	}
	card := RenderCard(CardInfo{Placeholder: true, Clusters: 3, PerLanguage: 2, WithinCluster: "spread"}, stats,
		[]File{{Name: RelPath("fi", FormatJSONL), Lang: "fi", Format: FormatJSONL, Records: 2}}, CardExtras{})
	for _, want := range []string{
		"PLACEHOLDER DATA",
		"| Language | Instruction length | Output length | Samples |",
		"| fi | 15.0 ± 5.0 | 1000.0 ± 40.0 | 2 |", // lengths 10 and 20; 960 and 1040
		"| **all** |",
		// fi: selected vectors sum to (1,1): 1 − (2 − 2)/2 = 1; random (2,0): 1 − (4 − 2)/2 = 0.
		"| fi | 9 | 2 | 0 | 3 | 2 | 2.0 / 1.0 | 0.100 / 0.300 | 0.200 / 0.500 | 0.000 / 0.500 | 2 / 1 | 0.69 / 0.00 | 1.000 / 0.000 |",
		"| sw | 1 | 1 | 1 | 1 | 0 | 0.0 / 0.0 | 0.000 / 0.000 | 0.000 / 0.000 | 0.000 / 0.000 | 0 / 0 | 0.00 / 0.00 | n/a / n/a |", // one pair: no pairwise distance, shortfall 1
		"within-cluster rule `spread`:",
		"fi: 3 clusters, 2 covered",
		"0:1 1:0 2:1",
		"| fi | `jsonl/fi/train.jsonl` | 2 |",
	} {
		if !strings.Contains(card, want) {
			t.Errorf("the card lacks %q:\n%s", want, card)
		}
	}
}

func TestCheckCountsCatchesAMissingRow(t *testing.T) {
	langs := []LangStats{{Lang: "fi", Selected: Lengths{N: 3}}}
	ok := []File{{Lang: "fi", Format: FormatJSONL, Records: 3}, {Lang: "fi", Format: FormatParquet, Records: 3}}
	if err := checkCounts(ok, langs); err != nil {
		t.Fatal(err)
	}
	short := []File{{Lang: "fi", Format: FormatJSONL, Records: 3}, {Lang: "fi", Format: FormatParquet, Records: 2}}
	if err := checkCounts(short, langs); err == nil {
		t.Fatal("a Parquet file one row short passed")
	}
}

func TestPublishReplacesAnEarlierRunsFiles(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	final, temp := filepath.Join(out, Dir), filepath.Join(out, "_temporary", "r")
	name := RelPath("fi", FormatJSONL)
	earlier := []string{
		filepath.Join(final, RelPath("xx", FormatJSONL)), // a language this run has not
		filepath.Join(final, "fi.jsonl"),                 // the flat layout of before
		filepath.Join(final, name),
	}
	for _, p := range append(earlier, filepath.Join(temp, "fi.jsonl")) {
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(p), 0o644)
	}
	fsys, err := fsx.Open(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	var emitted []File
	files := []File{{Path: filepath.Join(temp, "fi.jsonl"), Name: name, Lang: "fi", Format: FormatJSONL, Records: 1}}
	if err := publishFiles(ctx, fsys, final, files, func(f File) { emitted = append(emitted, f) }); err != nil {
		t.Fatal(err)
	}
	for _, p := range earlier[:2] {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s, of an earlier run, is still published", p)
		}
	}
	if _, err := os.Stat(filepath.Join(final, "jsonl", "xx")); !os.IsNotExist(err) {
		t.Error("the folder of a language the earlier run had and this one has not is left, empty")
	}
	if b, _ := os.ReadFile(filepath.Join(final, name)); string(b) != filepath.Join(temp, "fi.jsonl") {
		t.Errorf("%s holds %q, not this run's file", name, b)
	}
	if len(emitted) != 1 || emitted[0].Path != filepath.Join(final, name) {
		t.Errorf("emitted %+v", emitted)
	}
	// A retry after the rename finds the file in place and succeeds.
	if err := publishFiles(ctx, fsys, final, files, func(File) {}); err != nil {
		t.Errorf("a retried publish failed: %v", err)
	}
}
