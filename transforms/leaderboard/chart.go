package leaderboard

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// RenderChart draws each model's adjusted win rate per language, then pooled ("all"), as an
// SVG: a point with a vertical bar for its 95% interval, one colour and a small sideways
// offset per model so that the bars do not hide each other, and a dashed line at 0.5, the
// baseline's level. Rows without outcomes are left out. The same report gives the same bytes.
// title heads it; "" is DefaultChartTitle (a placeholder run says so in its title).
func RenderChart(r Report, title string) ([]byte, error) {
	var langs, series []string
	for _, x := range r.Results {
		if x.Category == "" && x.Turn == 0 && x.N > 0 {
			langs = append(langs, x.Lang)
			series = append(series, seriesName(x))
		}
	}
	if len(langs) == 0 {
		return nil, errors.New("leaderboard: no results with outcomes to chart")
	}
	langs, series = uniq(langs), uniq(series)
	sortLangs(langs)
	at := map[string]int{}
	for i, l := range langs {
		at[l] = i
	}

	p := plot.New()
	// Liberation Sans has Arial's metrics, so the text plot placed by its widths also fits
	// where a viewer draws it with Arial or Helvetica; most viewers have neither Liberation
	// font, and Liberation Serif's stand-ins are often wider.
	sans := font.Font{Typeface: "Liberation", Variant: "Sans"}
	p.Title.TextStyle.Font = font.From(sans, 12)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 11)
		a.Tick.Label.Font = font.From(sans, 10)
	}
	p.Legend.TextStyle.Font = font.From(sans, 10)
	p.Title.Text = title
	if title == "" {
		p.Title.Text = DefaultChartTitle
	}
	p.Y.Label.Text = "adjusted win rate"
	p.X.Label.Text = "language"
	p.X.Min, p.X.Max = -0.5, float64(len(langs))-0.5
	// Room above 1 for the legend, which lists one line per model.
	p.Y.Min, p.Y.Max = 0, 1+0.07*float64(len(series))
	var xt []plot.Tick
	for i, l := range langs {
		xt = append(xt, plot.Tick{Value: float64(i), Label: l})
	}
	p.X.Tick.Marker = plot.ConstantTicks(xt)
	p.Y.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "0"}, {Value: 0.25, Label: "0.25"}, {Value: 0.5, Label: "0.5"}, {Value: 0.75, Label: "0.75"}, {Value: 1, Label: "1"}}
	// Top left, inside the plot: the names run to the right, where they have room.
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs = 0.7 * vg.Inch

	even, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: 0.5}, {X: p.X.Max, Y: 0.5}})
	if err != nil {
		return nil, err
	}
	even.Color = color.Gray{Y: 120}
	even.Dashes = []vg.Length{vg.Points(5), vg.Points(4)}
	p.Add(even)

	// The share of a language's slot the models' offsets take: 0.15 per model, at most 0.6.
	spread := min(0.6, 0.15*float64(len(series)-1))
	for i, s := range series {
		offset := 0.0
		if len(series) > 1 {
			offset = spread * (float64(i)/float64(len(series)-1) - 0.5)
		}
		var pts struct {
			plotter.XYs
			plotter.YErrors
		}
		for _, x := range r.Results {
			if x.Category != "" || x.Turn != 0 || x.N == 0 || seriesName(x) != s {
				continue
			}
			pts.XYs = append(pts.XYs, plotter.XY{X: float64(at[x.Lang]) + offset, Y: x.WinRateAdjusted})
			pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{x.WinRateAdjusted - x.CILow, x.CIHigh - x.WinRateAdjusted})
		}
		bars, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return nil, fmt.Errorf("leaderboard: chart %s: %w", s, err)
		}
		dots, err := plotter.NewScatter(pts.XYs)
		if err != nil {
			return nil, fmt.Errorf("leaderboard: chart %s: %w", s, err)
		}
		c := plotutil.Color(i)
		bars.LineStyle.Color = c
		bars.LineStyle.Width = vg.Points(1.2)
		dots.GlyphStyle.Color = c
		dots.GlyphStyle.Shape = plotutil.Shape(i)
		dots.GlyphStyle.Radius = vg.Points(3)
		p.Add(bars, dots)
		p.Legend.Add(s, dots)
	}

	width := max(6*vg.Inch, vg.Length(len(langs))*0.6*vg.Inch+1.5*vg.Inch)
	w, err := p.WriterTo(width, 4*vg.Inch, "svg")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// seriesName is a model's name in the legend, with its baseline when the report has rows
// against several (the name alone otherwise would be ambiguous).
func seriesName(x Result) string {
	return x.Model + " vs " + x.Baseline
}

func sortLangs(langs []string) {
	// uniq sorted them alphabetically; move AllLangs to the end.
	for i, l := range langs {
		if l == AllLangs {
			copy(langs[i:], langs[i+1:])
			langs[len(langs)-1] = AllLangs
			return
		}
	}
}

// DefaultChartTitle is RenderChart's title when it is given none.
const DefaultChartTitle = "Adjusted win rate against the baseline (95% intervals)"
