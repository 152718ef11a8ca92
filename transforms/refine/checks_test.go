package refine

import (
	"bufio"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/internal/testenv"

	"github.com/sashabaranov/go-openai"

	"github.com/xinstruct/xinstruct/internal/prompts"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

// Outputs: native texts of the kind the pipeline pairs with instructions.
var outputs = map[string]string{
	"tr": "Kapadokya'nın peri bacaları, milyonlarca yıl önce Erciyes, Hasandağı ve Göllüdağ volkanlarının püskürttüğü küllerin katmanlar halinde birikmesiyle oluştu. Yumuşak tüf tabakaları rüzgâr ve yağmurla aşınırken, üstteki sert bazalt kapaklar alttaki kayayı korudu. Böylece bugün Göreme'de gördüğümüz mantar biçimli sütunlar ortaya çıktı.",
	"fi": "Helsingin rautatieasema on kaupungin tärkein liikenneasema. Rautatieasema avattiin vuonna 1919, ja sen suunnitteli Eliel Saarinen. Asemalla käy arkisin noin 200 000 matkustajaa, ja sen kellotorni on yksi Helsingin tunnetuimmista maamerkeistä.",
	"sw": "Wakulima wa mahindi katika mkoa wa Morogoro wameanza kupanda mbegu mapema mwaka huu kwa sababu mvua za masika zimeanza kunyesha mapema. Maafisa wa kilimo wanawashauri wakulima kutumia mbegu bora na mbolea ili kupata mavuno mazuri.",
	"vi": "Hà Nội là thủ đô của Việt Nam. Thành phố có nhiều hồ nước và công viên đẹp, trong đó nổi tiếng nhất là hồ Hoàn Kiếm ở trung tâm khu phố cổ.",
	"id": "Nasi goreng adalah makanan khas Indonesia yang dibuat dari nasi yang digoreng dengan bumbu seperti bawang merah, bawang putih, kecap manis, dan cabai. Hidangan ini biasanya disajikan dengan telur mata sapi dan kerupuk.",
	"th": "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย มีประชากรมากกว่าสิบล้านคน และเป็นศูนย์กลางทางเศรษฐกิจของประเทศ",
	"hi": "भारत में मानसून जून से सितंबर तक रहता है। किसान इस समय धान की खेती करते हैं।",
	"ta": "தமிழ்நாட்டில் பொங்கல் பண்டிகை மிகவும் முக்கியமானது. இது அறுவடைத் திருநாளாகக் கொண்டாடப்படுகிறது.",
	"bn": "ঢাকা বাংলাদেশের রাজধানী এবং বৃহত্তম শহর। শহরটি বুড়িগঙ্গা নদীর তীরে অবস্থিত।",
	"ur": "لاہور پاکستان کا ایک تاریخی شہر ہے۔ یہ شہر اپنے باغات اور مغلیہ دور کی عمارتوں کے لیے مشہور ہے۔",
}

type checkCase struct {
	instruction, lang string // lang: the output's key in outputs
	want              string // the reason, or "" for a pass
}

func runCheckCases(t *testing.T, cases []checkCase) {
	t.Helper()
	p := DefaultCheckParams()
	for _, tc := range cases {
		reason, detail, ok := CheckPair(tc.instruction, outputs[tc.lang], p)
		if ok != (tc.want == "") || reason != tc.want {
			t.Errorf("CheckPair(%q, %s) = %q (%s), %v; want %q", tc.instruction, tc.lang, reason, detail, ok, tc.want)
		}
		if ok && (reason != "" || detail != "") {
			t.Errorf("CheckPair(%q) ok with reason %q, detail %q", tc.instruction, reason, detail)
		}
		if !ok && (detail == "" || !slices.Contains(CheckReasons, reason)) {
			t.Errorf("CheckPair(%q): reason %q, detail %q", tc.instruction, reason, detail)
		}
	}
}

func TestCheckPairLength(t *testing.T) {
	long := strings.Repeat("Describe the history of the railway station in Helsinki. ", 9) // 513 runes
	runCheckCases(t, []checkCase{
		{"", "fi", ReasonInstructionEmpty},
		{" \n\t ", "fi", ReasonInstructionEmpty},
		{"Text:", "fi", ReasonInstructionTooShort},
		{"Explain.", "fi", ReasonInstructionTooShort},
		{"Write a poem.", "fi", ReasonInstructionTooShort},                // 13
		{"  Why is it?  \n", "fi", ReasonInstructionTooShort},             // 11 after trimming
		{long, "fi", ReasonInstructionTooLong},                            // 513
		{strings.TrimSpace(long[:500]) + ".", "fi", ""},                   // 500
		{"Define entropy.", "fi", ""},                                     // 15: the minimum
		{"Tähän kirjoitan jotain?", "fi", ReasonInstructionNotEnglish},    // counted in runes: 23, not 25 bytes
		{"Ünlü peri bacalarını anlat", "th", ReasonInstructionNotEnglish}, // the length check passes it on
	})
}

func TestCheckPairCopiesOutput(t *testing.T) {
	runCheckCases(t, []checkCase{
		// The output's first sentence, a prefix, an echo, a copy without accents, a shouted copy.
		{"Helsingin rautatieasema on kaupungin tärkein liikenneasema.", "fi", ReasonInstructionCopiesOut},
		{outputs["sw"][:120], "sw", ReasonInstructionCopiesOut},
		{"Write about: Wakulima wa mahindi katika mkoa wa Morogoro wameanza kupanda mbegu mapema.", "sw", ReasonInstructionCopiesOut},
		{"Ha Noi la thu do cua Viet Nam. Thanh pho co nhieu ho nuoc va cong vien dep.", "vi", ReasonInstructionCopiesOut},
		{"NASI GORENG ADALAH MAKANAN KHAS INDONESIA!", "id", ReasonInstructionCopiesOut},
		// A Turkish question made of the output's own words: the copy is found first.
		{"Kapadokya'nin peri bacalari nasil olustu?", "tr", ReasonInstructionCopiesOut},
		// Near misses: English instructions that name the output's places and dishes.
		{"Explain how Cappadocia's fairy chimneys formed, in Turkish.", "tr", ""},
		{"Explain how the fairy chimneys of Kapadokya and Göreme formed, in Turkish.", "tr", ""},
		{"Give me a recipe for nasi goreng in Indonesian.", "id", ""},
		{"What is Helsinki Central Station, and who designed it? Answer in Finnish.", "fi", ""},
		{"Tell me about Hà Nội and Hoàn Kiếm lake, in Vietnamese.", "vi", ""},
		{"How should maize farmers in Morogoro prepare for the early rains? Reply in Swahili.", "sw", ""},
	})
}

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

func TestCheckParamsValidate(t *testing.T) {
	if err := DefaultCheckParams().Validate(); err != nil {
		t.Fatalf("DefaultCheckParams().Validate() = %v", err)
	}
	for _, mod := range []func(*CheckParams){
		func(p *CheckParams) { p.MinInstructionChars = 0 },
		func(p *CheckParams) { p.MaxInstructionChars = p.MinInstructionChars - 1 },
		func(p *CheckParams) { p.MinEnglishConfidence = -0.1 },
		func(p *CheckParams) { p.MinEnglishConfidence = 1.5 },
		func(p *CheckParams) { p.MinEnglishConfidence = math.NaN() },
		func(p *CheckParams) { p.MaxOverlap = 1.01 },
		func(p *CheckParams) { p.MaxOverlap = math.NaN() },
	} {
		p := DefaultCheckParams()
		mod(&p)
		if err := p.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", p)
		}
	}
}

func TestCheckPairPanicsOnInvalidParams(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("CheckPair with invalid params did not panic")
		}
	}()
	CheckPair("What is the best way to store rice?", "", CheckParams{})
}

func TestCheckPairThresholds(t *testing.T) {
	// The parameters move the rules: a tolerant overlap keeps a copy, a strict minimum
	// length drops a fine question.
	p := DefaultCheckParams()
	p.MaxOverlap = 1
	copied := "Helsingin rautatieasema on kaupungin tärkein liikenneasema."
	if reason, _, _ := CheckPair(copied, outputs["fi"], p); reason != ReasonInstructionNotEnglish {
		t.Errorf("with MaxOverlap 1, a copied Finnish sentence fails %q, want %q", reason, ReasonInstructionNotEnglish)
	}
	p = DefaultCheckParams()
	p.MinInstructionChars = 60
	if reason, _, _ := CheckPair("What is the best way to store rice for several months?", "", p); reason != ReasonInstructionTooShort {
		t.Errorf("with MinInstructionChars 60, reason %q, want %q", reason, ReasonInstructionTooShort)
	}
}

func TestOverlap(t *testing.T) {
	for _, tc := range []struct {
		instruction, output string
		share               float64
		grams               int
	}{
		{"", "anything", 0, 0},
		{"?!", "anything", 0, 0},
		{"abc", "abc", 1, 2},                    // " abc ": " abc", "abc "
		{"aaaa bbbb", "aaaa", 3.0 / 8, 8},       // " aaa", "aaaa", "aaa " of 8
		{"HELLO, World!", "hello world", 1, 10}, // " hello world ": case and punctuation
		{"Hà Nội", "ha noi", 1, 5},
		{"Kapadokya'nın", "kapadokya nin", 1, 12}, // dotless ı folds to i
		{"xyzw", "abcd efgh", 0, 3},
		{"abcd", "", 0, 3},
	} {
		share, grams := Overlap(tc.instruction, tc.output)
		if math.Abs(share-tc.share) > 1e-12 || grams != tc.grams {
			t.Errorf("Overlap(%q, %q) = %v, %d; want %v, %d", tc.instruction, tc.output, share, grams, tc.share, tc.grams)
		}
	}
	// More 4-grams than the stack table holds: the table moves to the heap.
	long := strings.Repeat(outputs["sw"], 8)
	if share, grams := Overlap(long, outputs["sw"]); share != 1 || grams < 150 {
		t.Errorf("Overlap(long copy) = %v, %d; want 1 and at least 150 4-grams", share, grams)
	}
}

// sharedDir is the shared data beside the project (see /work/shared/README.md).
var sharedDir = testenv.Shared()

func readJSONL(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("no shared data: %v", err)
	}
	defer f.Close()
	var texts []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var rec struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		texts = append(texts, rec.Text)
	}
	return texts
}

// TestRealQuestions checks the checks against real user requests: all 80 Vicuna
// questions pass; of the 80 English MT-Bench questions, those that fail carry their own
// input data (13 are longer than 500 characters; "Edit the following paragraph ...").
func TestRealQuestions(t *testing.T) {
	p := DefaultCheckParams()
	for _, q := range readJSONL(t, filepath.Join(sharedDir, "eval", "questions.en.jsonl")) {
		if reason, detail, ok := CheckPair(q, "", p); !ok {
			t.Errorf("Vicuna question fails %s (%s): %q", reason, detail, q)
		}
	}
	failed := map[string]int{}
	mt := readJSONL(t, filepath.Join(sharedDir, "eval", "mt_bench.en.jsonl"))
	for _, q := range mt {
		if reason, detail, ok := CheckPair(q, "", p); !ok {
			failed[reason]++
			t.Logf("MT-Bench: %s (%s): %.90q", reason, detail, q)
		}
	}
	n := 0
	for _, c := range failed {
		n += c
	}
	t.Logf("MT-Bench: %d of %d pass; failures %v", len(mt)-n, len(mt), failed)
	if n > 15 || failed[ReasonInstructionNotEnglish] > 0 {
		t.Errorf("MT-Bench: %d of %d fail (%v), want at most 15 and none for language", n, len(mt), failed)
	}
}

// TestNativeTextsFail checks that text in the target languages never passes as an
// instruction: the MT-Bench questions translated into fi, bn, hi, ta, th and ur (real
// requests, in the wrong language), and the first sentence of every document of the
// shared corpora. Nearly all fail the English check; the rest are too short or too long,
// or are stubs made of names ("Peraturan Presiden Republik Indonesia No.") that fail the
// request check.
func TestNativeTextsFail(t *testing.T) {
	p := DefaultCheckParams()
	var texts []string
	for _, lang := range []string{"fi", "bn", "hi", "ta", "th", "ur"} {
		texts = append(texts, readJSONL(t, filepath.Join(sharedDir, "eval", "mt_bench."+lang+".jsonl"))...)
	}
	for _, lang := range []string{"fi", "id", "tr", "vi", "sw", "bn", "hi", "ta", "th", "ur"} {
		for _, doc := range readJSONL(t, filepath.Join(sharedDir, "corpora", lang+".jsonl")) {
			texts = append(texts, firstSentence(doc))
		}
	}
	reasons := map[string]int{}
	for _, text := range texts {
		reason, _, ok := CheckPair(text, "", p)
		if ok {
			t.Errorf("a native text passes: %q", text)
		}
		reasons[reason]++
	}
	t.Logf("%d native texts: %v", len(texts), reasons)
	if other := len(texts) - reasons[ReasonInstructionNotEnglish] - reasons[ReasonInstructionTooLong] - reasons[ReasonInstructionTooShort]; other > len(texts)/100 {
		t.Errorf("%d of %d native texts fail for another reason than language or length (%v), want at most 1%%", other, len(texts), reasons)
	}
}

// TestOverlapOnCorpora measures the overlap rule on the shared corpora's Latin-script
// documents: an unrelated English question stays far below MaxOverlap, and the
// document's own first sentence far above it.
func TestOverlapOnCorpora(t *testing.T) {
	questions := readJSONL(t, filepath.Join(sharedDir, "eval", "questions.en.jsonl"))
	var unrelated, copies []float64
	for _, lang := range []string{"fi", "id", "tr", "vi", "sw"} {
		for i, doc := range readJSONL(t, filepath.Join(sharedDir, "corpora", lang+".jsonl")) {
			s, _ := Overlap(questions[i%len(questions)], doc)
			unrelated = append(unrelated, s)
			if first := firstSentence(doc); len(first) >= 40 {
				s, _ := Overlap(first, doc)
				copies = append(copies, s)
			}
		}
	}
	slices.Sort(unrelated)
	slices.Sort(copies)
	t.Logf("unrelated question: n=%d median %.3f p99 %.3f max %.3f; first sentence: n=%d min %.3f",
		len(unrelated), unrelated[len(unrelated)/2], unrelated[len(unrelated)*99/100], unrelated[len(unrelated)-1], len(copies), copies[0])
	if max := unrelated[len(unrelated)-1]; max > 0.3 {
		t.Errorf("an unrelated English question overlaps a document by %.3f, want at most 0.3", max)
	}
	if min := copies[0]; min < 0.9 {
		t.Errorf("a document's first sentence overlaps it by %.3f, want at least 0.9", min)
	}
}

// TestPlaceholderInstructions runs the project's fake model (io/llm/llmtest) on the
// generator's real prompt, as the offline demo does, and checks that its placeholder
// instructions pass: the demo pipeline must not lose them all here.
func TestPlaceholderInstructions(t *testing.T) {
	_, base := llmtest.Start(t, llmtest.Options{})
	cfg := openai.DefaultConfig("fake")
	cfg.BaseURL = base
	client := openai.NewClientWithConfig(cfg)
	tmpl := prompts.MustLoad("generate_instruction")

	docs := map[string][]string{}
	for lang, text := range outputs {
		docs[lang] = []string{text}
	}
	if _, err := os.Stat(filepath.Join(sharedDir, "corpora")); err == nil {
		for lang := range outputs {
			all := readJSONL(t, filepath.Join(sharedDir, "corpora", lang+".jsonl"))
			docs[lang] = append(docs[lang], all[:min(len(all), 15)]...)
		}
	}
	p := DefaultCheckParams()
	var total int
	var maxOverlap float64
	for lang, texts := range docs {
		for _, text := range texts {
			msgs, err := tmpl.Render(struct{ LangName, Text string }{prompts.LanguageName(lang), prompts.Untrusted(text)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			req := openai.ChatCompletionRequest{Model: "fake", N: 3}
			for _, m := range msgs {
				req.Messages = append(req.Messages, openai.ChatCompletionMessage{Role: m.Role, Content: m.Content})
			}
			resp, err := client.CreateChatCompletion(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range resp.Choices {
				total++
				in := strings.TrimSpace(c.Message.Content)
				if reason, detail, ok := CheckPair(in, text, p); !ok {
					t.Errorf("%s placeholder fails %s (%s): %q", lang, reason, detail, in)
				}
				s, _ := Overlap(in, text)
				maxOverlap = max(maxOverlap, s)
			}
		}
	}
	t.Logf("%d placeholder instructions checked; largest overlap with their output %.3f", total, maxOverlap)
	if total < 30 {
		t.Errorf("only %d placeholder instructions", total)
	}
}

func BenchmarkCheckPair(b *testing.B) {
	instruction := "Explain how farmers in the Morogoro region prepare for the early rainy season, in Swahili." // ~90 chars
	for len(instruction) < 100 {
		instruction += "!"
	}
	output := strings.Repeat(outputs["sw"]+" ", 5)[:1024]
	p := DefaultCheckParams()
	if _, detail, ok := CheckPair(instruction, output, p); !ok {
		b.Fatal(detail)
	}
	b.ReportAllocs()
	for b.Loop() {
		CheckPair(instruction, output, p)
	}
}

func BenchmarkOverlap(b *testing.B) {
	instruction := "Explain how farmers in the Morogoro region prepare for the early rainy season, in Swahili!!!!!!!!!!"
	output := strings.Repeat(outputs["sw"]+" ", 5)[:1024]
	for b.Loop() {
		Overlap(instruction, output)
	}
}
