package refine

import "testing"

func TestCheckPairNotARequest(t *testing.T) {
	runCheckCases(t, []checkCase{
		{"Text: Helsinki railway station history", "fi", ReasonInstructionNotARequest},
		{"### Instruction: Write about the history of Helsinki.", "fi", ReasonInstructionNotARequest},
		{"### English Instruction:", "fi", ReasonInstructionNotARequest},
		{"Output: A short report about maize farming in Tanzania.", "sw", ReasonInstructionNotARequest},
		{"Response: The history of Helsinki Central Station.", "fi", ReasonInstructionNotARequest},
		{"Instruction: Describe how farmers in Tanzania prepare for the rainy season.", "sw", ReasonInstructionNotARequest},
		{"**Instruction:** Describe how farmers in Tanzania prepare for the rainy season.", "sw", ReasonInstructionNotARequest},
		{"English Instruction (Swahili): Describe maize farming in Morogoro.", "sw", ReasonInstructionNotARequest},
		{"Question: What is the capital of Vietnam?", "vi", ReasonInstructionNotARequest},
		{"<instruction>Describe Hanoi.</instruction>", "vi", ReasonInstructionNotARequest},
		{"The history of the Helsinki central railway station.", "fi", ReasonInstructionNotARequest},
		{"Maize farming in the Morogoro region of Tanzania.", "sw", ReasonInstructionNotARequest},
		{"Sure, here is an instruction: Describe the history of Helsinki.", "fi", ReasonInstructionNotARequest},
		{"Here is an English instruction for this candidate output.", "fi", ReasonInstructionNotARequest},
		{"A farmer's guide to the rainy season:", "sw", ReasonInstructionNotARequest},
		{"Helsinki Central Station, designed by Eliel Saarinen.", "fi", ReasonInstructionNotARequest},
		// Near misses.
		{"What is the best way to store rice for several months?", "th", ""},
		{"Please list five traditional Thai desserts and describe how each is made.", "th", ""},
		{"As a travel guide, describe a day in Hanoi's Old Quarter.", "vi", ""},
		{"I'm planning a trip to Cappadocia; tell me what to see there.", "tr", ""},
		{"I need a short history of Helsinki Central Station in Finnish.", "fi", ""},
		{"Let's plan a three-day trip to Zanzibar.", "sw", ""},
		{"Helsinki's railway station is over a century old. Describe its history in Finnish.", "fi", ""},
		{"Textiles of Indonesia: explain how batik is made.", "id", ""},
		{"Here's my situation: my tomatoes split before they ripen. What should I do?", "fi", ""},
		{"The instruction manual for my rice cooker is lost; how do I cook brown rice?", "fi", ""},
		{"Could you recommend three books about the history of Bengal", "bn", ""},
	})
}
