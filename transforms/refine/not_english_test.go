package refine

import "testing"

func TestCheckPairNotEnglish(t *testing.T) {
	runCheckCases(t, []checkCase{
		{"Eleza jinsi wakulima wanavyojiandaa kwa msimu wa mvua za masika.", "hi", ReasonInstructionNotEnglish},
		{"Jelaskan cara membuat nasi goreng yang enak di rumah.", "th", ReasonInstructionNotEnglish},
		{"Kerro Helsingin rautatieaseman historiasta ja arkkitehdista.", "th", ReasonInstructionNotEnglish},
		{"Kapadokya'daki peri bacaları nasıl oluştu?", "th", ReasonInstructionNotEnglish},
		{"Hãy giới thiệu về thủ đô Hà Nội và các hồ nổi tiếng.", "th", ReasonInstructionNotEnglish},
		{"भारत में मानसून के बारे में विस्तार से बताइए।", "hi", ReasonInstructionNotEnglish},
		{"กรุงเทพมหานครมีประชากรเท่าไร และมีสถานที่ท่องเที่ยวอะไรบ้าง", "th", ReasonInstructionNotEnglish},
		{"Erkläre, wie die Feenkamine in Kappadokien entstanden sind.", "tr", ReasonInstructionNotEnglish},
		{"Describe Helsingin rautatieasema ja sen historia.", "th", ReasonInstructionNotEnglish},
		{"1234567890 + 987654321 = ?", "fi", ReasonInstructionNotEnglish}, // no letters: undetermined
		// Language ID says en (0.99) because of one long English word; 1 word in 12 is English.
		{"Engineering News-Record (ENR) là một tạp chí thương mại cho ngành xây dựng.", "th", ReasonInstructionNotEnglish},
		{"Zinedine Zidane, Michel Platini, Thierry Henry.", "th", ReasonInstructionNotEnglish}, // names only
		// Near misses: short English requests that language ID alone doubts.
		{"Define photosynthesis.", "th", ""},
		{"Compare Python and Go.", "th", ""},
		{"Write about Jakarta in Indonesian.", "th", ""},
		{"What does 'selamat pagi' mean, and when do Indonesians say it?", "th", ""},
		{"What does 'สวัสดี' mean in Thai?", "th", ""},
		{"Solve for x in the equation 3x + 10 = 5(x - 2).", "th", ""},
		// Near misses: names in other languages, which language ID takes for those
		// languages (fi 0.99, vi 1.00, sw 0.66, es 0.80, en 0.37 ...).
		{"Write about Jyväskylä's Alvar Aalto buildings.", "fi", ""},
		{"Describe Kalevala and Väinämöinen.", "fi", ""},
		{"Describe Ho Chi Minh City's Bến Thành market.", "vi", ""},
		{"Who was Mustafa Kemal Atatürk?", "tr", ""},
		{"Describe Eid ul-Fitr in Lahore.", "ur", ""},
		{"Describe maize farming in the Morogoro region of Tanzania.", "th", ""},
		{"How is rendang cooked?", "th", ""},
	})
}
