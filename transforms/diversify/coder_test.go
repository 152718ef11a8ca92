package diversify

import (
	"math"
	"testing"

	"github.com/xinstruct/xinstruct/internal/codertest"
	"github.com/xinstruct/xinstruct/internal/record"
)

// TestCoders sends a value with every exported field set through each coder this
// package registers: a field added to one of these types (or to record.Pair, which
// Candidate and Scored hold) and not to its coder fails it.
func TestCoders(t *testing.T) {
	for _, tc := range []struct {
		name  string
		check func(testing.TB)
	}{
		{"Candidate", codertest.RoundTrip[Candidate]},
		{"Scored", codertest.RoundTrip[Scored]},
		{"sampled", codertest.RoundTrip[sampled]},
		{"fitAcc", codertest.RoundTrip[fitAcc]},
		{"Model", codertest.RoundTrip[Model]},
		{"SetStats", codertest.RoundTrip[SetStats]},
		{"bottomAcc", codertest.RoundTrip[bottomAcc]},
		{"statPoint", codertest.RoundTrip[statPoint]},
		{"LangReport", codertest.RoundTrip[LangReport]},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.check(t) })
	}
}

func TestDecodeScoredRejectsTruncated(t *testing.T) {
	s := Scored{Candidate: Candidate{Pair: record.Pair{ID: "x#0", Lang: "th", Instruction: "Do it.", Output: "ทำ",
		History: []record.Judgement{{Round: 1, Label: "good"}}}, Vec: []float32{0.5, -0.25, 0}},
		Cluster: 7, Dist: 0.125, Tie: math.MaxUint64, Rank: 3, Gain: math.Inf(1), ClusterSize: 5}
	b, _ := encodeScored(s)
	for i := 0; i < len(b)-1; i++ {
		if _, err := decodeScored(b[:i]); err == nil {
			t.Fatalf("decoding %d of %d bytes succeeded", i, len(b))
		}
	}
}
