package dataset

import (
	"slices"
	"strconv"

	"github.com/xinstruct/xinstruct/internal/topics"
	"github.com/xinstruct/xinstruct/io/dataset/figures"
)

// The card's pictures, beside it in the dataset's folder.
const (
	FigureLengths  = "lengths.svg"
	FigureClusters = "clusters.svg"
	FigureLabels   = "labels.svg"
	FigureTopics   = "topics.svg"
	FormatFigure   = "figure"
)

// topVerbs and topObjects size the topic figure, as the X-Instruction paper's.
const (
	topVerbs   = 16
	topObjects = 4
)

// figure is one picture of the card and the line of prose that introduces it.
type figure struct {
	name, caption string
	svg           []byte
}

// renderFigures draws the card's pictures from the languages' card data, their
// statistics and the run's facts (nil when the job gave none: no label figure).
func renderFigures(cards []LangCard, stats []LangStats, facts *Facts, placeholder bool) ([]figure, error) {
	var out []figure
	add := func(name, caption string, svg []byte, err error) error {
		if err == nil {
			out = append(out, figure{name, caption, svg})
		}
		return err
	}
	var lengths []figures.LengthHistogram
	for _, c := range cards {
		lengths = append(lengths, figures.LengthHistogram{Lang: c.Lang, Instruction: c.Instruction, Output: c.Output})
	}
	svg, err := figures.LengthHistograms(lengths, placeholder)
	if err := add(FigureLengths, "Instruction and output lengths per language (characters; the table above gives their means).", svg, err); err != nil {
		return nil, err
	}
	var clusters []figures.LangClusters
	for _, s := range stats {
		cand := slices.Clone(s.CandidatesPerCluster)
		if len(cand) != len(s.PerCluster) {
			cand = make([]int64, len(s.PerCluster)) // an older report without them
		}
		clusters = append(clusters, figures.LangClusters{Lang: s.Lang, Candidates: cand, Selected: s.PerCluster})
	}
	svg, err = figures.ClusterSizes(clusters, placeholder)
	if err := add(FigureClusters, "k-means clusters per language: the candidates each holds, and the pairs selected from it.", svg, err); err != nil {
		return nil, err
	}
	if facts != nil && len(facts.Labels) > 0 {
		svg, err = figures.LabelMix(facts.Labels, placeholder)
		if err := add(FigureLabels, "The judge's labels in each refinement round.", svg, err); err != nil {
			return nil, err
		}
	}
	counts := topics.Counts{}
	sampled := 0
	for _, c := range cards {
		sampled += c.Sampled
		for _, t := range c.Topics {
			counts.Merge(topics.Counts{{Verb: t.Verb, Object: t.Object}: t.N})
		}
	}
	svg, err = figures.Topics(counts.Top(topVerbs, topObjects), placeholder)
	caption := "The instructions' most common verbs and their direct objects (found by a part-of-speech tagger in " +
		itoa(sampled) + " instructions sampled evenly from every language), as in the X-Instruction paper's topic figure."
	if err := add(FigureTopics, caption, svg, err); err != nil {
		return nil, err
	}
	return out, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
