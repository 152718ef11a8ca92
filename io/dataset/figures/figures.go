// Package figures draws the dataset card's pictures as SVG files (gonum.org/v1/plot): the
// instruction and output length distributions per language, the k-means cluster sizes,
// the judge's label mix per refinement round and the verb-object topic chart. Each
// function takes plain data (the pipeline counts it), returns the SVG's bytes, and gives
// the same bytes for the same input.
//
// Suggested file names beside the card: lengths.svg, clusters.svg, labels.svg, topics.svg.
//
// Empty input is not an error: the function returns an SVG with its title and "no data",
// so that the card's link to it always shows something true. Bad input (a histogram whose
// counts do not match its edges) is an error. With placeholder true the title starts with
// "PLACEHOLDER DATA", as the card itself says for a run on the offline stand-in model.
package figures

import (
	"bytes"
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// PlaceholderPrefix starts the title of a figure drawn from placeholder data.
const PlaceholderPrefix = "PLACEHOLDER DATA: "

// NoData is the text of a figure drawn from empty input.
const NoData = "no data"

// Liberation Sans has Arial's metrics, so text placed by its widths also fits where a
// viewer draws it with Arial or Helvetica (as transforms/leaderboard's chart does).
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

func title(s string, placeholder bool) string {
	if placeholder {
		return PlaceholderPrefix + s
	}
	return s
}

// newPlot returns a plot with the package's fonts and sizes.
func newPlot(titleText string, titleSize vg.Length) *plot.Plot {
	p := plot.New()
	p.Title.Text = titleText
	p.Title.TextStyle.Font = font.From(sans, titleSize)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 10)
		a.Tick.Label.Font = font.From(sans, 9)
	}
	p.Legend.TextStyle.Font = font.From(sans, 10)
	return p
}

func render(p *plot.Plot, w, h vg.Length) ([]byte, error) {
	wt, err := p.WriterTo(w, h, "svg")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// noData draws a figure that has only its title and NoData.
func noData(titleText string) ([]byte, error) {
	p := newPlot(titleText, 12)
	p.HideAxes()
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: 0.5, Y: 0.5}}, Labels: []string{NoData}})
	if err != nil {
		return nil, err
	}
	l.TextStyle[0].Font = font.From(sans, 14)
	l.TextStyle[0].XAlign, l.TextStyle[0].YAlign = draw.XCenter, draw.YCenter
	p.Add(l)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	return render(p, 5*vg.Inch, 2*vg.Inch)
}

// grid draws plots (row-major, rows x cols; nil cells are left blank) under a common
// title, with a legend line below the title when legend is given.
func grid(titleText string, legend []legendEntry, plots []*plot.Plot, cols int, w, h vg.Length) ([]byte, error) {
	rows := (len(plots) + cols - 1) / cols
	c := vgsvg.New(w, h)
	dc := draw.New(c)
	top := vg.Points(30)
	if len(legend) > 0 {
		top += vg.Points(16)
	}
	// The title, centred at the top.
	ts := draw.TextStyle{Color: color.Black, Font: font.From(sans, 13), XAlign: draw.XCenter, YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
	dc.FillText(ts, vg.Point{X: w / 2, Y: h - vg.Points(8)}, titleText)
	if len(legend) > 0 {
		drawLegendLine(dc, legend, w/2, h-vg.Points(30))
	}
	cells := make([][]*plot.Plot, rows)
	for j := range rows {
		cells[j] = make([]*plot.Plot, cols)
		for i := range cols {
			if k := j*cols + i; k < len(plots) {
				cells[j][i] = plots[k]
			}
		}
	}
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadTop: top, PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8), PadX: vg.Points(8), PadY: vg.Points(10)}
	cv := plot.Align(cells, tiles, dc)
	for j := range rows {
		for i := range cols {
			if cells[j][i] != nil {
				cells[j][i].Draw(cv[j][i])
			}
		}
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type legendEntry struct {
	label string
	color color.Color
	line  bool // a line sample, else a filled box
}

// drawLegendLine draws the entries side by side, centred on x, top at y.
func drawLegendLine(dc draw.Canvas, entries []legendEntry, x, y vg.Length) {
	fnt := font.From(sans, 10)
	ts := draw.TextStyle{Color: color.Black, Font: fnt, XAlign: draw.XLeft, YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
	sw, gap := vg.Points(14), vg.Points(4)
	total := vg.Length(0)
	for _, e := range entries {
		total += sw + gap + ts.Width(e.label) + vg.Points(24)
	}
	at := x - total/2
	for _, e := range entries {
		mid := y - ts.Height(e.label)/2
		if e.line {
			dc.StrokeLine2(draw.LineStyle{Color: e.color, Width: vg.Points(2)}, at, mid, at+sw, mid)
		} else {
			dc.FillPolygon(e.color, []vg.Point{{X: at, Y: mid - 4}, {X: at + sw, Y: mid - 4}, {X: at + sw, Y: mid + 4}, {X: at, Y: mid + 4}})
		}
		at += sw + gap
		dc.FillText(ts, vg.Point{X: at, Y: y}, e.label)
		at += ts.Width(e.label) + vg.Points(24) // room for a viewer's wider stand-in font
	}
}

var _ text.Handler = plot.DefaultTextHandler

// Colours: a colour-blind-safe pair (Okabe-Ito blue and vermillion) for two series, and an
// ordered set for the label mix and the topics' objects.
var (
	blue       = color.NRGBA{R: 0, G: 114, B: 178, A: 255}
	vermillion = color.NRGBA{R: 213, G: 94, B: 0, A: 255}
	lightBlue  = color.NRGBA{R: 166, G: 206, B: 227, A: 255}
	grey       = color.NRGBA{R: 190, G: 190, B: 190, A: 255}
	palette    = []color.Color{
		color.NRGBA{R: 0, G: 158, B: 115, A: 255},   // green
		color.NRGBA{R: 230, G: 159, B: 0, A: 255},   // orange
		color.NRGBA{R: 213, G: 94, B: 0, A: 255},    // vermillion
		color.NRGBA{R: 86, G: 180, B: 233, A: 255},  // sky blue
		color.NRGBA{R: 204, G: 121, B: 167, A: 255}, // purple
		color.NRGBA{R: 0, G: 114, B: 178, A: 255},   // blue
		color.NRGBA{R: 240, G: 228, B: 66, A: 255},  // yellow
		color.NRGBA{R: 120, G: 120, B: 120, A: 255}, // grey
	}
)

func human(n int64) string {
	switch {
	case n >= 10_000_000:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}
