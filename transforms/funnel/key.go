package funnel

import (
	"fmt"
	"strings"
)

// A Kind says what a count counts: read, kept, a stage's in or out, a dead letter, ...
type Kind string

// The kinds of counts, each with its key's encoding.
const (
	KindRead     Kind = "read"     // records ingest read: "read"
	KindKept     Kind = "kept"     // documents ingest kept: "kept/<lang>"
	KindRejected Kind = "rejected" // dead letters: "rejected/<stage>/<reason>"
	KindIn       Kind = "in"       // what entered a stage after ingest (its own DoFn counts it): "<stage>/in/<lang>"
	KindOut      Kind = "out"      // what left it: "<stage>/out/<lang>"
	KindFiltered Kind = "filtered" // what a stage left out by design: "filtered/<stage>/<reason>"
	KindAccepted Kind = "accepted" // pairs that left refinement accepted: "accepted/<lang>"
	KindYield    Kind = "yield"    // a stage's outcomes: "yield/<stage>/<lang>/<outcome>"
	KindLLM      Kind = "llm"      // model usage: "llm/<stage>/<lang>/<counter>"
	KindEstimate Kind = "estimate" // an --estimate run's would-be usage: "estimate/<stage>/<lang>/<counter>"
)

// A Key names one count of the funnel. On the wire (the PCollection<KV<string, int>> of
// counts, and metrics) a key is its String, which ParseKey reverses; the fields a Kind
// does not use are empty. No field may contain a "/", and a stage may not be named
// after a Kind.
type Key struct {
	Kind  Kind   `json:"kind"`
	Stage string `json:"stage,omitempty"`
	Lang  string `json:"lang,omitempty"`
	// Name is the reason (rejected, filtered), the outcome (yield) or the counter (llm,
	// estimate).
	Name string `json:"name,omitempty"`
}

// Keys without their language, which CountDocs and CountPairs fill in per element.
var (
	KeyRead     = Key{Kind: KindRead}
	KeyKept     = Key{Kind: KindKept}
	KeyAccepted = Key{Kind: KindAccepted}
)

// InKey and OutKey are a stage's in and out keys without their language, which
// CountPairs fills in per element.
func InKey(stage string) Key  { return Key{Kind: KindIn, Stage: stage} }
func OutKey(stage string) Key { return Key{Kind: KindOut, Stage: stage} }

// In and Out are the keys of what entered and left stage in language lang.
func In(stage, lang string) Key  { return Key{Kind: KindIn, Stage: stage, Lang: lang} }
func Out(stage, lang string) Key { return Key{Kind: KindOut, Stage: stage, Lang: lang} }

// Rejected and Filtered are the keys of a stage's dead letters and of what it left out,
// for one reason.
func Rejected(stage, reason string) Key { return Key{Kind: KindRejected, Stage: stage, Name: reason} }
func Filtered(stage, reason string) Key { return Key{Kind: KindFiltered, Stage: stage, Name: reason} }

// Yield is the key of a stage's outcome in language lang.
func Yield(stage, lang, outcome string) Key {
	return Key{Kind: KindYield, Stage: stage, Lang: lang, Name: outcome}
}

// LLM and Estimate are the keys of a usage counter of stage's model calls in language
// lang: made, or estimated by an --estimate run. The counters are those of Usage:
// "requests", "cache_hits", "retries", "failures", "prompt_tokens", "completion_tokens".
func LLM(stage, lang, counter string) Key {
	return Key{Kind: KindLLM, Stage: stage, Lang: lang, Name: counter}
}
func Estimate(stage, lang, counter string) Key {
	return Key{Kind: KindEstimate, Stage: stage, Lang: lang, Name: counter}
}

// LLMKeys returns the function that names stage's usage counters, for a model layer that
// must not import this package (llm.Worker).
func LLMKeys(stage string) func(lang, counter string) string {
	return func(lang, counter string) string { return LLM(stage, lang, counter).String() }
}

// WithLang returns k in language lang.
func (k Key) WithLang(lang string) Key {
	k.Lang = lang
	return k
}

// String encodes k as the Kind's comment above says. A Key of an unknown Kind gives
// its non-empty fields joined by "/", which ParseKey rejects.
func (k Key) String() string {
	switch k.Kind {
	case KindRead:
		return string(k.Kind)
	case KindKept, KindAccepted:
		return string(k.Kind) + "/" + k.Lang
	case KindRejected, KindFiltered:
		return string(k.Kind) + "/" + k.Stage + "/" + k.Name
	case KindIn, KindOut:
		return k.Stage + "/" + string(k.Kind) + "/" + k.Lang
	case KindYield, KindLLM, KindEstimate:
		return string(k.Kind) + "/" + k.Stage + "/" + k.Lang + "/" + k.Name
	}
	var parts []string
	for _, p := range []string{string(k.Kind), k.Stage, k.Lang, k.Name} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "/")
}

// ParseKey decodes a key that Key.String encoded.
func ParseKey(s string) (Key, error) {
	parts := strings.Split(s, "/")
	switch k := Kind(parts[0]); {
	case k == KindRead && len(parts) == 1:
		return Key{Kind: k}, nil
	case (k == KindKept || k == KindAccepted) && len(parts) == 2:
		return Key{Kind: k, Lang: parts[1]}, nil
	case (k == KindRejected || k == KindFiltered) && len(parts) == 3:
		return Key{Kind: k, Stage: parts[1], Name: parts[2]}, nil
	case (k == KindYield || k == KindLLM || k == KindEstimate) && len(parts) == 4:
		return Key{Kind: k, Stage: parts[1], Lang: parts[2], Name: parts[3]}, nil
	case len(parts) == 3 && (Kind(parts[1]) == KindIn || Kind(parts[1]) == KindOut):
		return Key{Kind: Kind(parts[1]), Stage: parts[0], Lang: parts[2]}, nil
	}
	return Key{}, fmt.Errorf("funnel: %q is not a count key", s)
}
