package leaderboard

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"testing"
)

// sampleReport is a small report with two models in three languages.
func sampleReport() Report {
	rng := rand.New(rand.NewPCG(11, 11))
	js := append(versus(rng, "strong", 0.75, 40, "fi", "sw", "th"), versus(rng, "weak", 0.4, 40, "fi", "sw", "th")...)
	return Aggregate(js, Options{Bootstrap: 200, Seed: 1})
}

func TestRenderChart(t *testing.T) {
	rep := sampleReport()
	svg, err := RenderChart(rep, "")
	if err != nil {
		t.Fatal(err)
	}
	// Well-formed XML whose root is an svg element.
	d := xml.NewDecoder(bytes.NewReader(svg))
	root := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q, want svg", root)
	}
	for _, label := range []string{">fi<", ">sw<", ">th<", ">all<", ">strong vs b<", ">weak vs b<"} {
		if !bytes.Contains(svg, []byte(label)) {
			t.Errorf("the SVG lacks the label %s", label)
		}
	}
	again, err := RenderChart(rep, "")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(svg, again) {
		t.Errorf("the same report gives another SVG")
	}
	if dir := os.Getenv("LEADERBOARD_SAMPLE_DIR"); dir != "" { // to look at it
		if err := os.WriteFile(dir+"/chart.svg", svg, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRenderChartWithoutResults(t *testing.T) {
	if _, err := RenderChart(Report{}, ""); err == nil {
		t.Errorf("no error for an empty report")
	}
}
