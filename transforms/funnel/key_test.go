package funnel

import (
	"testing"

	"github.com/xinstruct/xinstruct/io/llm"
)

func TestKeyStringAndParse(t *testing.T) {
	for _, tt := range []struct {
		key  Key
		want string
	}{
		{KeyRead, "read"},
		{KeyKept.WithLang("fi"), "kept/fi"},
		{KeyAccepted.WithLang("sw"), "accepted/sw"},
		{Rejected("ingest", "too_short"), "rejected/ingest/too_short"},
		{Filtered("diversify", "not_selected"), "filtered/diversify/not_selected"},
		{In("judge_r1", "th"), "judge_r1/in/th"},
		{OutKey("generate").WithLang("fi"), "generate/out/fi"},
		{Yield("diversify", "sw", "shortfall"), "yield/diversify/sw/shortfall"},
		{LLM("generate", "fi", "requests"), "llm/generate/fi/requests"},
		{Estimate("generate", "fi", "prompt_tokens"), "estimate/generate/fi/prompt_tokens"},
		{Yield("diversify", "", "shortfall"), "yield/diversify//shortfall"}, // an empty language survives
	} {
		if got := tt.key.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.key, got, tt.want)
		}
		if back, err := ParseKey(tt.want); err != nil || back != tt.key {
			t.Errorf("ParseKey(%q) = %+v, %v; want %+v", tt.want, back, err, tt.key)
		}
	}
	if got := LLMKeys("judge_r2")("vi", "retries"); got != "llm/judge_r2/vi/retries" {
		t.Errorf("LLMKeys: %q", got)
	}
}

func TestParseKeyRejectsOtherStrings(t *testing.T) {
	for _, s := range []string{"", "kept", "read/fi", "rejected/ingest", "llm/generate/fi", "generate/sideways/fi", "a/b/c/d/e",
		Key{Kind: "bogus", Stage: "s"}.String()} {
		if k, err := ParseKey(s); err == nil {
			t.Errorf("ParseKey(%q) = %+v, want an error", s, k)
		}
	}
}

// TestReportReadsTheModelLayersCounters: the counters llm.Worker counts under LLMKeys are
// those the report knows.
func TestReportReadsTheModelLayersCounters(t *testing.T) {
	for counter, field := range map[string]func(*Usage) int64{
		llm.CountRequests:              func(u *Usage) int64 { return u.Requests },
		llm.CountCacheHits:             func(u *Usage) int64 { return u.CacheHits },
		llm.CountRetries:               func(u *Usage) int64 { return u.Retries },
		llm.CountFailures:              func(u *Usage) int64 { return u.Failures },
		llm.CountPromptTokens:          func(u *Usage) int64 { return u.PromptTokens },
		llm.CountCompletionTokens:      func(u *Usage) int64 { return u.CompletionTokens },
		llm.CountSavedPromptTokens:     func(u *Usage) int64 { return u.SavedPromptTokens },
		llm.CountSavedCompletionTokens: func(u *Usage) int64 { return u.SavedCompletionTokens },
		CountInputs:                    func(u *Usage) int64 { return u.Inputs },
	} {
		r := FromCounts(map[string]int64{LLMKeys("generate")("fi", counter): 7, Estimate("generate", "fi", counter).String(): 3})
		if u := r.LLM["generate"]["fi"]; u == nil || field(u) != 7 {
			t.Errorf("%s: usage %+v", counter, u)
		}
		if u := r.Estimate["generate"]["fi"]; u == nil || field(u) != 3 {
			t.Errorf("%s: estimate %+v", counter, u)
		}
	}
}

// TestPriceUsagePricesWhatTheStoreSaved: the saved tokens are priced at the run's prices,
// beside the cost of the calls made, and Total adds both up.
func TestPriceUsagePricesWhatTheStoreSaved(t *testing.T) {
	r := FromCounts(map[string]int64{
		LLM("judge_r1", "fi", "requests").String(): 2, LLM("judge_r1", "fi", "prompt_tokens").String(): 1_000_000,
		LLM("judge_r1", "fi", "cache_hits").String(): 5, LLM("judge_r1", "fi", "saved_prompt_tokens").String(): 3_000_000,
		LLM("judge_r1", "fi", "saved_completion_tokens").String(): 1_000_000,
		LLM("judge_r1", "sw", "saved_prompt_tokens").String():     1_000_000,
	})
	r.PriceUsage("judge_r1", 0.5, 2)
	u := Total(r.LLM["judge_r1"])
	// made: 1M in at 0.5; saved: 4M in at 0.5 + 1M out at 2.
	if u.Cost != 0.5 || u.SavedCost != 4 || u.SavedPromptTokens != 4_000_000 || u.CacheHits != 5 {
		t.Errorf("total %+v: want cost 0.5, saved cost 4, 4M saved prompt tokens, 5 hits", u)
	}
}
