package refine

import (
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

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

func BenchmarkOverlap(b *testing.B) {
	instruction := "Explain how farmers in the Morogoro region prepare for the early rainy season, in Swahili!!!!!!!!!!"
	output := strings.Repeat(outputs["sw"]+" ", 5)[:1024]
	for b.Loop() {
		Overlap(instruction, output)
	}
}
