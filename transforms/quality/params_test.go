package quality

import (
	"math"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	if err := DefaultParams().Validate(); err != nil {
		t.Fatalf("DefaultParams().Validate() = %v", err)
	}
	lenient := Params{MinLetterShare: 0, MaxDigitShare: 1, MaxURLShare: 1, BoilerplateHits: 1,
		MaxBoilerplateLineShare: 1, RepeatMinCopies: 2, RepeatMinRunes: 1, MaxRepeatedLineShare: 1,
		MinLines: 1, MaxBulletLineShare: 1, ShortLineRunes: 1, MaxShortLineShare: 1}
	if err := lenient.Validate(); err != nil {
		t.Errorf("boundary values: Validate() = %v", err)
	}
	for _, c := range []struct {
		field string
		edit  func(*Params)
	}{
		{"MinLetterShare", func(p *Params) { p.MinLetterShare = -0.1 }},
		{"MinLetterShare", func(p *Params) { p.MinLetterShare = math.NaN() }},
		{"MaxDigitShare", func(p *Params) { p.MaxDigitShare = 1.01 }},
		{"MaxURLShare", func(p *Params) { p.MaxURLShare = -1 }},
		{"BoilerplateHits", func(p *Params) { p.BoilerplateHits = 0 }},
		{"MaxBoilerplateLineShare", func(p *Params) { p.MaxBoilerplateLineShare = 2 }},
		{"RepeatMinCopies", func(p *Params) { p.RepeatMinCopies = 1 }},
		{"RepeatMinRunes", func(p *Params) { p.RepeatMinRunes = 0 }},
		{"MaxRepeatedLineShare", func(p *Params) { p.MaxRepeatedLineShare = math.Inf(1) }},
		{"MinLines", func(p *Params) { p.MinLines = -3 }},
		{"MaxBulletLineShare", func(p *Params) { p.MaxBulletLineShare = -0.5 }},
		{"ShortLineRunes", func(p *Params) { p.ShortLineRunes = 0 }},
		{"MaxShortLineShare", func(p *Params) { p.MaxShortLineShare = 67 }},
	} {
		p := DefaultParams()
		c.edit(&p)
		err := p.Validate()
		if err == nil {
			t.Errorf("%s: Validate() = nil for %+v", c.field, p)
			continue
		}
		if !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: Validate() = %q, does not name the field", c.field, err)
		}
	}
	var zero Params
	if err := zero.Validate(); err == nil {
		t.Error("zero Params: Validate() = nil")
	}
}

// Turning a rule off by its share lets through what it would reject.
func TestRuleOff(t *testing.T) {
	p := DefaultParams()
	text := "Beranda\nBerita\nOlahraga\nEkonomi\nHiburan\nKontak"
	if _, _, ok := Check(text, p); ok {
		t.Fatal("menu passes the defaults")
	}
	p.MaxShortLineShare = 1
	if rule, detail, ok := Check(text, p); !ok {
		t.Errorf("short_lines off: %s (%s)", rule, detail)
	}
}
