package figures

import (
	"cmp"
	"fmt"
	"image/color"
	"slices"
	"strings"

	"github.com/xinstruct/xinstruct/internal/topics"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// LengthHistogram is one language's distributions of instruction and output lengths (in
// characters, as the card's statistics table counts them).
type LengthHistogram struct {
	Lang        string
	Instruction Histogram
	Output      Histogram
}

// LengthHistograms draws one small panel per language (five to a row, in the order given),
// each with the instruction and the output length distribution as two outlined step
// curves on a shared logarithmic length axis. Small multiples rather than one chart: 20
// overlaid curves (10 languages, 2 each) would be a tangle, while panels side by side show
// each language's shape and, the axes being shared, let them be compared at a glance.
// Each panel's title gives its language and number of pairs.
func LengthHistograms(h []LengthHistogram, placeholder bool) ([]byte, error) {
	t := title("Instruction and output lengths per language (characters, log scale)", placeholder)
	if len(h) == 0 {
		return noData(t)
	}
	lo, hi := 0.0, 0.0
	var ymax int64
	for i, x := range h {
		for _, hist := range []Histogram{x.Instruction, x.Output} {
			if err := hist.valid(); err != nil {
				return nil, fmt.Errorf("%s: %w", x.Lang, err)
			}
			if hist.Edges[0] <= 0 {
				return nil, fmt.Errorf("figures: %s: length histogram edges must be positive for the log scale", x.Lang)
			}
			if i == 0 || hist.Edges[0] < lo {
				lo = hist.Edges[0]
			}
			hi = max(hi, hist.Edges[len(hist.Edges)-1])
			ymax = max(ymax, slices.Max(hist.Counts))
		}
	}
	var plots []*plot.Plot
	for _, x := range h {
		p := newPlot(fmt.Sprintf("%s  (n = %s)", x.Lang, human(max(x.Instruction.Total(), x.Output.Total()))), 10)
		p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, lengthTicks{}
		p.X.Min, p.X.Max = lo, hi
		p.Y.Min, p.Y.Max = 0, float64(ymax)*1.05
		p.Y.Tick.Marker = countTicks{}
		p.Add(plotter.NewGrid())
		for _, s := range []struct {
			hist Histogram
			c    color.Color
		}{{x.Instruction, blue}, {x.Output, vermillion}} {
			l, err := plotter.NewLine(steps(s.hist))
			if err != nil {
				return nil, err
			}
			l.Color, l.Width = s.c, vg.Points(1.5)
			l.FillColor = withAlpha(s.c, 40)
			p.Add(l)
		}
		plots = append(plots, p)
	}
	cols := min(5, len(plots))
	rows := (len(plots) + cols - 1) / cols
	// Axis labels once: on the bottom row's x axes and the first column's y axes.
	for k, p := range plots {
		if k/cols == rows-1 || k+cols >= len(plots) {
			p.X.Label.Text = "characters"
		}
		if k%cols == 0 {
			p.Y.Label.Text = "pairs"
		}
	}
	legend := []legendEntry{{"instruction (English)", blue, true}, {"output (native language)", vermillion, true}}
	return grid(t, legend, plots, cols, vg.Length(cols)*2.1*vg.Inch+0.3*vg.Inch, vg.Length(rows)*2*vg.Inch+0.7*vg.Inch)
}

// steps returns the outline of a histogram: a step curve from the first edge to the last,
// down to zero at both ends.
func steps(h Histogram) plotter.XYs {
	pts := plotter.XYs{{X: h.Edges[0], Y: 0}}
	for i, c := range h.Counts {
		pts = append(pts, plotter.XY{X: h.Edges[i], Y: float64(c)}, plotter.XY{X: h.Edges[i+1], Y: float64(c)})
	}
	return append(pts, plotter.XY{X: h.Edges[len(h.Edges)-1], Y: 0})
}

func withAlpha(c color.Color, a uint8) color.Color {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = a
	return n
}

// lengthTicks labels 10, 100, 1000, ... with minor ticks at 2x and 5x.
type lengthTicks struct{}

func (lengthTicks) Ticks(min, max float64) []plot.Tick {
	var t []plot.Tick
	for d := 1.0; d <= max; d *= 10 {
		for _, m := range []float64{1, 2, 5} {
			v := d * m
			if v < min || v > max {
				continue
			}
			lab := ""
			if m == 1 {
				lab = human(int64(v))
			}
			t = append(t, plot.Tick{Value: v, Label: lab})
		}
	}
	return t
}

// countTicks are plot.DefaultTicks with labels as whole counts (1.2k -> 1200 is too wide).
type countTicks struct{}

func (countTicks) Ticks(min, max float64) []plot.Tick {
	t := plot.DefaultTicks{}.Ticks(min, max)
	for i := range t {
		if t[i].Label != "" && t[i].Value == float64(int64(t[i].Value)) {
			t[i].Label = human(int64(t[i].Value))
		}
	}
	return t
}

// upTo is countTicks at or below max only (the topic chart's axis goes on under the names).
type upTo struct{ max float64 }

func (u upTo) Ticks(min, max float64) []plot.Tick {
	var t []plot.Tick
	for _, tk := range (countTicks{}).Ticks(min, u.max) {
		if tk.Value <= u.max {
			t = append(t, tk)
		}
	}
	return t
}

// LangClusters is one language's k-means clusters: per cluster, the candidates assigned to
// it and the pairs selected from it (same length, cluster order free).
type LangClusters struct {
	Lang       string
	Candidates []int64
	Selected   []int64
}

// ClusterSizes draws one small panel per language (five to a row): its clusters as bars
// sorted from the largest to the smallest, the candidates in light blue and the selected
// pairs in dark blue in front, so that a glance shows how uneven the clusters are and how
// evenly the selection took from them. Each panel's title gives the cluster count and
// the totals.
func ClusterSizes(langs []LangClusters, placeholder bool) ([]byte, error) {
	t := title("k-means cluster sizes per language: candidates and selected pairs, largest cluster first", placeholder)
	if len(langs) == 0 {
		return noData(t)
	}
	var ymax int64
	kmax := 0
	for _, l := range langs {
		if len(l.Selected) != len(l.Candidates) {
			return nil, fmt.Errorf("figures: %s: %d clusters' candidates but %d clusters' selections", l.Lang, len(l.Candidates), len(l.Selected))
		}
		kmax = max(kmax, len(l.Candidates))
		for _, c := range l.Candidates {
			ymax = max(ymax, c)
		}
		for _, c := range l.Selected {
			ymax = max(ymax, c)
		}
	}
	var plots []*plot.Plot
	for _, l := range langs {
		order := make([]int, len(l.Candidates))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int {
			return cmp.Or(cmp.Compare(l.Candidates[b], l.Candidates[a]), cmp.Compare(l.Selected[b], l.Selected[a]))
		})
		var cand, sel plotter.Values
		var ct, st int64
		for _, i := range order {
			cand = append(cand, float64(l.Candidates[i]))
			sel = append(sel, float64(l.Selected[i]))
			ct += l.Candidates[i]
			st += l.Selected[i]
		}
		p := newPlot(fmt.Sprintf("%s · %d clusters · %s → %s", l.Lang, len(order), human(ct), human(st)), 9)
		p.X.Min, p.X.Max = -0.5, float64(max(kmax, 1))-0.5
		p.Y.Min, p.Y.Max = 0, float64(max(ymax, 1))*1.05
		p.X.Tick.Marker = rankTicks{}
		p.Y.Tick.Marker = countTicks{}
		if len(order) > 0 {
			w := vg.Points(max(1, min(10, 110/float64(kmax))))
			for _, s := range []struct {
				v plotter.Values
				c color.Color
			}{{cand, lightBlue}, {sel, blue}} {
				b, err := plotter.NewBarChart(s.v, w)
				if err != nil {
					return nil, err
				}
				b.Color, b.LineStyle.Width = s.c, 0
				p.Add(b)
			}
		}
		plots = append(plots, p)
	}
	cols := min(5, len(plots))
	rows := (len(plots) + cols - 1) / cols
	for k, p := range plots {
		if k+cols >= len(plots) {
			p.X.Label.Text = "cluster (by size)"
		}
		if k%cols == 0 {
			p.Y.Label.Text = "pairs"
		}
	}
	legend := []legendEntry{{"candidates in the cluster", lightBlue, false}, {"selected from it", blue, false}}
	return grid(t, legend, plots, cols, vg.Length(cols)*2.1*vg.Inch+0.3*vg.Inch, vg.Length(rows)*1.9*vg.Inch+0.7*vg.Inch)
}

// rankTicks numbers the bars from 1 at a few round places.
type rankTicks struct{}

func (rankTicks) Ticks(min, max float64) []plot.Tick {
	var t []plot.Tick
	for _, tk := range (plot.DefaultTicks{}).Ticks(min+1, max+1) {
		if tk.Label != "" && tk.Value >= 1 && tk.Value == float64(int64(tk.Value)) {
			t = append(t, plot.Tick{Value: tk.Value - 1, Label: fmt.Sprint(int64(tk.Value))})
		}
	}
	if len(t) == 0 {
		t = append(t, plot.Tick{Value: 0, Label: "1"})
	}
	return t
}

// RoundLabels is the judge's verdicts in one refinement round (1, 2, ...), for one
// language or, with Lang "", pooled over the languages. Counts maps a label to its number
// of pairs: the judge's "good", "flawed", "bad" and, where the pipeline counts them,
// "rewritten" and "dropped"; other labels are drawn too, after these.
type RoundLabels struct {
	Round  int
	Lang   string
	Counts map[string]int64
}

// LabelOrder is the order of the labels in the stacks, bottom to top.
var LabelOrder = []string{"good", "flawed", "bad", "rewritten", "dropped"}

// LabelMix draws the label mix as stacked bars, one per round, grouped by language
// (languages in the order first given, rounds in order): a bar's height is the pairs the
// judge saw in that round, its segments the labels, each with its count written in it
// when the segment has room.
func LabelMix(rounds []RoundLabels, placeholder bool) ([]byte, error) {
	t := title("The judge's labels per refinement round", placeholder)
	if len(rounds) == 0 {
		return noData(t)
	}
	var langs []string
	byLang := map[string][]RoundLabels{}
	seen := map[string]bool{}
	for _, r := range rounds {
		if _, ok := byLang[r.Lang]; !ok {
			langs = append(langs, r.Lang)
		}
		byLang[r.Lang] = append(byLang[r.Lang], r)
		for l := range r.Counts {
			seen[l] = true
		}
	}
	var labels []string
	for _, l := range LabelOrder {
		if seen[l] {
			labels = append(labels, l)
			delete(seen, l)
		}
	}
	var extra []string
	for l := range seen {
		extra = append(extra, l)
	}
	slices.Sort(extra)
	labels = append(labels, extra...)

	// Slots: the rounds of each language side by side, an empty slot between languages.
	type slot struct {
		r     RoundLabels
		empty bool
	}
	var slots []slot
	var ticks []plot.Tick
	for i, l := range langs {
		if i > 0 {
			slots = append(slots, slot{empty: true})
		}
		rs := byLang[l]
		slices.SortStableFunc(rs, func(a, b RoundLabels) int { return cmp.Compare(a.Round, b.Round) })
		for j, r := range rs {
			lab := fmt.Sprintf("r%d", r.Round)
			if j == 0 { // the language under its first round
				name := l
				if name == "" {
					name = "all"
				}
				lab += "\n" + name
			}
			ticks = append(ticks, plot.Tick{Value: float64(len(slots)), Label: lab})
			slots = append(slots, slot{r: r})
		}
	}
	p := newPlot("", 12)
	p.Y.Label.Text = "pairs judged"
	p.X.Label.Text = "round, language"
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Tick.Marker = countTicks{}
	p.X.Min, p.X.Max = -0.7, float64(len(slots))-0.3
	width := max(5*vg.Inch, vg.Length(len(slots))*0.22*vg.Inch+1*vg.Inch)
	barW := vg.Points(min(28, max(8, float64(width-1.5*vg.Inch)/float64(len(slots))*0.7)))
	var ymax float64
	totals := make([]float64, len(slots))
	var prev *plotter.BarChart
	var inBar plotter.XYLabels
	var legend []legendEntry
	for li, label := range labels {
		v := make(plotter.Values, len(slots))
		for i, s := range slots {
			if !s.empty {
				v[i] = float64(s.r.Counts[label])
			}
		}
		b, err := plotter.NewBarChart(v, barW)
		if err != nil {
			return nil, err
		}
		b.Color = labelColor(label, li)
		b.LineStyle.Width = 0
		if prev != nil {
			b.StackOn(prev)
		}
		p.Add(b)
		legend = append(legend, legendEntry{label, b.Color, false})
		for i := range slots {
			totals[i] += v[i]
			ymax = max(ymax, totals[i])
		}
		prev = b
	}
	// Counts inside the segments that are tall enough for a line of text.
	base := make([]float64, len(slots))
	for _, label := range labels {
		for i, s := range slots {
			if s.empty {
				continue
			}
			n := float64(s.r.Counts[label])
			if n > 0 && n >= 0.06*ymax {
				inBar.XYs = append(inBar.XYs, plotter.XY{X: float64(i), Y: base[i] + n/2})
				inBar.Labels = append(inBar.Labels, human(int64(n)))
			}
			base[i] += n
		}
	}
	if len(inBar.XYs) > 0 {
		l, err := plotter.NewLabels(inBar)
		if err != nil {
			return nil, err
		}
		for i := range l.TextStyle {
			l.TextStyle[i].Font = font.From(sans, 8)
			l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
		}
		p.Add(l)
	}
	p.Y.Min, p.Y.Max = 0, max(ymax, 1)*1.05
	// The legend is a line under the title, bottom-of-stack label first.
	return grid(t, legend, []*plot.Plot{p}, 1, width, 4*vg.Inch)
}

func labelColor(label string, i int) color.Color {
	switch label {
	case "good":
		return palette[0]
	case "flawed":
		return palette[1]
	case "bad":
		return palette[2]
	case "rewritten":
		return palette[3]
	case "dropped":
		return palette[7]
	}
	return palette[(4+i)%len(palette)]
}

// Topics draws the verbs as horizontal bars, most frequent at the top: a bar's length is
// the instructions with that main verb, its coloured segments the verb's most common
// objects (in rank order, the rest grey), and the objects are named with their counts to
// the right of the bar ("essay 12 · story 8 · ..."), so the chart reads as a table with
// the sizes drawn in. It draws the verbs given (callers pass topics.VerbObjects(..., 16,
// 4) for the paper's figure).
func Topics(verbs []topics.Verb, placeholder bool) ([]byte, error) {
	t := title("Main verbs of the instructions and their objects", placeholder)
	if len(verbs) == 0 {
		return noData(t)
	}
	nObj := 0
	maxN := 0
	for _, v := range verbs {
		nObj = max(nObj, len(v.Objects))
		maxN = max(maxN, v.N)
	}
	n := len(verbs)
	row := func(i int) float64 { return float64(n - 1 - i) } // the first verb at the top
	p := newPlot(t, 12)
	p.X.Label.Text = "instructions (segments: the verb's most common objects; grey: other or none)"
	p.X.Tick.Marker = upTo{max: float64(maxN)}
	var yt []plot.Tick
	for i, v := range verbs {
		yt = append(yt, plot.Tick{Value: row(i), Label: fmt.Sprintf("%s  %s", v.Verb, human(int64(v.N)))})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(yt)
	p.Y.Tick.Label.Font = font.From(sans, 10)
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	barW := vg.Points(13)
	var prev *plotter.BarChart
	for k := 0; k <= nObj; k++ {
		v := make(plotter.Values, n)
		for i, verb := range verbs {
			if k < nObj {
				if k < len(verb.Objects) {
					v[n-1-i] = float64(verb.Objects[k].N)
				}
				continue
			}
			rest := verb.N
			for _, o := range verb.Objects {
				rest -= o.N
			}
			v[n-1-i] = float64(max(rest, 0))
		}
		b, err := plotter.NewBarChart(v, barW)
		if err != nil {
			return nil, err
		}
		b.Horizontal = true
		b.LineStyle.Width = 0
		if k < nObj {
			b.Color = palette[[]int{5, 3, 0, 1, 4, 6, 2}[k%7]]
		} else {
			b.Color = grey
		}
		if prev != nil {
			b.StackOn(prev)
		}
		p.Add(b)
		prev = b
	}
	var names plotter.XYLabels
	for i, v := range verbs {
		var parts []string
		for _, o := range v.Objects {
			parts = append(parts, fmt.Sprintf("%s %s", o.Noun, human(int64(o.N))))
		}
		if len(parts) == 0 {
			continue
		}
		names.XYs = append(names.XYs, plotter.XY{X: float64(v.N) + float64(maxN)*0.015, Y: row(i)})
		names.Labels = append(names.Labels, strings.Join(parts, " · "))
	}
	if len(names.XYs) > 0 {
		l, err := plotter.NewLabels(names)
		if err != nil {
			return nil, err
		}
		for i := range l.TextStyle {
			l.TextStyle[i].Font = font.From(sans, 9)
			l.TextStyle[i].YAlign = draw.YCenter
		}
		p.Add(l)
	}
	// Room right of the longest bar for its objects' names.
	p.X.Min, p.X.Max = 0, float64(max(maxN, 1))*1.9
	return render(p, 8*vg.Inch, vg.Length(n)*0.3*vg.Inch+1.1*vg.Inch)
}
