package leaderboard

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Diff compares two leaderboards: each model's adjusted win rate per language and
// pooled (all categories, all turns), before and after, with both intervals.
type Diff struct {
	From string `json:"from"` // the versions compared
	To   string `json:"to"`
	// Placeholder: either version was made with the offline stand-in model.
	Placeholder bool      `json:"placeholder,omitempty"`
	Rows        []DiffRow `json:"rows"` // by model, then language (the pooled row first)
}

// DiffRow is one model in one language in both leaderboards.
type DiffRow struct {
	Model  string    `json:"model"`
	Lang   string    `json:"lang"`
	Before *DiffSide `json:"before"` // nil: not in the earlier leaderboard
	After  *DiffSide `json:"after"`  // nil: not in the later one
	// Change is After's adjusted win rate less Before's, when both are there and have
	// the same baseline. ChangeLow and ChangeHigh approximate its 95% interval: each
	// side's distance from its estimate to its interval's bound, added in quadrature, as
	// if the two runs were independent samples (they are when the questions or answers
	// changed; when the same comparisons were judged again the interval is too wide).
	Change     *float64 `json:"change,omitempty"`
	ChangeLow  *float64 `json:"change_ci_low,omitempty"`
	ChangeHigh *float64 `json:"change_ci_high,omitempty"`
	// Note says why a row has no change: another baseline, or a side missing.
	Note string `json:"note,omitempty"`
}

// DiffSide is one leaderboard's figures for a row.
type DiffSide struct {
	Baseline        string  `json:"baseline"`
	N               int     `json:"n"`
	WinRateAdjusted float64 `json:"win_rate_adjusted"`
	CILow           float64 `json:"ci_low"`
	CIHigh          float64 `json:"ci_high"`
}

// DiffResults compares the results of two leaderboards (Report.Results): the rows of
// every model and language over all categories and turns.
func DiffResults(before, after []Result) Diff {
	type key struct{ model, lang string }
	rows := map[key]*DiffRow{}
	side := func(r Result) *DiffSide {
		return &DiffSide{Baseline: r.Baseline, N: r.N, WinRateAdjusted: r.WinRateAdjusted, CILow: r.CILow, CIHigh: r.CIHigh}
	}
	get := func(r Result) *DiffRow {
		k := key{r.Model, r.Lang}
		if rows[k] == nil {
			rows[k] = &DiffRow{Model: r.Model, Lang: r.Lang}
		}
		return rows[k]
	}
	for _, r := range before {
		if r.Category == "" && r.Turn == 0 {
			get(r).Before = side(r)
		}
	}
	for _, r := range after {
		if r.Category == "" && r.Turn == 0 {
			get(r).After = side(r)
		}
	}
	d := Diff{Rows: []DiffRow{}}
	for _, r := range rows {
		switch a, b := r.After, r.Before; {
		case a == nil:
			r.Note = "not in the later leaderboard"
		case b == nil:
			r.Note = "not in the earlier leaderboard"
		case a.Baseline != b.Baseline:
			r.Note = fmt.Sprintf("the baseline changed from %s to %s: not comparable", b.Baseline, a.Baseline)
		case a.N == 0 || b.N == 0:
			r.Note = "no comparison with an outcome on one side"
		default:
			c := a.WinRateAdjusted - b.WinRateAdjusted
			low := c - math.Hypot(a.WinRateAdjusted-a.CILow, b.CIHigh-b.WinRateAdjusted)
			high := c + math.Hypot(a.CIHigh-a.WinRateAdjusted, b.WinRateAdjusted-b.CILow)
			r.Change, r.ChangeLow, r.ChangeHigh = &c, &low, &high
		}
		d.Rows = append(d.Rows, *r)
	}
	slices.SortFunc(d.Rows, func(x, y DiffRow) int {
		return cmp.Or(strings.Compare(x.Model, y.Model), cmp.Compare(langOrder(x.Lang), langOrder(y.Lang)), strings.Compare(x.Lang, y.Lang))
	})
	return d
}

// langOrder puts the pooled row first.
func langOrder(l string) int {
	if l == AllLangs {
		return 0
	}
	return 1
}

// Markdown renders the diff for a person: one table, a row per model and language.
func (d Diff) Markdown() string {
	var b strings.Builder
	from := d.From
	if from == "" {
		from = "(none)"
	}
	fmt.Fprintf(&b, "# Leaderboard changes: %s → %s\n\n", from, d.To)
	if d.Placeholder {
		b.WriteString("**PLACEHOLDER**: at least one of these versions was made by the offline stand-in model; its text is placeholder, not model output.\n\n")
	}
	b.WriteString("Adjusted win rate against the baseline, (wins + ties/2) / n, with its 95% bootstrap interval; the change's interval is approximate (the two intervals combined as if independent). A change whose interval holds 0 may be noise.\n\n")
	b.WriteString("| model | lang | before | after | change |\n|---|---|---:|---:|---:|\n")
	pct := func(s *DiffSide) string {
		if s == nil {
			return "–"
		}
		return fmt.Sprintf("%.1f%% [%.1f, %.1f] (n %d)", 100*s.WinRateAdjusted, 100*s.CILow, 100*s.CIHigh, s.N)
	}
	for _, r := range d.Rows {
		change := r.Note
		if r.Change != nil {
			change = fmt.Sprintf("%+.1f pp [%+.1f, %+.1f]", 100**r.Change, 100**r.ChangeLow, 100**r.ChangeHigh)
			if *r.ChangeLow > 0 || *r.ChangeHigh < 0 {
				change = "**" + change + "**"
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.Model, r.Lang, pct(r.Before), pct(r.After), change)
	}
	return b.String()
}
