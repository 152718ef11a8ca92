//go:build cgo

package hubcheck

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/xinstruct/xinstruct/io/dataset"
)

func TestMain(m *testing.M) { ptest.Main(m) }

// writeSample publishes a dataset of fi (3 rows) and sw (2) with dataset.Write on the
// direct runner, and returns its directory.
func writeSample(t *testing.T) string {
	t.Helper()
	out := t.TempDir()
	good := []dataset.Judgement{{Round: 1, Label: "good", Rationale: "fine", JudgeModel: "j", InstructionBefore: "i", Parsed: "json"}}
	rows := []dataset.Row{
		{ID: "a#0", Lang: "fi", Instruction: "Kerro", Output: "Hyvää päivää", Source: "a.jsonl", History: good},
		{ID: "b#0", Lang: "fi", Instruction: "Write", Output: "Kiitos", Cluster: 1, Source: "a.jsonl", Placeholder: true},
		{ID: "c#0", Lang: "fi", Instruction: "Say", Output: "Moi", Cluster: 1, Rank: 1, Source: "a.jsonl", History: []dataset.Judgement{}},
		{ID: "d#0", Lang: "sw", Instruction: "Greet", Output: "Habari", Source: "b.jsonl", History: good},
		{ID: "e#0", Lang: "sw", Instruction: "Thank", Output: "Asante", Rank: 1, Source: "b.jsonl"},
	}
	stats := []dataset.LangStats{
		{Lang: "fi", Candidates: 3, Target: 3, K: 2, PerCluster: []int64{1, 2}, Selected: dataset.Lengths{N: 3, InstrSum: 3, OutSum: 3},
			SelectedDistance: 0.5, RandomDistance: 0.25},
		{Lang: "sw", Candidates: 2, Target: 3, K: 1, PerCluster: []int64{2}, Selected: dataset.Lengths{N: 2, InstrSum: 2, OutSum: 2},
			SelectedDistance: math.NaN(), RandomDistance: math.NaN()},
	}
	p, s := beam.NewPipelineWithRoot()
	dataset.Write(s, dataset.Params{Output: out, TempDir: filepath.Join(out, "_temporary", "r"), Card: dataset.CardInfo{RunID: "r", PerLanguage: 3}},
		beam.CreateList(s, rows), beam.CreateList(s, stats))
	if err := ptest.Run(p); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(out, dataset.Dir)
}
