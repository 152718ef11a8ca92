package diversify

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	_ "github.com/xinstruct/xinstruct/embeddings/local" // the --embedder the test uses
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/internal/testenv"
)

func init() {
	register.DoFn1x1[LangReport, error](&marginsFn{})
}

// realInstructions reads the shared real English instructions (Self-Instruct's seed
// tasks and user-oriented set, Vicuna-80, MT-Bench) as accepted pairs of one language.
func realInstructions(t *testing.T) []record.Pair {
	dir := testenv.Shared("eval")
	var pairs []record.Pair
	for _, f := range []struct{ name, field string }{
		{"instructions.en.jsonl", "instruction"}, {"questions.en.jsonl", "text"}, {"mt_bench.en.jsonl", "text"},
	} {
		file, err := os.Open(filepath.Join(dir, f.name))
		if err != nil {
			t.Skipf("no shared eval files (%v): the test needs ../shared/eval beside the project", err)
		}
		sc := bufio.NewScanner(file)
		for sc.Scan() {
			var rec map[string]any
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Fatalf("%s: %v", f.name, err)
			}
			if text, _ := rec[f.field].(string); text != "" {
				pairs = append(pairs, record.Pair{ID: fmt.Sprintf("%s-%d", f.name, len(pairs)), Lang: "fi",
					Instruction: text, Output: "vastaus"})
			}
		}
		file.Close()
	}
	return pairs
}

// marginsFn fails the pipeline unless the selection beats the random sample on the
// Vendi score and on mean coverage, and writes the margins to Path.
type marginsFn struct{ Path string }

func (fn *marginsFn) ProcessElement(r LangReport) error {
	sel, rnd := r.Measures.Selected, r.Measures.Random
	line := fmt.Sprintf("n=%d k=%d: Vendi %.2f vs random %.2f (%+.2f); coverage %.4f vs %.4f (%+.4f); p95 %.4f vs %.4f; near-dup %.3f vs %.3f; topics %d vs %d",
		sel.N, r.K, sel.Vendi, rnd.Vendi, sel.Vendi-rnd.Vendi, sel.CoverageMean, rnd.CoverageMean, sel.CoverageMean-rnd.CoverageMean,
		sel.CoverageP95, rnd.CoverageP95, sel.NearDupShare, rnd.NearDupShare, sel.Topics, rnd.Topics)
	if err := os.WriteFile(fn.Path, []byte(line), 0o644); err != nil {
		return err
	}
	if sel.N != rnd.N || sel.Vendi <= rnd.Vendi || sel.CoverageMean >= rnd.CoverageMean {
		return fmt.Errorf("the selection does not beat random: %s", line)
	}
	return nil
}

// The default rule beats a random sample of the same size on the Vendi score and on
// coverage, on real instructions, for several sizes and seeds, through the pipeline.
func TestDefaultRuleBeatsRandomOnRealInstructions(t *testing.T) {
	pairs := realInstructions(t)
	for _, c := range []struct {
		n    int
		seed uint64
	}{{80, 1}, {80, 2}, {160, 1}, {160, 3}} {
		t.Run(fmt.Sprintf("n=%d,seed=%d", c.n, c.seed), func(t *testing.T) {
			p := DefaultParams()
			if p.WithinCluster != "spread" {
				t.Fatalf("the default rule is %q", p.WithinCluster)
			}
			p.PerLanguage, p.Clusters, p.Seed = c.n, c.n/8, c.seed
			pipe, s, accepted := ptest.CreateList(pairs)
			r := Diversify(s, p, accepted)
			path := filepath.Join(t.TempDir(), "margins")
			beam.ParDo0(s, &marginsFn{Path: path}, r.Reports)
			err := ptest.Run(pipe)
			margins, _ := os.ReadFile(path)
			if err != nil {
				t.Fatal(strings.TrimSpace(err.Error()))
			}
			t.Log(string(margins))
		})
	}
}

func TestMain(m *testing.M) { ptest.Main(m) }
