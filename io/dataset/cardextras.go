package dataset

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// CardExtras are the card's sections beyond the selection's statistics: pictures, the
// run's funnel and cost, and example pairs.
type CardExtras struct {
	Cards   []LangCard
	Facts   *Facts
	Figures []CardFigure
}

// CardFigure is a picture beside the card and the line that introduces it.
type CardFigure struct {
	File    string
	Caption string
}

func writePictures(b *strings.Builder, figs []CardFigure) {
	if len(figs) == 0 {
		return
	}
	b.WriteString("## Pictures\n\n")
	for _, f := range figs {
		fmt.Fprintf(b, "%s\n\n![%s](%s)\n\n", f.Caption, strings.TrimSuffix(f.File, ".svg"), f.File)
	}
}

func writeFunnel(b *strings.Builder, facts *Facts, selected int64) {
	if facts == nil || len(facts.Funnel) == 0 {
		return
	}
	b.WriteString("## From corpus to dataset\n\n| Step | Records | |\n|---|---:|---|\n")
	for _, s := range facts.Funnel {
		fmt.Fprintf(b, "| %s | %d | %s |\n", s.Name, s.N, s.Note)
	}
	fmt.Fprintf(b, "| selected into the dataset | %d | |\n\n", selected)
}

// exampleChars bounds an example's output on the card.
const exampleChars = 280

func writeExamples(b *strings.Builder, cards []LangCard) {
	if len(cards) == 0 {
		return
	}
	b.WriteString("## Examples\n\nThe first pair of each of the first clusters of every language.\n\n")
	for _, c := range cards {
		if len(c.Examples) == 0 {
			continue
		}
		fmt.Fprintf(b, "<details><summary>%s</summary>\n\n", c.Lang)
		for _, r := range c.Examples {
			out := r.Output
			if utf8.RuneCountInString(out) > exampleChars {
				out = string([]rune(out)[:exampleChars]) + " …"
			}
			fmt.Fprintf(b, "- **Instruction:** %s\n  **Output:** %s\n", oneLine(r.Instruction), oneLine(out))
		}
		b.WriteString("\n</details>\n\n")
	}
}

func writeCost(b *strings.Builder, facts *Facts) {
	if facts == nil || len(facts.Stages) == 0 {
		return
	}
	b.WriteString("## Cost\n\n| Stage | Model calls | From the store | Tokens | Cost |\n|---|---:|---:|---:|---:|\n")
	for _, st := range slices.Sorted(maps.Keys(facts.Stages)) {
		f := facts.Stages[st]
		fmt.Fprintf(b, "| %s | %d | %d | %d | %.4f |\n", st, f.Calls, f.StoreHits, f.Tokens, f.Cost)
	}
	fmt.Fprintf(b, "| **all** | %d | | %d | %.4f |\n\nCosts at the run's `--price`; calls answered from the response store cost nothing.\n\n", facts.Calls, facts.Tokens, facts.Cost)
}

// oneLine keeps a cell of the card on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
