package clean

import (
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
)

func TestMain(m *testing.M) { ptest.Main(m) }

func TestNormalizeText(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"trim and collapse spaces", "  a \t b   c  ", "a b c"},
		{"paragraph break kept", "first line\nsecond\n\n\n\nnext paragraph", "first line\nsecond\n\nnext paragraph"},
		{"CRLF and CR", "a\r\nb\rc", "a\nb\nc"},
		{"line ends trimmed", "a   \n   b", "a\nb"},
		{"controls removed", "a\x00b\x07c\u0085d", "abcd"},
		{"zero width and BOM removed", "\uFEFFa\u200Bb\u00ADc", "abc"},
		{"ZWJ and ZWNJ kept", "क्\u200Dष र\u200Cे", "क्\u200Dष र\u200Cे"},
		{"NBSP and ideographic space", "a\u00A0b\u3000c", "a b c"},
		{"NFC composes", "e\u0301 tie\u0302\u0301ng", "é tiếng"},
		{"invalid UTF-8 replaced", "a\xffb", "a\uFFFDb"},
		{"only whitespace", " \n\t\r\n ", ""},
		{"unicode line separators", "a\u2028b\u2029\u2029c", "a\nb\n\nc"},
	} {
		if got := NormalizeText(tc.in); got != tc.want {
			t.Errorf("%s: NormalizeText(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestNormalizeTextIsIdempotent(t *testing.T) {
	in := "  Tiếng Việt\r\n\r\n\r\nக் ஷ\u200B  x\t\ty "
	once := NormalizeText(in)
	if twice := NormalizeText(once); twice != once {
		t.Fatalf("second pass changed %q to %q", once, twice)
	}
}

func BenchmarkNormalizeText(b *testing.B) {
	text := strings.Repeat("Habari za asubuhi, leo ni siku nzuri sana.  Tunaendelea\n", 20)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		NormalizeText(text)
	}
}
