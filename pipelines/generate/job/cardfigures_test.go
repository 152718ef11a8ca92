package job

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/io/dataset"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
	"github.com/xinstruct/xinstruct/io/publish"
)

// The card's pictures exist beside it, are valid SVG, and show the run's own numbers:
// each language's rows (as report/summary.json gives them) in the length and cluster
// figures, and the judge's labels of every round; the card links each of them.
func TestCardPicturesShowTheRunsNumbers(t *testing.T) {
	_, url := startFake(t, llmtest.Options{})
	cfg := generateConfig(t, url, filepath.Join(t.TempDir(), "out"))
	if code, _, stderr := execute(t, cfg, false); code != 0 {
		t.Fatal(stderr)
	}
	var s Summary
	if err := publish.ReadReport(context.Background(), cfg.Output, SummaryName, &s); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cfg.Output, dataset.Dir)
	card, err := os.ReadFile(filepath.Join(dir, dataset.CardName))
	if err != nil {
		t.Fatal(err)
	}
	text := map[string]string{}
	for _, name := range []string{dataset.FigureLengths, dataset.FigureClusters, dataset.FigureLabels, dataset.FigureTopics} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("no %s beside the card: %v", name, err)
		}
		text[name] = svgText(t, name, b)
		if !strings.Contains(string(card), "]("+name+")") {
			t.Errorf("the card does not show %s", name)
		}
	}
	if len(s.Rows) == 0 {
		t.Fatal("the summary counts no rows")
	}
	for lang, n := range s.Rows {
		if want := fmt.Sprintf("%s (n = %d)", lang, n); !strings.Contains(text[dataset.FigureLengths], want) {
			t.Errorf("lengths.svg has no panel %q", want)
		}
		if want := fmt.Sprintf("→ %d", n); !strings.Contains(text[dataset.FigureClusters], lang+" · ") || !strings.Contains(text[dataset.FigureClusters], want) {
			t.Errorf("clusters.svg shows no %s panel with %d selected", lang, n)
		}
	}
	for r := 1; r <= cfg.Refine.Rounds; r++ {
		if !strings.Contains(text[dataset.FigureLabels], fmt.Sprintf("r%d", r)) {
			t.Errorf("labels.svg shows no round %d", r)
		}
	}
}

// svgText checks that b is an SVG document and returns its text, blanks collapsed.
func svgText(t *testing.T, name string, b []byte) string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(b)))
	var root string
	var words []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s is not XML: %v", name, err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = x.Name.Local
			}
		case xml.CharData:
			words = append(words, strings.Fields(string(x))...)
		}
	}
	if root != "svg" {
		t.Fatalf("%s's root is <%s>, not <svg>", name, root)
	}
	return strings.Join(words, " ")
}
