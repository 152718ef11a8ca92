package clean

import (
	"bufio"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xinstruct/xinstruct/internal/testenv"

	"golang.org/x/text/unicode/norm"
)

// checkFastPath fails t if isNormal accepts s but NormalizeText's general path would
// change it, or if NormalizeText disagrees with the general path.
func checkFastPath(t *testing.T, s string) {
	t.Helper()
	want := normalize(s, 0)
	if ok, _, n := isNormal(s); ok && want != s {
		t.Fatalf("isNormal(%+q) = true, but normalizing gives %+q", s, want)
	} else if ok && n != utf8.RuneCountInString(s) {
		t.Fatalf("isNormal(%+q) counts %d runes, want %d", s, n, utf8.RuneCountInString(s))
	}
	if got, n := normalizeCount(s); got != want || n != utf8.RuneCountInString(want) {
		t.Fatalf("normalizeCount(%+q) = %+q, %d; want %+q, %d", s, got, n, want, utf8.RuneCountInString(want))
	}
	if got := NormalizeText(s); got != want {
		t.Fatalf("NormalizeText(%+q) = %+q, general path %+q", s, got, want)
	}
}

func TestIsNormal(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"", true},
		{"a b\nc\n\nd", true},
		{"Tiếng Việt có dấu", true},
		{"क्\u200Dष र\u200Cे", true},
		{"สวัสดีครับ", true},
		{" a", false}, {"a ", false}, {"a  b", false}, {"a \nb", false}, {"a\n b", false},
		{"\na", false}, {"a\n", false}, {"a\n\n\nb", false}, {"a\tb", false}, {"a\r\nb", false},
		{"a\x00b", false}, {"a\x7fb", false}, {"a\u0085b", false}, {"a\u00A0b", false},
		{"a\u200Bb", false}, {"a\uFEFFb", false}, {"a\u00ADb", false}, {"a\u2060b", false},
		{"a\u2028b", false}, {"a\u3000b", false}, {"a\xffb", false}, {"a\uFFFDb", false},
		{"e\u0301", false},       // not NFC
		{"\u0958", false},        // a composition exclusion: never in NFC
		{"ก\u0E38\u0E48", true},  // combining marks in canonical order
		{"ก\u0E48\u0E38", false}, // out of order
		{"a\u0323\u0302", false}, // composes to U+1EAD
		{"\U0001F600", false},    // beyond the table
		{"ক\u09BE", true},        // Bengali AA: NFC's quick check says maybe, but it does not compose with KA
		{"\u09BE", true},
		{"\u09C7\u09BE", false}, // E + AA compose to O (U+09CB)
		{"ক\u09C7\u09BE", false},
		{"ন\u09CD\u09BE", true}, // blocked by the virama
		{"ன\u0BBE", true},
		{"\u0BC6\u0BBE", false},
		{"ड\u093C", true},  // DDA + nukta: its composite is a composition exclusion
		{"न\u093C", false}, // NA + nukta compose to U+0929
		{"ٹ\u0654", true},
		{"ہ\u0654", false},      // U+06C2
		{"À\u0323", false},      // À decomposes to A + U+0300, which U+0323 sorts before
		{"\u1100\u1161", false}, // Hangul jamo: left to norm
	} {
		if got, _, _ := isNormal(tc.in); got != tc.want {
			t.Errorf("isNormal(%+q) = %v, want %v", tc.in, got, tc.want)
		}
		checkFastPath(t, tc.in)
	}
}

func TestIsNormalValidPrefix(t *testing.T) {
	for _, s := range []string{"ab\xffcd", "é\xc3", "a  \xff", "ae\u0301"} {
		ok, end, _ := isNormal(s)
		if ok || !utf8.ValidString(s[:end]) || (end < len(s) && !utf8.RuneStart(s[end])) {
			t.Errorf("isNormal(%+q) = %v, %d: want false and a valid prefix ending at a rune start", s, ok, end)
		}
	}
}

// TestIsNormalRunePairs checks the NFC pre-check against norm on every rune of the table
// after a starter, and on every pair of the runes norm treats specially (non-starters,
// runes that are not NFC_Quick_Check=Yes, runes whose decomposition ends in a
// non-starter), where ordering and composition happen.
func TestIsNormalRunePairs(t *testing.T) {
	var special []string
	for r := rune(0x80); r < nfcTableSize; r++ {
		s := string(r)
		checkFastPath(t, "a"+s)
		checkFastPath(t, s+"b")
		if e := nfcTables().runes[r]; e&nfcYes == 0 || e&0xFF != 0 || e&nfcTrailing != 0 {
			special = append(special, s)
		}
	}
	special = append(special, "a", "e", "क", "ক", "க", "ت", "ก")
	var maybe []string
	for _, a := range special {
		if r, _ := utf8.DecodeRuneInString(a); r >= 0x80 && nfcTables().runes[r]&nfcMaybe != 0 {
			maybe = append(maybe, a)
		}
		for _, b := range special {
			s := a + b
			if ok, _, _ := isNormal(s); ok && !norm.NFC.IsNormalString(s) {
				t.Fatalf("isNormal(%+q) = true, but it is not NFC", s)
			}
		}
	}
	// A rune between two that compose: blocking or not.
	for pair := range nfcTables().composes {
		a, m := string(rune(pair>>16)), string(rune(pair&0xFFFF))
		for _, b := range special {
			s := a + b + m
			if ok, _, _ := isNormal(s); ok && !norm.NFC.IsNormalString(s) {
				t.Fatalf("isNormal(%+q) = true, but it is not NFC", s)
			}
		}
	}
	t.Logf("%d special runes, %d of them Maybe, %d composing pairs", len(special), len(maybe), len(nfcTables().composes))
}

// TestIsNormalRandom checks the fast path on random texts built from the characters
// that cleanup and NFC care about.
func TestIsNormalRandom(t *testing.T) {
	pool := []string{"a", "b", "é", "e", " ", "  ", "\n", "\n\n", "\t", "\r", "\u00A0", "\u200B", "\u200D",
		"\u0301", "\u0302", "\u0323", "\u093C", "न", "्", "ক", "\u09BE", "\u09C7", "க", "\u0BCA", "\u0BD7",
		"ก", "\u0E38", "\u0E48", "\u0E33", "ت", "\u0654", "ہ", "\u064E", "\u0651", "ệ", "\xff", "\u0085", "\u1E9B"}
	rng := rand.New(rand.NewPCG(1, 2))
	fast := 0
	for range 50000 {
		var b strings.Builder
		for range 1 + rng.IntN(8) {
			b.WriteString(pool[rng.IntN(len(pool))])
		}
		s := b.String()
		if ok, _, _ := isNormal(s); ok {
			fast++
		}
		checkFastPath(t, s)
	}
	if fast == 0 {
		t.Error("no random text took the fast path")
	}
}

// TestNormalizeTextCorpora checks the fast path on the shared real corpora, raw and
// normalized (the second pass is what re-running ingest on its output does).
func TestNormalizeTextCorpora(t *testing.T) {
	files, _ := filepath.Glob(testenv.Shared("corpora", "*.jsonl"))
	if len(files) == 0 {
		t.Skip("no shared corpora")
	}
	total, fast := 0, 0
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			var d struct{ Text string }
			if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
				t.Fatal(err)
			}
			checkFastPath(t, d.Text)
			n := NormalizeText(d.Text)
			checkFastPath(t, n)
			total++
			if ok, _, _ := isNormal(n); ok {
				fast++
			}
		}
		fh.Close()
	}
	t.Logf("%d of %d normalized texts take the fast path", fast, total)
}

func BenchmarkNFCTables(b *testing.B) {
	for b.Loop() {
		nfcTablesUncached()
	}
}

func BenchmarkIsNormal(b *testing.B) {
	text := strings.Repeat("Habari za asubuhi, leo ni siku nzuri sana. Tunaendelea\n", 20)
	text = text[:len(text)-1]
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		isNormal(text)
	}
}
