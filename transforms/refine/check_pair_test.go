package refine

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sashabaranov/go-openai"

	"github.com/xinstruct/xinstruct/internal/prompts"
	"github.com/xinstruct/xinstruct/internal/testenv"
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
