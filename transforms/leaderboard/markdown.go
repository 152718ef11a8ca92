package leaderboard

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Info is what the report's reader needs besides the numbers.
type Info struct {
	Title       string // "Leaderboard" when empty
	Judge       string // the judge model
	JudgeFormat string // the judge prompt's format, e.g. "arena-hard"
	Baseline    string
	Placeholder bool // the numbers are not a real evaluation: say so loudly
	Questions   int
	Languages   []string
	RunID       string
	ChartFile   string // the chart's path relative to the README, embedded when set
	Notes       []string
}

// RenderMarkdown writes a README for a person: what was run, how to read the numbers, the
// pooled leaderboard and one per language, per category and per turn tables, the
// Bradley-Terry scores and the chart. A rate whose denominator is 0 shows as "—".
func RenderMarkdown(r Report, info Info) string {
	var b strings.Builder
	title := cmp.Or(info.Title, "Leaderboard")
	fmt.Fprintf(&b, "# %s\n\n", title)
	if info.Placeholder {
		b.WriteString("> [!CAUTION]\n" +
			"> ## ⚠️ PLACEHOLDER — NOT A REAL EVALUATION ⚠️\n" +
			"> These numbers come from a placeholder run (stand-in models, judge or data). " +
			"They show the report's layout only: **do not cite, compare or rank models with them.**\n\n")
	}
	writeFacts(&b, r, info)
	if info.ChartFile != "" {
		fmt.Fprintf(&b, "![Adjusted win rate against the baseline per language, with 95%% intervals](%s)\n\n", info.ChartFile)
	}
	writeHowToRead(&b, r)

	rows := func(keep func(Result) bool) []Result {
		var out []Result
		for _, x := range r.Results {
			if keep(x) {
				out = append(out, x)
			}
		}
		return out
	}
	b.WriteString("## Leaderboard, all languages\n\n")
	writeLeaderboard(&b, rows(func(x Result) bool { return x.Lang == AllLangs && x.Category == "" && x.Turn == 0 }))

	var langs []string
	for _, x := range r.Results {
		if x.Lang != AllLangs {
			langs = append(langs, x.Lang)
		}
	}
	if langs = uniq(langs); len(langs) > 0 {
		b.WriteString("## Per language\n\n")
		for _, l := range langs {
			fmt.Fprintf(&b, "### %s\n\n", cell(l))
			writeLeaderboard(&b, rows(func(x Result) bool { return x.Lang == l && x.Category == "" && x.Turn == 0 }))
		}
	}
	if cats := rows(func(x Result) bool { return x.Category != "" }); len(cats) > 0 {
		b.WriteString("## Per category, all languages\n\n")
		slices.SortStableFunc(cats, func(a, c Result) int {
			return cmp.Or(cmp.Compare(a.Category, c.Category), cmp.Compare(c.WinRateAdjusted, a.WinRateAdjusted))
		})
		writeSmallTable(&b, "Category", func(x Result) string { return x.Category }, cats)
	}
	if turns := rows(func(x Result) bool { return x.Turn != 0 && x.Category == "" }); len(turns) > 0 {
		b.WriteString("## Per turn\n\n")
		slices.SortStableFunc(turns, func(a, c Result) int {
			return cmp.Or(compareLangs(a.Lang, c.Lang), cmp.Compare(a.Turn, c.Turn), cmp.Compare(c.WinRateAdjusted, a.WinRateAdjusted))
		})
		writeSmallTable(&b, "Language | Turn", func(x Result) string { return fmt.Sprintf("%s | %d", cell(x.Lang), x.Turn) }, turns)
	}
	if len(r.BradleyTerry) > 0 {
		writeBT(&b, r.BradleyTerry)
	}
	if len(info.Notes) > 0 {
		b.WriteString("## Notes\n\n")
		for _, n := range info.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func writeFacts(b *strings.Builder, r Report, info Info) {
	var calls, prompt, completion int
	var cost float64
	for _, x := range r.Results {
		if x.Lang == AllLangs && x.Category == "" && x.Turn == 0 {
			calls += x.JudgeCalls
			prompt += x.JudgePromptTokens
			completion += x.JudgeCompletionTokens
			cost += x.JudgeCost
		}
	}
	b.WriteString("| | |\n|---|---|\n")
	fact := func(k, v string) {
		if v != "" {
			fmt.Fprintf(b, "| %s | %s |\n", k, v)
		}
	}
	judge := cell(info.Judge)
	if info.JudgeFormat != "" {
		judge += fmt.Sprintf(" (%s format)", cell(info.JudgeFormat))
	}
	fact("Judge", judge)
	fact("Baseline", cell(info.Baseline))
	if info.Questions > 0 {
		fact("Questions", fmt.Sprint(info.Questions))
	}
	fact("Languages", cell(strings.Join(info.Languages, ", ")))
	fact("Run", cell(info.RunID))
	fact("Bootstrap", fmt.Sprintf("%d rounds over question IDs, seed %d", r.Bootstrap, r.Seed))
	fact("Judge calls", fmt.Sprintf("%d (%d prompt + %d completion tokens)", calls, prompt, completion))
	if cost > 0 {
		fact("Judge cost", fmt.Sprintf("%.2f at the configured prices per million tokens", cost))
	}
	if r.Duplicates > 0 {
		fact("Duplicate judgments ignored", fmt.Sprint(r.Duplicates))
	}
	b.WriteString("\n")
}

func writeHowToRead(b *strings.Builder, r Report) {
	b.WriteString(`## How to read this

- Each model's answer to a question is compared with the baseline's answer by the judge **twice**, once with the model's answer shown first (as assistant A) and once with the baseline's first. Following FastChat, a comparison counts as a win or a loss only when both orders agree; when they disagree (also a win in one order and a tie in the other) it is a **tie**. This cancels the judge's preference for a position instead of letting it pick winners.
- **n** counts the comparisons with an outcome (both orders judged); **Errors** those without (an order missing, unparseable after the re-ask, or failed). **W / T / L** are the model's wins, ties and losses.
- **Win rate** is W/n. **Adjusted win rate** is (W + T/2)/n, the main number: 50% means as good as the baseline.
`)
	fmt.Fprintf(b, "- **[95%% CI]** is a percentile bootstrap interval (%d rounds) that resamples *questions*, not comparisons: all of a question's comparisons (in every language and turn of the row) are drawn together, since they share the question's difficulty. This keeps the pooled row honest.\n", r.Bootstrap)
	b.WriteString(`- **LC** is the length-controlled win rate (after AlpacaEval 2): the adjusted win rate a logistic fit predicts when the model's answer is as long as the baseline's. Shown only with n ≥ 30 and a fit that converged; unlike AlpacaEval 2 it has no per-question difficulty term.
- **Position consistency** is the share of judge-decided comparisons (not settled by the answer-language gate) whose two orders agree. Near 100% the judge reads the answers; low values mean many verdicts flip with the order.
- **First-position rate** is, among single-order verdicts that pick a side, the share that picked the answer shown first. Since every comparison is shown both ways, **50% means no position bias**; above 50% the judge favours assistant A.
- **Off-language** is the share of answers (model / baseline) not in the question's language. **Parse failures** count single-order judgments whose first reply did not parse and was asked again, then those still unparseable after the re-ask. **Mean length** is in characters.
- A rate shows as "—" when nothing was there to count.

`)
}

// writeLeaderboard writes the full table for one slice of rows, best adjusted win rate first.
func writeLeaderboard(b *strings.Builder, rows []Result) {
	if len(rows) == 0 {
		b.WriteString("No results.\n\n")
		return
	}
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, c Result) int {
		return cmp.Or(cmp.Compare(c.WinRateAdjusted, a.WinRateAdjusted), cmp.Compare(a.Model, c.Model))
	})
	b.WriteString("| Model | n | W / T / L | Win rate | Adj. win rate [95% CI] | LC | Position consistency | First-position rate | Off-language (model / baseline) | Parse failures (first / after re-ask) | Errors | Gate decisions | Mean length (model / baseline) |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, x := range rows {
		fmt.Fprintf(b, "| %s | %d | %d / %d / %d | %s | %s | %s | %s | %s | %s / %s | %d / %d | %d | %d | %s / %s |\n",
			modelCell(x), x.N, x.Wins, x.Ties, x.Losses,
			rate(x.WinRate, x.N), adjusted(x), lc(x),
			rate(x.PositionConsistency, x.ConsistencyN), rate(x.FirstPositionRate, x.SideVerdicts),
			rate(x.WrongLanguageRate, x.Answers), rate(x.BaselineWrongLanguageRate, x.Answers),
			x.ParseFailures, x.ParseFailuresAfterReask, x.Errors, x.GateDecisions,
			chars(x.MeanAnswerChars, x.Answers), chars(x.BaselineMeanAnswerChars, x.Answers))
	}
	b.WriteString("\n")
}

// writeSmallTable writes the win-rate columns only, for the category and turn breakdowns.
func writeSmallTable(b *strings.Builder, keyHead string, key func(Result) string, rows []Result) {
	fmt.Fprintf(b, "| %s | Model | n | W / T / L | Adj. win rate [95%% CI] | LC |\n", keyHead)
	b.WriteString("|" + strings.Repeat("---|", strings.Count(keyHead, "|")+1) + "---|--:|--:|--:|--:|\n")
	for _, x := range rows {
		fmt.Fprintf(b, "| %s | %s | %d | %d / %d / %d | %s | %s |\n",
			key(x), modelCell(x), x.N, x.Wins, x.Ties, x.Losses, adjusted(x), lc(x))
	}
	b.WriteString("\n")
}

func writeBT(b *strings.Builder, scores []BTScore) {
	b.WriteString("## Bradley-Terry scores\n\n")
	b.WriteString("Strengths fitted to the same outcomes (a tie is half a win each way), on an Elo-like scale where the baseline is 1000 and +400 means ten times the odds of winning against it; 95% intervals resample questions. Each model also gets one virtual tie with the baseline, which keeps the score of a model that wins or loses everything finite.\n\n")
	b.WriteString("| Model | Score, all languages [95% CI] |\n|---|--:|\n")
	var langs, models []string
	score := map[[2]string]float64{}
	for _, s := range scores {
		if s.Lang == AllLangs {
			fmt.Fprintf(b, "| %s | %.0f [%.0f, %.0f] |\n", cell(s.Model), s.Score, s.CILow, s.CIHigh)
			models = append(models, s.Model) // in order of the pooled score
		} else {
			langs = append(langs, s.Lang)
		}
		score[[2]string{s.Lang, s.Model}] = s.Score
	}
	langs = uniq(langs)
	b.WriteString("\nPer language (intervals in the JSON report):\n\n| Model |")
	for _, l := range langs {
		fmt.Fprintf(b, " %s |", cell(l))
	}
	b.WriteString("\n|---|" + strings.Repeat("--:|", len(langs)) + "\n")
	for _, m := range models {
		fmt.Fprintf(b, "| %s |", cell(m))
		for _, l := range langs {
			if s, ok := score[[2]string{l, m}]; ok {
				fmt.Fprintf(b, " %.0f |", s)
			} else {
				b.WriteString(" — |")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

func modelCell(x Result) string {
	return cell(x.Model) + " vs " + cell(x.Baseline)
}

func adjusted(x Result) string {
	if x.N == 0 {
		return "—"
	}
	return fmt.Sprintf("%s [%s, %s]", pct(x.WinRateAdjusted), pct(x.CILow), pct(x.CIHigh))
}

func lc(x Result) string {
	if x.LCWinRate == nil {
		return "—"
	}
	return pct(*x.LCWinRate)
}

// rate is v as a percentage, or "—" when its denominator is 0.
func rate(v float64, den int) string {
	if den == 0 {
		return "—"
	}
	return pct(v)
}

func chars(v float64, den int) string {
	if den == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f", v)
}

func pct(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }

// cell makes s safe inside a table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(s)
}
