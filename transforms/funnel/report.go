package funnel

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xinstruct/xinstruct/internal/record"
)

// Report is the funnel of one run, as written to report/funnel.json. The top-level
// fields are ingest's; Stages follow the later stages in order.
type Report struct {
	// RunID names the run the report is of: a launcher reads only its own run's report.
	RunID string `json:"run_id,omitempty"`
	// Failure, when set, says in one line why the run failed; such a run publishes no
	// _SUCCESS.
	Failure string `json:"failure,omitempty"`

	Read             int64            `json:"read"`
	Kept             int64            `json:"kept"`
	Rejected         int64            `json:"rejected"`
	KeptByLanguage   map[string]int64 `json:"kept_by_language"`
	RejectedByReason map[string]int64 `json:"rejected_by_reason"`
	// Balanced is read == kept + rejected: every record read ended in exactly one place.
	Balanced bool `json:"balanced"`

	Stages []StageReport `json:"stages,omitempty"`
	// Accepted counts the pairs that left refinement accepted (judged good, or passed the
	// checks when no judge ran), per language.
	Accepted           int64            `json:"accepted,omitempty"`
	AcceptedByLanguage map[string]int64 `json:"accepted_by_language,omitempty"`
	// Yields are a stage's outcomes per language, e.g. judge_r1 -> fi -> good.
	Yields map[string]map[string]map[string]int64 `json:"yields,omitempty"`
	// LLM is the usage of each stage's model calls, per language.
	LLM map[string]map[string]*Usage `json:"llm,omitempty"`
	// Estimate is what the model stages would call, per stage and language, from an
	// --estimate run (Completion tokens are the max_tokens upper bound).
	Estimate map[string]map[string]*Usage `json:"estimate,omitempty"`
	// Placeholder says the instructions were written by the project's fake model.
	Placeholder bool `json:"placeholder,omitempty"`
}

// StageReport is the funnel of one stage after ingest: In = Out + Rejected + Filtered.
type StageReport struct {
	Name             string           `json:"name"`
	In               int64            `json:"in"`
	Out              int64            `json:"out"`
	OutByLanguage    map[string]int64 `json:"out_by_language"`
	Rejected         int64            `json:"rejected"`
	RejectedByReason map[string]int64 `json:"rejected_by_reason"`
	// Filtered counts what the stage left out by design (not dead letters: nothing is
	// wrong with them), e.g. the pairs diversification did not select.
	Filtered         int64            `json:"filtered,omitempty"`
	FilteredByReason map[string]int64 `json:"filtered_by_reason,omitempty"`
	Balanced         bool             `json:"balanced"`
}

// Usage counts a stage's model calls in one language.
type Usage struct {
	Requests         int64   `json:"requests"` // calls made (not served from the store)
	CacheHits        int64   `json:"cache_hits"`
	Retries          int64   `json:"retries"`
	Failures         int64   `json:"failures"`
	PromptTokens     int64   `json:"prompt_tokens"`
	CompletionTokens int64   `json:"completion_tokens"`
	Cost             float64 `json:"cost"`
	// PromptTokensMax, in an estimate, bounds the prompts that hold answers the
	// estimate does not have (at --max_tokens each); PromptTokens counts them at a
	// typical length.
	PromptTokensMax int64 `json:"prompt_tokens_max,omitempty"`
	// Inputs counts the texts an embedding stage sent (Requests carried them); 0 for chat.
	Inputs int64 `json:"inputs,omitempty"`
	// The usage the store's answers (CacheHits) took when they were asked, and its cost
	// at this run's prices: what the store saved.
	SavedPromptTokens     int64   `json:"saved_prompt_tokens,omitempty"`
	SavedCompletionTokens int64   `json:"saved_completion_tokens,omitempty"`
	SavedCost             float64 `json:"saved_cost,omitempty"`
	// The stage's Batch API usage (--batch_api), apart from its online calls: requests
	// sent in batches, those they did not answer (asked online or dead-lettered), their
	// tokens, and their cost at the batch price, which Cost includes. The stage's own
	// lookups of the batches' answers count as CacheHits.
	BatchRequests         int64   `json:"batch_requests,omitempty"`
	BatchFailures         int64   `json:"batch_failures,omitempty"`
	BatchPromptTokens     int64   `json:"batch_prompt_tokens,omitempty"`
	BatchCompletionTokens int64   `json:"batch_completion_tokens,omitempty"`
	BatchCost             float64 `json:"batch_cost,omitempty"`
}

// FromCounts builds the report from the run's counts, for the stages named (in order).
func FromCounts(counts map[string]int64, stages ...string) Report {
	r := Report{KeptByLanguage: map[string]int64{}, RejectedByReason: map[string]int64{}}
	byStage := map[string]*StageReport{}
	for _, st := range stages {
		byStage[st] = &StageReport{Name: st, OutByLanguage: map[string]int64{}, RejectedByReason: map[string]int64{}}
	}
	for ks, n := range counts {
		k, err := ParseKey(ks)
		if err != nil {
			continue
		}
		st := byStage[k.Stage]
		switch k.Kind {
		case KindRead:
			r.Read += n
		case KindKept:
			r.Kept += n
			r.KeptByLanguage[k.Lang] += n
		case KindRejected:
			switch {
			case k.Stage == record.StageIngest:
				r.Rejected += n
				r.RejectedByReason[k.Name] += n
			case st != nil:
				st.Rejected += n
				st.RejectedByReason[k.Name] += n
			}
		case KindFiltered:
			if st != nil {
				if st.FilteredByReason == nil {
					st.FilteredByReason = map[string]int64{}
				}
				st.Filtered += n
				st.FilteredByReason[k.Name] += n
			}
		case KindIn:
			if st != nil {
				st.In += n
			}
		case KindOut:
			if st != nil {
				st.Out += n
				st.OutByLanguage[k.Lang] += n
			}
		case KindAccepted:
			if r.AcceptedByLanguage == nil {
				r.AcceptedByLanguage = map[string]int64{}
			}
			r.Accepted += n
			r.AcceptedByLanguage[k.Lang] += n
		case KindYield:
			if r.Yields == nil {
				r.Yields = map[string]map[string]map[string]int64{}
			}
			if r.Yields[k.Stage] == nil {
				r.Yields[k.Stage] = map[string]map[string]int64{}
			}
			if r.Yields[k.Stage][k.Lang] == nil {
				r.Yields[k.Stage][k.Lang] = map[string]int64{}
			}
			r.Yields[k.Stage][k.Lang][k.Name] += n
		case KindLLM:
			r.LLM = addUsage(r.LLM, k.Stage, k.Lang, k.Name, n)
		case KindEstimate:
			r.Estimate = addUsage(r.Estimate, k.Stage, k.Lang, k.Name, n)
		}
	}
	// The answers a stage's batches stored are store hits when the stage looks them up,
	// but they were paid for in this run (as batch usage): not savings.
	for _, byLang := range r.LLM {
		for _, u := range byLang {
			u.SavedPromptTokens = max(0, u.SavedPromptTokens-u.BatchPromptTokens)
			u.SavedCompletionTokens = max(0, u.SavedCompletionTokens-u.BatchCompletionTokens)
		}
	}
	r.Balanced = r.Read == r.Kept+r.Rejected
	for _, st := range stages {
		s := byStage[st]
		s.Balanced = s.In == s.Out+s.Rejected+s.Filtered
		r.Stages = append(r.Stages, *s)
	}
	return r
}

func addUsage(m map[string]map[string]*Usage, stage, lang, counter string, n int64) map[string]map[string]*Usage {
	if m == nil {
		m = map[string]map[string]*Usage{}
	}
	if m[stage] == nil {
		m[stage] = map[string]*Usage{}
	}
	u := m[stage][lang]
	if u == nil {
		u = &Usage{}
		m[stage][lang] = u
	}
	switch counter {
	case "requests":
		u.Requests += n
	case "cache_hits":
		u.CacheHits += n
	case "retries":
		u.Retries += n
	case "failures":
		u.Failures += n
	case "prompt_tokens":
		u.PromptTokens += n
	case "completion_tokens":
		u.CompletionTokens += n
	case CountPromptTokensMax:
		u.PromptTokensMax += n
	case CountInputs:
		u.Inputs += n
	case "saved_prompt_tokens":
		u.SavedPromptTokens += n
	case "saved_completion_tokens":
		u.SavedCompletionTokens += n
	case "batch_requests":
		u.BatchRequests += n
	case "batch_failures":
		u.BatchFailures += n
	case "batch_prompt_tokens":
		u.BatchPromptTokens += n
	case "batch_completion_tokens":
		u.BatchCompletionTokens += n
	case "batch_cost_nanos":
		u.BatchCost += float64(n) / 1e9
	}
	return m
}

// PriceUsage sets the cost of a stage's usage and estimate from its prices per million
// tokens, plus its batches' cost, priced at the batch price where it was counted.
func (r *Report) PriceUsage(stage string, inputPerM, outputPerM float64) {
	for _, m := range []map[string]map[string]*Usage{r.LLM, r.Estimate} {
		for _, u := range m[stage] {
			u.Cost = (float64(u.PromptTokens)*inputPerM+float64(u.CompletionTokens)*outputPerM)/1e6 + u.BatchCost
			u.SavedCost = (float64(u.SavedPromptTokens)*inputPerM + float64(u.SavedCompletionTokens)*outputPerM) / 1e6
		}
	}
}

// OutByStage is what left each stage, per language: "ingest" (kept documents), every
// later stage's out, and "accepted" (the pairs refinement accepted); a stage with
// nothing out per language is left out.
func (r Report) OutByStage() map[string]map[string]int64 {
	out := map[string]map[string]int64{}
	if len(r.KeptByLanguage) > 0 {
		out[record.StageIngest] = r.KeptByLanguage
	}
	for _, st := range r.Stages {
		if len(st.OutByLanguage) > 0 {
			out[st.Name] = st.OutByLanguage
		}
	}
	if len(r.AcceptedByLanguage) > 0 {
		out["accepted"] = r.AcceptedByLanguage
	}
	return out
}

// AllBalanced reports whether ingest and every stage balance.
func (r Report) AllBalanced() bool {
	ok := r.Balanced
	for _, s := range r.Stages {
		ok = ok && s.Balanced
	}
	return ok
}

// Summary renders the report as a short table for a terminal.
func (r Report) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "records read      %8d\n", r.Read)
	fmt.Fprintf(&b, "kept              %8d  %s\n", r.Kept, pct(r.Kept, r.Read))
	for _, l := range slices.Sorted(maps.Keys(r.KeptByLanguage)) {
		fmt.Fprintf(&b, "  %-15s %8d\n", l, r.KeptByLanguage[l])
	}
	fmt.Fprintf(&b, "rejected          %8d  %s\n", r.Rejected, pct(r.Rejected, r.Read))
	for _, k := range slices.Sorted(maps.Keys(r.RejectedByReason)) {
		fmt.Fprintf(&b, "  %-26s %8d\n", k, r.RejectedByReason[k])
	}
	if r.Balanced {
		b.WriteString("read == kept + rejected: yes\n")
	} else {
		fmt.Fprintf(&b, "read == kept + rejected: NO (%d records unaccounted for)\n", r.Read-r.Kept-r.Rejected)
	}
	for _, s := range r.Stages {
		if s.Filtered == 0 {
			fmt.Fprintf(&b, "\n%s: in %d, out %d, rejected %d (in == out + rejected: %s)\n", s.Name, s.In, s.Out, s.Rejected, yesNo(s.Balanced))
		} else {
			fmt.Fprintf(&b, "\n%s: in %d, out %d, rejected %d, filtered %d (in == out + rejected + filtered: %s)\n",
				s.Name, s.In, s.Out, s.Rejected, s.Filtered, yesNo(s.Balanced))
		}
		if y := r.Yields[s.Name]; y != nil {
			sum := map[string]int64{}
			for _, byLabel := range y {
				for k, n := range byLabel {
					sum[k] += n
				}
			}
			b.WriteString("  yields:")
			for _, k := range slices.Sorted(maps.Keys(sum)) {
				fmt.Fprintf(&b, " %s %d", k, sum[k])
			}
			b.WriteString("\n")
		}
		for _, k := range slices.Sorted(maps.Keys(s.RejectedByReason)) {
			fmt.Fprintf(&b, "  %-26s %8d\n", k, s.RejectedByReason[k])
		}
		for _, k := range slices.Sorted(maps.Keys(s.FilteredByReason)) {
			fmt.Fprintf(&b, "  %-26s %8d (filtered)\n", k, s.FilteredByReason[k])
		}
		if usage := r.LLM[s.Name]; usage != nil {
			t := Total(usage)
			fmt.Fprintf(&b, "  model calls %d, from store %d, retries %d, failed %d, tokens %d in + %d out, cost %s\n",
				t.Requests, t.CacheHits, t.Retries, t.Failures, t.PromptTokens, t.CompletionTokens, strconv.FormatFloat(t.Cost, 'f', 4, 64))
			if t.BatchRequests > 0 {
				fmt.Fprintf(&b, "  batched %d requests (%d not answered), tokens %d in + %d out, cost %s (in the cost above)\n",
					t.BatchRequests, t.BatchFailures, t.BatchPromptTokens, t.BatchCompletionTokens, strconv.FormatFloat(t.BatchCost, 'f', 4, 64))
			}
		}
	}
	if len(r.Stages) > 0 {
		fmt.Fprintf(&b, "\naccepted pairs    %8d\n", r.Accepted)
		for _, l := range slices.Sorted(maps.Keys(r.AcceptedByLanguage)) {
			fmt.Fprintf(&b, "  %-15s %8d\n", l, r.AcceptedByLanguage[l])
		}
	}
	for _, stage := range slices.Sorted(maps.Keys(r.Estimate)) {
		t := Total(r.Estimate[stage])
		fmt.Fprintf(&b, "\nestimate for %s: %d calls (%d answers already in the store), about %d tokens in + at most %d out, cost at most %s\n",
			stage, t.Requests, t.CacheHits, t.PromptTokens, t.CompletionTokens, strconv.FormatFloat(t.Cost, 'f', 4, 64))
	}
	if r.Placeholder {
		b.WriteString("\nNOTE: the instructions are PLACEHOLDER text from the offline stand-in model, not model output.\n")
	}
	return b.String()
}

// Total adds up a stage's usage over its languages.
func Total(usage map[string]*Usage) Usage {
	var t Usage
	for _, u := range usage {
		t.Requests += u.Requests
		t.CacheHits += u.CacheHits
		t.Retries += u.Retries
		t.Failures += u.Failures
		t.PromptTokens += u.PromptTokens
		t.CompletionTokens += u.CompletionTokens
		t.Cost += u.Cost
		t.PromptTokensMax += u.PromptTokensMax
		t.Inputs += u.Inputs
		t.SavedPromptTokens += u.SavedPromptTokens
		t.SavedCompletionTokens += u.SavedCompletionTokens
		t.SavedCost += u.SavedCost
		t.BatchRequests += u.BatchRequests
		t.BatchFailures += u.BatchFailures
		t.BatchPromptTokens += u.BatchPromptTokens
		t.BatchCompletionTokens += u.BatchCompletionTokens
		t.BatchCost += u.BatchCost
	}
	return t
}

// CountPromptTokensMax names an estimate's bound on its prompt tokens (Usage.PromptTokensMax).
const CountPromptTokensMax = "prompt_tokens_max"

// CountInputs names an embedding stage's count of the texts it sent (Usage.Inputs).
const CountInputs = "inputs"

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}

func pct(n, of int64) string {
	if of == 0 {
		return ""
	}
	return fmt.Sprintf("(%.1f%%)", 100*float64(n)/float64(of))
}

// TopReason is the reason with the largest count ("nothing" when there is none; ties go
// to the first in sort order), for a one-line failure message.
func TopReason(byReason map[string]int64) string {
	top := "nothing"
	var n int64
	for reason, c := range byReason {
		if c > n || (c == n && reason < top) {
			top, n = reason, c
		}
	}
	return top
}

// Span is when a stage's model calls ran: its first call's start to its last call's end.
type Span struct {
	First, Last time.Time
}

// Wall is the span's length.
func (s Span) Wall() time.Duration { return s.Last.Sub(s.First) }

// Collect reads the run's counts (a side input of PCollection<KV<string, int>>): the
// sums by key, and each model stage's span from the bundles' llm.SpanKey counts, whose
// minimum start and maximum end, not sum, are the stage's.
func Collect(counts func(*string, *int) bool) (sums map[string]int64, spans map[string]Span) {
	sums, spans = map[string]int64{}, map[string]Span{}
	var k string
	var n int
	for counts(&k, &n) {
		rest, ok := strings.CutPrefix(k, "span/")
		if !ok {
			sums[k] += int64(n)
			continue
		}
		stage, which, _ := strings.Cut(rest, "/")
		t := time.UnixMilli(int64(n))
		s := spans[stage]
		switch which {
		case "first_ms":
			if s.First.IsZero() || t.Before(s.First) {
				s.First = t
			}
		case "last_ms":
			if t.After(s.Last) {
				s.Last = t
			}
		}
		spans[stage] = s
	}
	return sums, spans
}
