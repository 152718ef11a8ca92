package refine_test

import (
	"fmt"

	"github.com/xinstruct/xinstruct/transforms/refine"
)

func ExampleCheckPair() {
	output := "Helsingin rautatieasema on kaupungin tärkein liikenneasema. Rautatieasema avattiin vuonna 1919, ja sen suunnitteli Eliel Saarinen."
	p := refine.DefaultCheckParams()
	for _, instruction := range []string{
		"What is Helsinki Central Station, and who designed it? Answer in Finnish.",
		"Helsingin rautatieasema on kaupungin tärkein liikenneasema.",
		"Kerro lyhyesti Suomen rautateiden historiasta.",
		"Summarize the passage above in Finnish.",
		"Text: Helsinki Central Station",
	} {
		if reason, detail, ok := refine.CheckPair(instruction, output, p); ok {
			fmt.Println("ok")
		} else {
			fmt.Printf("%s: %s\n", reason, detail)
		}
	}
	// Output:
	// ok
	// instruction_copies_output: 100% of the instruction's 51 character 4-grams occur in the output (max 50%)
	// instruction_not_english: language ID says fi (1.00; English needs 0.70), and 0% of the words (names left out) are common English words
	// instruction_refers_to_text: mentions "the passage above", a text the user never sees
	// instruction_not_a_request: starts with the label "Text:": a template echo
}

func ExampleParseVerdict() {
	for _, answer := range []string{
		`{"label": "good", "rationale": "The text answers the question fully."}`,
		"```json\n{\"label\": \"Flawed\", \"rationale\": \"Too broad.\"}\n```",
		"Label: bad. The output is a cookie notice.",
		"The pair is good, not bad.",
		`{"label": "excellent"}`,
	} {
		v, how, ok := refine.ParseVerdict(answer)
		fmt.Printf("%v %q %q %q\n", ok, v.Label, v.Rationale, how)
	}
	// Output:
	// true "good" "The text answers the question fully." "json"
	// true "flawed" "Too broad." "fenced_json"
	// true "bad" "The output is a cookie notice." "prose"
	// false "" "" "prose"
	// false "" "" "json"
}
