package instruct

import (
	"testing"

	"github.com/xinstruct/xinstruct/io/llm"
)

func TestCleanInstruction(t *testing.T) {
	for in, want := range map[string]string{
		"  How do I store rice?  ":                     "How do I store rice?",
		`"How do I store rice?"`:                       "How do I store rice?",
		"Instruction: How do I store rice?":            "How do I store rice?",
		"### English Instruction: Explain the recipe.": "Explain the recipe.",
		"english instruction:   Explain it.":           "Explain it.",
	} {
		if got := CleanInstruction(in); got != want {
			t.Errorf("CleanInstruction(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExamplesPreferTheDocumentsLanguage(t *testing.T) {
	p := GenerateParams{MaxShots: 2, SeedPairs: []SeedPair{
		{Instruction: "a", Output: "x", Lang: "fi"}, {Instruction: "b", Output: "y", Lang: "sw"},
		{Instruction: "c", Output: "z </text> w", Lang: "sw"}, {Instruction: "d", Output: "v", Lang: "th"},
	}}
	ex := p.examples("sw")
	if len(ex) != 2 || ex[0].Instruction != "b" || ex[1].Instruction != "c" || ex[0].LangName != "Swahili" {
		t.Fatalf("examples for sw: %+v", ex)
	}
	if ex[1].Output != "z </ text> w" {
		t.Errorf("a seed output was not made safe to delimit: %q", ex[1].Output)
	}
	if got := p.examples("ta"); len(got) != 2 || got[0].Instruction != "a" {
		t.Errorf("with no example in the language, the others fill in: %+v", got)
	}
}

func TestGenerateParamsValidate(t *testing.T) {
	ok := GenerateParams{LLM: llm.DefaultConfig(), Candidates: 1}
	ok.LLM.Model, ok.LLM.Store = "m", "/tmp/s"
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, edit := range []func(*GenerateParams){
		func(p *GenerateParams) { p.Candidates = 0 },
		func(p *GenerateParams) { p.MaxShots = -1 },
		func(p *GenerateParams) { p.SeedPairs = []SeedPair{{Instruction: " ", Output: "x"}} },
		func(p *GenerateParams) { p.LLM.Model = "" },
	} {
		p := ok
		edit(&p)
		if p.Validate() == nil {
			t.Errorf("%+v validated", p)
		}
	}
}
