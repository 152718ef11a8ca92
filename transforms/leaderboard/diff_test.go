package leaderboard

import (
	"math"
	"strings"
	"testing"
)

func TestDiffResults(t *testing.T) {
	row := func(model, lang string, wr, lo, hi float64) Result {
		return Result{Model: model, Lang: lang, Baseline: "base", N: 80, WinRateAdjusted: wr, CILow: lo, CIHigh: hi}
	}
	before := []Result{
		row("mine", "all", 0.50, 0.45, 0.55),
		row("mine", "fi", 0.40, 0.30, 0.50),
		{Model: "mine", Lang: "fi", Category: "writing", N: 5, WinRateAdjusted: 1}, // per category: not compared
		row("gone", "all", 0.6, 0.5, 0.7),
	}
	after := []Result{
		row("mine", "fi", 0.70, 0.60, 0.80),
		row("mine", "all", 0.53, 0.49, 0.57),
		row("new", "all", 0.3, 0.2, 0.4),
	}
	after[1].Baseline = "base"
	d := DiffResults(before, after)
	var got []string
	for _, r := range d.Rows {
		got = append(got, r.Model+"/"+r.Lang)
	}
	if strings.Join(got, " ") != "gone/all mine/all mine/fi new/all" {
		t.Fatalf("rows %v", got)
	}
	fi := d.Rows[2]
	// 0.7 - 0.4 = 0.3; low: 0.3 - hypot(0.7-0.6, 0.5-0.4) = 0.3 - 0.1414; high: 0.3 + hypot(0.1, 0.1).
	if fi.Change == nil || math.Abs(*fi.Change-0.3) > 1e-12 || math.Abs(*fi.ChangeLow-(0.3-math.Sqrt(0.02))) > 1e-12 ||
		math.Abs(*fi.ChangeHigh-(0.3+math.Sqrt(0.02))) > 1e-12 {
		t.Errorf("fi %+v", fi)
	}
	if d.Rows[0].Change != nil || d.Rows[0].Note == "" || d.Rows[3].Change != nil || d.Rows[3].Note == "" {
		t.Errorf("a model on one side only has a change: %+v %+v", d.Rows[0], d.Rows[3])
	}
	md := d.Markdown()
	// mine/all: +3.0, and hypot(0.04, 0.05) = 0.064 on each side.
	for _, s := range []string{"| mine | fi | 40.0% [30.0, 50.0] (n 80) | 70.0% [60.0, 80.0] (n 80) | **+30.0 pp [+15.9, +44.1]** |",
		"| mine | all | 50.0% [45.0, 55.0] (n 80) | 53.0% [49.0, 57.0] (n 80) | +3.0 pp [-3.4, +9.4] |"} {
		if !strings.Contains(md, s) {
			t.Errorf("markdown lacks %q:\n%s", s, md)
		}
	}
	after[1].Baseline = "other"
	if r := DiffResults(before, after).Rows[1]; r.Change != nil || !strings.Contains(r.Note, "baseline changed") {
		t.Errorf("another baseline: %+v", r)
	}
}
