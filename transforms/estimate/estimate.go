// Package estimate turns what an --estimate run counted into the whole run's figures:
// every model stage's calls, store hits, tokens, cost (low and high) and time. The
// first model stage is counted exactly, request by request, against the response
// store; the stages after it depend on answers not yet made, so they are projected from
// yields: the shares of pairs that pass the checks, that the judge labels good, flawed
// or bad, that are asked again. The yields come from an earlier run's report where
// there is one, otherwise from stated defaults, and the table says which.
package estimate

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/xinstruct/xinstruct/io/llm"
)

// Row is one model stage's projected figures.
type Row struct {
	Stage     string `json:"stage"`
	Calls     int64  `json:"calls"`      // requests the stage makes (store hits included)
	StoreHits int64  `json:"store_hits"` // of them, answered from the response store
	// The tokens of the calls made (store hits cost none): the prompts, and the answers
	// at their typical length and at --max_tokens.
	PromptTokens int64 `json:"prompt_tokens"`
	OutputTokens int64 `json:"output_tokens"`
	OutputMax    int64 `json:"output_tokens_max"`
	// PromptTokensMax bounds prompts that hold answers not yet made (at --max_tokens
	// each); 0 when PromptTokens is the whole story.
	PromptTokensMax int64   `json:"prompt_tokens_max,omitempty"`
	CostLow         float64 `json:"cost_low"`
	CostHigh        float64 `json:"cost_high"`
	// Time is the stage's calls (store misses) at the configured concurrency, rate
	// limits and latency.
	Time time.Duration `json:"time_ns"`
	// Projected says the row comes from yields, not from counting the requests.
	Projected bool `json:"projected,omitempty"`
}

// Throughput is what bounds how fast calls go.
type Throughput struct {
	MaxInFlight int           // concurrent requests (per worker process; one process here)
	RPM, TPM    int           // 0 = no limit
	Latency     time.Duration // of one call
}

// time is how long n calls of about tokens tokens each take: the slowest of the
// concurrency, the request rate and the token rate.
func (t Throughput) time(n, tokens int64) time.Duration {
	if n <= 0 {
		return 0
	}
	perSec := float64(max(t.MaxInFlight, 1)) / math.Max(t.Latency.Seconds(), 1e-3)
	if t.RPM > 0 {
		perSec = math.Min(perSec, float64(t.RPM)/60)
	}
	if t.TPM > 0 && tokens > 0 {
		perSec = math.Min(perSec, float64(t.TPM)/60/float64(tokens))
	}
	return time.Duration(float64(n) / perSec * float64(time.Second)).Round(time.Second)
}

// Low and high margins on the prompt tokens, which are counted from the prompts'
// bytes (about 4 a token) rather than by the model's tokenizer.
const (
	promptLow  = 0.9
	promptHigh = 1.1
)

// price fills r's costs: low with the prompt at its low margin and the output at half
// the typical length, high with the prompt at its high margin and every output at
// --max_tokens.
func (r *Row) price(p llm.Price) {
	in := float64(r.PromptTokens)
	r.CostLow = (promptLow*in*p.InputPerM + 0.5*float64(r.OutputTokens)*p.OutputPerM) / 1e6
	r.CostHigh = (promptHigh*float64(max(r.PromptTokens, r.PromptTokensMax))*p.InputPerM + float64(r.OutputMax)*p.OutputPerM) / 1e6
}

// Table renders rows as one table for a terminal, with a total.
func Table(rows []Row, notes ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-14s %9s %10s %12s %12s %12s %10s %10s %9s\n", "stage", "calls", "store hits", "tokens in", "tokens out", "out (max)", "cost low", "cost high", "time")
	var t Row
	for _, r := range rows {
		mark := ""
		if r.Projected {
			mark = "*"
		}
		fmt.Fprintf(&b, "%-14s %9d %10d %12d %12d %12d %10.4f %10.4f %9s\n", r.Stage+mark, r.Calls, r.StoreHits, r.PromptTokens, r.OutputTokens, r.OutputMax, r.CostLow, r.CostHigh, r.Time)
		t.Calls, t.StoreHits, t.PromptTokens, t.OutputTokens, t.OutputMax = t.Calls+r.Calls, t.StoreHits+r.StoreHits, t.PromptTokens+r.PromptTokens, t.OutputTokens+r.OutputTokens, t.OutputMax+r.OutputMax
		t.CostLow, t.CostHigh, t.Time = t.CostLow+r.CostLow, t.CostHigh+r.CostHigh, t.Time+r.Time
	}
	fmt.Fprintf(&b, "%-14s %9d %10d %12d %12d %12d %10.4f %10.4f %9s\n", "total", t.Calls, t.StoreHits, t.PromptTokens, t.OutputTokens, t.OutputMax, t.CostLow, t.CostHigh, t.Time)
	for _, n := range notes {
		b.WriteString(n + "\n")
	}
	return b.String()
}

// Plan is an estimate's table with what it assumed.
type Plan struct {
	Rows    []Row         `json:"rows"`
	Yields  *Yields       `json:"yields,omitempty"` // for projected stages
	Typical Typical       `json:"typical_tokens"`
	Latency time.Duration `json:"latency_ns"`
}

// Table renders the plan for a terminal: the rows, then what they assume.
func (p Plan) Table() string {
	typical := fmt.Sprintf("%d tokens an instruction, %d a label", p.Typical.Instruction, p.Typical.Label)
	if p.Typical.Answer > 0 {
		typical = fmt.Sprintf("%d tokens an answer, %d a verdict; a prompt that holds answers not yet made counts them at that length, and at --max_tokens for cost high", p.Typical.Answer, p.Typical.Verdict)
	}
	notes := []string{fmt.Sprintf("tokens out: at a typical answer (%s), and at --max_tokens (max); cost low: 0.9x the prompt tokens and half the typical answer, cost high: 1.1x and every answer at --max_tokens; time: the calls not in the store at --max_in_flight, --rpm and --tpm, %v a call (--estimate_latency)",
		typical, p.Latency)}
	if p.Yields != nil {
		y := p.Yields
		notes = append(notes, fmt.Sprintf("* projected from yields (%s): checks pass %.0f%%, judge good %.0f%% / flawed %.0f%% / bad %.0f%%, re-asked %.0f%%; store hits in proportion to generation's",
			y.Source, 100*y.ChecksPass, 100*y.Good, 100*y.Flawed, 100*y.Bad, 100*y.Reask))
	}
	return Table(p.Rows, notes...)
}
