package leaderboard

import (
	"os"
	"strings"
	"testing"
)

func TestRenderMarkdown(t *testing.T) {
	rep := sampleReport()
	info := Info{
		Title: "Eval", Judge: "judge-x", JudgeFormat: "arena-hard", Baseline: "b", Placeholder: true,
		Questions: 40, Languages: []string{"fi", "sw", "th"}, RunID: "run-1", ChartFile: "chart.svg",
		Notes: []string{"a note"},
	}
	md := RenderMarkdown(rep, info)
	for _, want := range []string{
		"# Eval", "PLACEHOLDER", "judge-x (arena-hard format)", "run-1",
		"![Adjusted win rate against the baseline per language, with 95% intervals](chart.svg)",
		"## How to read this", "FastChat", "50% means no position bias",
		"## Leaderboard, all languages", "## Per language", "### fi", "### sw", "### th",
		"## Bradley-Terry scores", "- a note",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("README lacks %q", want)
		}
	}
	// The pooled row of the stronger model, with its interval as percentages.
	var strong Result
	for _, x := range rep.Results {
		if x.Model == "strong" && x.Lang == AllLangs && x.Category == "" {
			strong = x
		}
	}
	cellText := pct(strong.WinRateAdjusted) + " [" + pct(strong.CILow) + ", " + pct(strong.CIHigh) + "]"
	if !strings.Contains(md, "| strong vs b | 120 | ") || !strings.Contains(md, cellText) {
		t.Errorf("README lacks the strong model's pooled row with %q:\n%s", cellText, md)
	}
	// Pooled table: the stronger model first.
	pooled := md[strings.Index(md, "## Leaderboard, all languages"):strings.Index(md, "## Per language")]
	if strings.Index(pooled, "strong vs b") > strings.Index(pooled, "weak vs b") {
		t.Errorf("pooled table not sorted by adjusted win rate:\n%s", pooled)
	}
	if strings.Contains(md, "## Per category") || strings.Contains(md, "## Per turn") {
		t.Errorf("category or turn tables without such rows")
	}
	if strings.Contains(md, "NaN") {
		t.Errorf("NaN in the README")
	}
	if !strings.Contains(RenderMarkdown(rep, Info{}), "# Leaderboard") || strings.Contains(RenderMarkdown(rep, Info{}), "PLACEHOLDER") {
		t.Errorf("default title or banner wrong")
	}
	if dir := os.Getenv("LEADERBOARD_SAMPLE_DIR"); dir != "" { // to look at it
		if err := os.WriteFile(dir+"/README.md", []byte(md), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRenderMarkdownBreakdowns(t *testing.T) {
	var js []Judgment
	for i, p := range [][]Judgment{
		both("q1", "fi", WinnerModel, WinnerModel),
		both("q2", "fi", WinnerBaseline, WinnerTie),
		both("q1", "th", WinnerModel, WinnerModel),
	} {
		for k := range p {
			p[k].Category = []string{"math", "writing", "math"}[i]
			p[k].Turn = 1 + i%2
		}
		js = append(js, p...)
	}
	md := RenderMarkdown(Aggregate(js, Options{Bootstrap: 50}), Info{})
	for _, want := range []string{"## Per category, all languages", "| math | m vs b | 2 | 2 / 0 / 0 |", "## Per turn", "| all | 2 | m vs b | 1 | 0 / 1 / 0 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("README lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "## Bradley-Terry") {
		t.Errorf("Bradley-Terry table with one model")
	}
}

func TestCellEscapesPipes(t *testing.T) {
	if got := cell("a|b\nc"); got != `a\|b c` {
		t.Errorf("cell = %q", got)
	}
}
