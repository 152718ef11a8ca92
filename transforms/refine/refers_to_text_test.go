package refine

import "testing"

func TestCheckPairRefersToText(t *testing.T) {
	runCheckCases(t, []checkCase{
		{"Summarize the passage above.", "fi", ReasonInstructionRefersText},
		{"What is the main idea of the given text?", "fi", ReasonInstructionRefersText},
		{"Based on the text, when did the station open?", "fi", ReasonInstructionRefersText},
		{"Rewrite this article in simple Finnish.", "fi", ReasonInstructionRefersText},
		{"According to the passage, why do farmers plant early?", "sw", ReasonInstructionRefersText},
		{"What does the author argue about city traffic?", "fi", ReasonInstructionRefersText},
		{"Explain the author's view of the railway station.", "fi", ReasonInstructionRefersText},
		{"Translate the text into English.", "fi", ReasonInstructionRefersText},
		{"Explain the following text in Thai.", "th", ReasonInstructionRefersText},
		{"Summarize the following news article in three sentences.", "th", ReasonInstructionRefersText},
		{"Describe the events mentioned above in Swahili.", "sw", ReasonInstructionRefersText},
		{"Write a title for the text above.", "fi", ReasonInstructionRefersText},
		{"Summarize the above in two sentences.", "fi", ReasonInstructionRefersText},
		{"Summarize the excerpt in Hindi.", "hi", ReasonInstructionRefersText},
		{"Explain the content provided in simple Tamil.", "ta", ReasonInstructionRefersText},
		{"Answer the questions about this passage in Urdu.", "ur", ReasonInstructionRefersText},
		// Near misses.
		{"Write a text message inviting friends to a birthday party, in Swahili.", "sw", ""},
		{"What is the text of the Finnish national anthem?", "fi", ""},
		{"Describe the passage of the new education law through parliament.", "fi", ""},
		{"Develop a C++ program that reads a text file line by line and counts a word.", "fi", ""},
		{"Write an article about Helsinki's main railway station.", "fi", ""},
		{"Which is a fruit: a mango, a bus, or none of the above?", "fi", ""},
		{"Who is the author of the Finnish national epic, the Kalevala?", "fi", ""},
		{"Write this week's farming news for maize growers in Morogoro, in Swahili.", "sw", ""},
	})
}
