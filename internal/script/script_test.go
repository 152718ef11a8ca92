package script

import (
	"strings"
	"testing"
	"unicode"
)

func TestCountByScript(t *testing.T) {
	for _, tc := range []struct {
		text string
		want Script
		// share of letters in want, to two decimals
		share float64
	}{
		{"Habari ya asubuhi", Latin, 1},
		{"Tiếng Việt có dấu", Latin, 1},
		{"ภาษาไทยไม่มีช่องว่าง", Thai, 1},
		{"தமிழ் மொழி", Tamil, 1}, // vowel signs are marks, counted
		{"বাংলা ভাষা", Bengali, 1},
		{"हिन्दी भाषा", Devanagari, 1},
		{"اردو زبان", Arabic, 1},
		{"Русский", Cyrillic, 1},
		{"中文 日本語 한국어", Han, 1},
		{"ab तथा", Devanagari, 0.6}, // त, थ and the vowel sign ा: 3 of 5 letters
	} {
		c := Count(tc.text)
		if got := c.Dominant(); got != tc.want {
			t.Errorf("%q: dominant %s, want %s", tc.text, got, tc.want)
		}
		if got := c.Share(tc.want); got < tc.share-0.01 || got > tc.share+0.01 {
			t.Errorf("%q: share of %s = %.2f, want %.2f", tc.text, tc.want, got, tc.share)
		}
	}
}

func TestDigitsPunctuationAndSpacesAreNotLetters(t *testing.T) {
	c := Count("123 ,.!? ٣٤ ०१ ๑๒ \n\t€")
	if c.Letters != 0 || c.Dominant() != Other || c.Share(Latin) != 0 {
		t.Fatalf("counted %d letters in digits and punctuation", c.Letters)
	}
}

// TestLetterTableMatchesDefinition checks the lookup table against the definition it
// caches, over every rune the table covers and a sample beyond it.
func TestLetterTableMatchesDefinition(t *testing.T) {
	for r := rune(0); r < tableSize+0x3000; r++ {
		s, ok := Letter(r)
		want := Of(r)
		wantOK := want != Other || (r >= 0x80 && (unicode.IsLetter(r) || unicode.IsMark(r)))
		if ok != wantOK || (ok && s != want) {
			t.Fatalf("Letter(%U) = %s, %v; want %s, %v", r, s, ok, want, wantOK)
		}
	}
}

// TestCountDecodesAsRange checks Count against a loop over the runes, on every rune of
// the scripts Count decodes itself and on invalid and truncated UTF-8.
func TestCountDecodesAsRange(t *testing.T) {
	byRange := func(text string) Counts {
		var c Counts
		for _, r := range text {
			if s, ok := Letter(r); ok {
				c.Letters++
				c.ByScript[s]++
			}
		}
		return c
	}
	texts := []string{"", "\xe0\x80\x80", "\xe0\xa4", "\xe1\x80", "\xc2", "\xc0\x80", "\xed\xa0\x80", "\xf0\x9f\x98\x80a", "a\xffb"}
	for r := rune(0); r < 0x3000; r++ {
		texts = append(texts, "x"+string(r)+"y")
	}
	for _, text := range texts {
		if got, want := Count(text), byRange(text); got != want {
			t.Errorf("Count(%+q) = %+v, want %+v", text, got, want)
		}
	}
}

func TestForLanguage(t *testing.T) {
	for lang, want := range map[string]Script{"ta": Tamil, "ur": Arabic, "hi": Devanagari, "bn": Bengali, "th": Thai, "fi": Latin, "sw": Latin, "vi": Latin} {
		if got, ok := ForLanguage(lang); !ok || got != want {
			t.Errorf("ForLanguage(%s) = %s, %v", lang, got, ok)
		}
	}
	if _, ok := ForLanguage("xx"); ok {
		t.Error("an unknown language has a script")
	}
}

func BenchmarkCount(b *testing.B) {
	text := strings.Repeat("हिन्दी भाषा में लिखा गया एक वाक्य। ", 30)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Count(text)
	}
}
