package funnel

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Report is the funnel of one run, as written to report/funnel.json.
type Report struct {
	Read             int64            `json:"read"`
	Kept             int64            `json:"kept"`
	Rejected         int64            `json:"rejected"`
	KeptByLanguage   map[string]int64 `json:"kept_by_language"`
	RejectedByReason map[string]int64 `json:"rejected_by_reason"`
	// Balanced is read == kept + rejected: every record read ended in exactly one place.
	Balanced bool `json:"balanced"`
}

// FromCounts builds the report from the counts of CountDocs (under KeyKept),
// CountRejected and CountAll (under KeyRead).
func FromCounts(counts map[string]int64) Report {
	r := Report{KeptByLanguage: map[string]int64{}, RejectedByReason: map[string]int64{}}
	for k, n := range counts {
		switch {
		case k == KeyRead:
			r.Read += n
		case strings.HasPrefix(k, KeyKept+"/"):
			r.Kept += n
			r.KeptByLanguage[strings.TrimPrefix(k, KeyKept+"/")] += n
		case strings.HasPrefix(k, KeyRejected+"/"):
			r.Rejected += n
			r.RejectedByReason[strings.TrimPrefix(k, KeyRejected+"/")] += n
		}
	}
	r.Balanced = r.Read == r.Kept+r.Rejected
	return r
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
	return b.String()
}

func pct(n, of int64) string {
	if of == 0 {
		return ""
	}
	return fmt.Sprintf("(%.1f%%)", 100*float64(n)/float64(of))
}
