package estimate

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

func TestGenerateProjectsEveryStageFromTheYields(t *testing.T) {
	p := GenerateParams{Generation: funnel.Usage{Requests: 900, CacheHits: 100, PromptTokens: 900 * 500, CompletionTokens: 900 * 256},
		TextTokens: 1000 * 400, Rounds: 2, JudgeOverhead: 200, RewriteOverhead: 150, MaxTokens: 256, JudgeMaxTokens: 128,
		Typical: Typical{Instruction: 30, Label: 45}, EmbedBatch: 64,
		Throughput: Throughput{MaxInFlight: 10, Latency: time.Second}, Price: llm.Price{InputPerM: 1, OutputPerM: 2}}
	y := Yields{ChecksPass: 0.9, Good: 0.5, Flawed: 0.4, Bad: 0.1, Reask: 0.1}
	rows := Generate(p, y)
	names := []string{}
	for _, r := range rows {
		names = append(names, r.Stage)
	}
	if got := strings.Join(names, ","); got != "generate,judge_r1,rewrite_r1,judge_r2,embed" {
		t.Fatalf("stages %s", got)
	}
	// 1000 pairs, 900 pass the checks: 990 judge calls with 10% re-asked; 360 flawed are
	// rewritten, 324 pass the checks again and are judged in round 2 (356 with re-asks).
	want := map[string]int64{"generate": 1000, "judge_r1": 990, "rewrite_r1": 360, "judge_r2": 356}
	for _, r := range rows {
		if w, ok := want[r.Stage]; ok && r.Calls != w {
			t.Errorf("%s: %d calls, want %d", r.Stage, r.Calls, w)
		}
		if r.Stage != "generate" && r.StoreHits != int64(math.Round(float64(r.Calls)*0.1)) {
			t.Errorf("%s: %d store hits, want 10%% of %d, as generation's", r.Stage, r.StoreHits, r.Calls)
		}
		if r.CostLow > r.CostHigh {
			t.Errorf("%s: cost low %f above high %f", r.Stage, r.CostLow, r.CostHigh)
		}
	}
	// Accepted: 450 good in round 1, 162 in round 2: 612 instructions, 10 embedding calls.
	if e := rows[4]; e.Calls != 10 {
		t.Errorf("embed: %d calls, want 10", e.Calls)
	}
	j := rows[1]
	misses := j.Calls - j.StoreHits
	if perCall := j.PromptTokens / misses; perCall != 200+400+30 {
		t.Errorf("judge prompt %d tokens a call, want the overhead + the text + an instruction", perCall)
	}
	if j.OutputMax != misses*128 {
		t.Errorf("judge output bound %d, want %d at the judge's max tokens", j.OutputMax, misses*128)
	}
	// 900 generation calls at 10 in flight and 1 s each: 90 s.
	if rows[0].Time != 90*time.Second {
		t.Errorf("generation time %v, want 1m30s", rows[0].Time)
	}
}

func TestThroughputIsBoundByTheSlowestLimit(t *testing.T) {
	th := Throughput{MaxInFlight: 100, Latency: time.Second, RPM: 600}
	if got := th.time(600, 100); got != time.Minute {
		t.Errorf("600 calls at 600 rpm: %v, want 1m", got)
	}
	th.TPM = 6000
	if got := th.time(600, 100); got != 10*time.Minute {
		t.Errorf("600 calls of 100 tokens at 6000 tpm: %v, want 10m", got)
	}
}

func TestYieldsFromAnEarlierRun(t *testing.T) {
	r := funnel.FromCounts(map[string]int64{
		"checks/in/fi": 100, "checks/out/fi": 90, "judge_r1/in/fi": 90,
		"yield/judge_r1/fi/good": 45, "yield/judge_r1/fi/flawed": 36, "yield/judge_r1/fi/bad": 9, "yield/judge_r1/fi/unparseable_first": 9,
	}, "checks", "judge_r1")
	y, ok := YieldsFrom(r, "run-1")
	if !ok || y.ChecksPass != 0.9 || y.Good != 0.5 || y.Flawed != 0.4 || math.Abs(y.Reask-0.1) > 1e-9 || !strings.Contains(y.Source, "run-1") {
		t.Fatalf("%+v %v", y, ok)
	}
	if _, ok := YieldsFrom(funnel.FromCounts(nil), ""); ok {
		t.Fatal("an empty report gave yields")
	}
}
