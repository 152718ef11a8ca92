package refine

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseVerdict(t *testing.T) {
	for _, tc := range []struct {
		name, answer   string
		label          Label // "" = not ok
		how, rationale string
	}{
		// JSON, as asked (structured output gives exactly this).
		{"json", `{"label": "good", "rationale": "The text fully answers the request."}`,
			Good, HowJSON, "The text fully answers the request."},
		{"json pretty", "{\n  \"label\": \"flawed\",\n  \"rationale\": \"Too broad: the text is about one station only.\"\n}",
			Flawed, HowJSON, "Too broad: the text is about one station only."},
		{"json label case", `{"label": "Good", "rationale": "Fine."}`, Good, HowJSON, "Fine."},
		{"json key case", `{"Label": "BAD", "Reason": "The output is a list of links."}`, Bad, HowJSON, "The output is a list of links."},
		{"json verdict key", `{"verdict": "flawed", "explanation": "Asks for Thai, the text is in Lao."}`, Flawed, HowJSON, "Asks for Thai, the text is in Lao."},
		{"json nested", `{"evaluation": {"label": "good", "rationale": "Matches."}}`, Good, HowJSON, "Matches."},
		{"json no rationale", `{"label":"bad"}`, Bad, HowJSON, ""},
		{"json punctuated label", `{"label": "good.", "rationale": "ok"}`, Good, HowJSON, "ok"},
		{"json without label", `{"rationale": "The pair is good."}`, "", HowJSON, ""},
		{"json null label", `{"label": null, "rationale": "Unsure."}`, "", HowJSON, ""},
		{"json label outside the three", `{"label": "excellent", "rationale": "Great pair."}`, "", HowJSON, ""},
		{"json two labels in one", `{"label": "good/flawed", "rationale": "Borderline."}`, "", HowJSON, ""},
		{"json label not a string", `{"label": 1, "rationale": "Scored."}`, "", HowJSON, ""},
		{"json keys disagree", `{"label": "good", "verdict": "bad"}`, "", HowJSON, ""},
		// Fenced JSON.
		{"fenced", "```json\n{\"label\": \"bad\", \"rationale\": \"The output is boilerplate.\"}\n```", Bad, HowFencedJSON, "The output is boilerplate."},
		{"fenced with prose", "Here is my assessment:\n\n```JSON\n{\"label\": \"flawed\", \"rationale\": \"Asks for a poem; the text is prose.\"}\n```\nLet me know if you need more.",
			Flawed, HowFencedJSON, "Asks for a poem; the text is prose."},
		{"fenced no tag", "```\n{\"label\": \"good\", \"rationale\": \"Clear.\"}\n```", Good, HowFencedJSON, "Clear."},
		{"fenced unclosed", "```json\n{\"label\": \"good\", \"rationale\": \"Clear.\"}", Good, HowFencedJSON, "Clear."},
		// JSON inside prose.
		{"json then prose", `{"label": "good", "rationale": "Complete answer."} I hope this helps!`, Good, HowEmbeddedJSON, "Complete answer."},
		{"prose then json", `After reading both, my verdict is {"label": "flawed", "rationale": "The instruction asks for recipes."}`, Flawed, HowEmbeddedJSON, "The instruction asks for recipes."},
		{"two objects agree", `{"label": "bad"} {"label": "bad", "rationale": "Spam."}`, Bad, HowEmbeddedJSON, "Spam."},
		{"two objects disagree", `First thought: {"label": "good"}. On reflection: {"label": "bad"}`, "", HowEmbeddedJSON, ""},
		{"array of one", `[{"label": "good", "rationale": "Fine."}]`, Good, HowEmbeddedJSON, "Fine."},
		// Not JSON, but a label field.
		{"single quotes", `{'label': 'good', 'rationale': 'The request matches the text.'}`, Good, HowProse, "The request matches the text."},
		{"truncated json", `{"label": "flawed", "rationale": "The instruction names the wrong ci`, Flawed, HowProse, "The instruction names the wrong ci"},
		{"label colon", "Label: Good", Good, HowProse, ""},
		{"label and sentence", "Label: flawed. The instruction is too broad for a text about one festival.", Flawed, HowProse,
			"The instruction is too broad for a text about one festival."},
		{"markdown field", "**Label:** flawed\n**Rationale:** The text answers only half of the question.", Flawed, HowProse,
			"The text answers only half of the question."},
		{"verdict field", "Verdict - BAD\nThe output is a cookie notice.", Bad, HowProse, "The output is a cookie notice."},
		{"label is", "After careful thought, the label is good: the text answers it fully.", Good, HowProse, "the text answers it fully."},
		{"field decides", "Label: flawed (not bad, but the instruction is vague).", Flawed, HowProse, "(not bad, but the instruction is vague)."},
		{"field not a label", "Label: N/A", "", HowProse, ""},
		{"fields disagree", "Label: good\nFinal label: bad", "", HowProse, ""},
		// Free prose.
		{"prose bad", "I'd say this is bad.", Bad, HowProse, "I'd say this is bad."},
		{"prose rate as", "I would rate this pair as bad because the instruction asks for a recipe and the text is a news report. It cannot be fixed.",
			Bad, HowProse, "I would rate this pair as bad because the instruction asks for a recipe and the text is a news report."},
		{"prose repeated", "Good. This is a good pair.", Good, HowProse, "Good."},
		{"prose both with negation", "The pair is good, not bad.", "", HowProse, ""},
		{"prose either", "It could be good or bad depending on the reader.", "", HowProse, ""},
		{"prose negated", "This is not bad.", "", HowProse, ""},
		{"prose negated contraction", "I don't think it's good.", "", HowProse, ""},
		{"prose good in passing", "A good attempt, but the instruction is flawed.", "", HowProse, ""},
		{"negation in another sentence", "The instruction is not a translation. Flawed: it is too vague.", Flawed, HowProse, "The instruction is not a translation."},
		{"prose no label", "The instruction and the text match well.", "", HowProse, ""},
		{"not a label word", "The text badly needs editing; flawless instruction.", "", HowProse, ""},
		{"n/a", "N/A", "", HowProse, ""},
		{"empty", "", "", "", ""},
		{"white space", " \n\t", "", "", ""},
	} {
		v, how, ok := ParseVerdict(tc.answer)
		if ok != (tc.label != "") || v.Label != tc.label || how != tc.how {
			t.Errorf("%s: ParseVerdict(%q) = %+v, %q, %v; want label %q, how %q", tc.name, tc.answer, v, how, ok, tc.label, tc.how)
			continue
		}
		if ok && v.Rationale != tc.rationale {
			t.Errorf("%s: rationale %q, want %q", tc.name, v.Rationale, tc.rationale)
		}
		if !ok && v != (Verdict{}) {
			t.Errorf("%s: not ok, but verdict %+v: never a default", tc.name, v)
		}
	}
}

func TestParseLabel(t *testing.T) {
	for in, want := range map[string]Label{
		"good": Good, " Flawed ": Flawed, "**BAD**": Bad, `"good"`: Good, "'flawed'.": Flawed, "Good!": Good,
		"": "", "very good": "", "goodish": "", "good/bad": "", "excellent": "", "n/a": "",
	} {
		got, ok := ParseLabel(in)
		if got != want || ok != (want != "") {
			t.Errorf("ParseLabel(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, l := range []Label{Good, Flawed, Bad} {
		if !l.Valid() {
			t.Errorf("%q is not Valid", l)
		}
	}
	if Label("Good").Valid() || Label("").Valid() {
		t.Error("Valid accepts a label outside the three")
	}
}

func TestParseVerdictRationaleClipped(t *testing.T) {
	long := strings.Repeat("The instruction asks for much more than the text gives ", 20)
	v, _, ok := ParseVerdict(`{"label": "flawed", "rationale": "` + long + `"}`)
	if !ok {
		t.Fatal("not ok")
	}
	if n := utf8.RuneCountInString(v.Rationale); n > MaxRationaleRunes || !strings.HasSuffix(v.Rationale, "…") {
		t.Errorf("rationale of %d runes %q: want at most %d, ending in …", n, v.Rationale, MaxRationaleRunes)
	}
	if !strings.HasPrefix(long, strings.TrimSuffix(v.Rationale, "…")) {
		t.Errorf("clipped rationale %q is not a prefix of the original", v.Rationale)
	}
}

func TestParseVerdictManyBraces(t *testing.T) {
	// An answer full of braces that decode to nothing costs a bounded number of tries.
	answer := strings.Repeat("{", 100000) + " the pair is bad"
	if v, how, ok := ParseVerdict(answer); !ok || v.Label != Bad || how != HowProse {
		t.Errorf("ParseVerdict(braces + prose) = %+v, %q, %v", v, how, ok)
	}
}

func FuzzParseVerdict(f *testing.F) {
	for _, s := range []string{
		`{"label": "good", "rationale": "ok"}`,
		"```json\n{\"label\": \"bad\"}\n```",
		`x {"label": "flawed"} y {"label": "flawed"}`,
		`{'label': 'good'}`,
		"Label: **Good**. Fine.",
		"The pair is good, not bad.",
		"Rationale: \"unterminated",
		"```",
		"{",
		`{"a": {"label": ["good"]}}`,
		"\xff\xfe label: bad",
		strings.Repeat("good ", 100),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, answer string) {
		v, how, ok := ParseVerdict(answer)
		if ok != v.Label.Valid() {
			t.Fatalf("ParseVerdict(%q) = %+v, %v: ok and a valid label must go together", answer, v, ok)
		}
		if !ok && v != (Verdict{}) {
			t.Fatalf("ParseVerdict(%q) = %+v, not ok: want the zero Verdict", answer, v)
		}
		switch how {
		case HowJSON, HowFencedJSON, HowEmbeddedJSON, HowProse:
		case "":
			if strings.TrimSpace(answer) != "" {
				t.Fatalf("ParseVerdict(%q): how is empty", answer)
			}
		default:
			t.Fatalf("ParseVerdict(%q): how %q", answer, how)
		}
		if !utf8.ValidString(v.Rationale) || utf8.RuneCountInString(v.Rationale) > MaxRationaleRunes {
			t.Fatalf("ParseVerdict(%q): rationale %q", answer, v.Rationale)
		}
	})
}
