package docio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xinstruct/xinstruct/internal/record"
)

func TestParseLine(t *testing.T) {
	tests := []struct {
		name   string
		line   string
		want   record.Doc // ID "" = no id in the line
		reason string     // "" = accepted
	}{
		{name: "minimal", line: `{"text":"hello"}`, want: record.Doc{Text: "hello"}},
		{name: "all fields", line: `{"id":"a1","text":"hyvää päivää","lang":"fi","url":"https://x.fi/"}`,
			want: record.Doc{ID: "a1", Text: "hyvää päivää", Lang: "fi", URL: "https://x.fi/"}},
		{name: "whitespace around tokens", line: " \t{ \"text\" : \"a\" , \"id\" : 7 } \r",
			want: record.Doc{ID: "7", Text: "a"}},
		{name: "integer id", line: `{"id":12345678901234567890,"text":"x"}`, want: record.Doc{ID: "12345678901234567890", Text: "x"}},
		{name: "float id keeps its literal", line: `{"id":-1.50e3,"text":"x"}`, want: record.Doc{ID: "-1.50e3", Text: "x"}},
		{name: "empty id is no id", line: `{"id":"","text":"x"}`, want: record.Doc{Text: "x"}},
		{name: "null id lang url are absent", line: `{"id":null,"lang":null,"url":null,"text":"x"}`, want: record.Doc{Text: "x"}},
		{name: "escapes decoded", line: `{"text":"a\"b\\c\nd\u00e9\ud83d\ude00","id":"\u0041"}`,
			want: record.Doc{ID: "A", Text: "a\"b\\c\nd\u00e9\U0001F600"}},
		{name: "escaped key matches", line: `{"\u0074ext":"x"}`, want: record.Doc{Text: "x"}},
		{name: "keys are case-sensitive", line: `{"Text":"x","text":"y"}`, want: record.Doc{Text: "y", Meta: `{"Text":"x"}`}},
		{name: "meta sorted and compact", line: `{"z": 1, "text":"x", "a" : { "k" : [1, 2 , {"b":null}] }, "m":"<&>", "t":true,"f":false,"n":null}`,
			want: record.Doc{Text: "x", Meta: `{"a":{"k":[1,2,{"b":null}]},"f":false,"m":"<&>","n":null,"t":true,"z":1}`}},
		{name: "duplicate keys: last wins", line: `{"text":"a","k":1,"text":"b","k":2}`, want: record.Doc{Text: "b", Meta: `{"k":2}`}},
		{name: "id of another type goes to meta", line: `{"id":{"x":1},"lang":["fi"],"url":false,"text":"x"}`,
			want: record.Doc{Text: "x", Meta: `{"id":{"x":1},"lang":["fi"],"url":false}`}},
		{name: "text with only inner newlines kept", line: `{"text":"a\n\nb"}`, want: record.Doc{Text: "a\n\nb"}},

		{name: "invalid utf8", line: "{\"text\":\"a\xffb\"}", reason: record.ReasonInvalidUTF8},
		{name: "invalid utf8 outside strings", line: "{\"text\":\"ab\"}\xc3", reason: record.ReasonInvalidUTF8},
		{name: "truncated", line: `{"text":"ab`, reason: record.ReasonMalformedJSON},
		{name: "not json", line: `hello world`, reason: record.ReasonMalformedJSON},
		{name: "array", line: `["text"]`, reason: record.ReasonMalformedJSON},
		{name: "string", line: `"text"`, reason: record.ReasonMalformedJSON},
		{name: "null", line: `null`, reason: record.ReasonMalformedJSON},
		{name: "trailing data", line: `{"text":"a"} {"text":"b"}`, reason: record.ReasonMalformedJSON},
		{name: "trailing comma", line: `{"text":"a",}`, reason: record.ReasonMalformedJSON},
		{name: "bad escape", line: `{"text":"a\qb"}`, reason: record.ReasonMalformedJSON},
		{name: "short unicode escape", line: `{"text":"a\u12"}`, reason: record.ReasonMalformedJSON},
		{name: "control char in string", line: "{\"text\":\"a\tb\"}", reason: record.ReasonMalformedJSON},
		{name: "bad number", line: `{"text":"a","n":01}`, reason: record.ReasonMalformedJSON},
		{name: "bad nested value", line: `{"text":"a","n":{"a":1,}}`, reason: record.ReasonMalformedJSON},
		{name: "mismatched brackets", line: `{"text":"a","n":[1}}`, reason: record.ReasonMalformedJSON},
		{name: "bad literal", line: `{"text":"a","n":nul}`, reason: record.ReasonMalformedJSON},
		{name: "single quotes", line: `{'text':'a'}`, reason: record.ReasonMalformedJSON},
		{name: "no text", line: `{"id":"a","body":"x"}`, want: record.Doc{ID: "a", Meta: `{"body":"x"}`}, reason: record.ReasonMissingText},
		{name: "empty object", line: `{}`, reason: record.ReasonMissingText},
		{name: "text number", line: `{"text":5}`, reason: record.ReasonMissingText},
		{name: "text null", line: `{"text":null}`, reason: record.ReasonMissingText},
		{name: "text object", line: `{"text":{"a":"b"}}`, reason: record.ReasonMissingText},
		{name: "text empty", line: `{"text":""}`, reason: record.ReasonMissingText},
		{name: "text whitespace", line: `{"text":" \n\t\u3000"}`, reason: record.ReasonMissingText},
	}
	var p lineParser
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d record.Doc
			le := p.parse([]byte(tt.line), &d)
			if tt.reason != "" {
				if le == nil || le.reason != tt.reason {
					t.Fatalf("parse(%q) = %+v, want reason %s", tt.line, le, tt.reason)
				}
				if le.detail == "" {
					t.Errorf("parse(%q): empty detail", tt.line)
				}
				if tt.want.ID != "" && d.ID != tt.want.ID {
					t.Errorf("parse(%q): rejected with ID %q, want %q", tt.line, d.ID, tt.want.ID)
				}
				return
			}
			if le != nil {
				t.Fatalf("parse(%q) = %+v, want a doc", tt.line, le)
			}
			if d != tt.want {
				t.Errorf("parse(%q) =\n %+v\nwant\n %+v", tt.line, d, tt.want)
			}
		})
	}
}

func TestParseLineDetails(t *testing.T) {
	var p lineParser
	for line, want := range map[string]string{
		"{\"text\":\"ab\xff\"}": "invalid UTF-8 at byte 11",
		`{"text":1}`:            `"text" is a number, not a string`,
		`{"text":x}`:            `invalid JSON: unexpected 'x' at byte 8`,
		`{"text":"a"`:           "invalid JSON: unexpected end of line",
		`[1]`:                   "not a JSON object",
	} {
		var d record.Doc
		if le := p.parse([]byte(line), &d); le == nil || le.detail != want {
			t.Errorf("parse(%q) = %+v, want detail %q", line, le, want)
		}
	}
}

// TestParseLineMatchesReference checks the scanner against decoding into a
// map[string]json.RawMessage, the obvious implementation.
func TestParseLineMatchesReference(t *testing.T) {
	for _, line := range parseSeeds {
		checkAgainstReference(t, []byte(line))
	}
}

func FuzzParseLine(f *testing.F) {
	for _, line := range parseSeeds {
		f.Add([]byte(line))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		checkAgainstReference(t, line)
	})
}

var parseSeeds = []string{
	`{"text":"hello","id":3,"lang":"en","url":"u","x":[1,{"y":"z"}],"w":-0.5e+2}`,
	`{"text":"a\u0000b\ud800","id":"\u00e9"}`,
	`{"\u0074ext":"x","t\u0065xt":"y"}`,
	`{"text":"a","k":{"a" : 1},"k":[ ]}`,
	`{"text":" "}`, `{}`, `[]`, `null`, `{"text":"a"}x`, `{"text":"a",}`, `{"a":1e}`, `{"a":-}`,
	`{"a":tru}`, `{"text":"x","a":[1,2}`, `{"text":"x","a":{"b":}}`, "{\"text\":\"\x80\"}",
	`{"id":true,"lang":1,"url":{},"text":"t"}`, `{"text":"<script>&</script>"}`,
	`{"text":"x","u":"\u2028"}`, `{"text":"0","":1e1000}`, `{"text":"\ud83d\u0041\ud83d"}`,
}

func checkAgainstReference(t *testing.T, line []byte) {
	t.Helper()
	var p lineParser
	var got, want record.Doc
	gotErr, wantErr := p.parse(line, &got), parseWithMap(line, &want)
	if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.reason != wantErr.reason {
		t.Fatalf("parse(%q) = %+v, reference says %+v", line, gotErr, wantErr)
	}
	if gotErr != nil {
		return
	}
	gm, wm := got.Meta, want.Meta
	got.Meta, want.Meta = "", ""
	if got != want {
		t.Fatalf("parse(%q) =\n %+v\nreference\n %+v", line, got, want)
	}
	if !sameJSON(gm, wm) {
		t.Fatalf("parse(%q): Meta %s, reference %s", line, gm, wm)
	}
}

func sameJSON(a, b string) bool {
	if a == "" || b == "" {
		return a == b
	}
	decode := func(s string) (v any, err error) {
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber() // 1e1000 is valid JSON but no float64
		err = dec.Decode(&v)
		return v, err
	}
	x, errx := decode(a)
	y, erry := decode(b)
	return errx == nil && erry == nil && reflect.DeepEqual(x, y)
}

// parseWithMap is the reference parser: json.Unmarshal into map[string]json.RawMessage.
func parseWithMap(line []byte, d *record.Doc) *lineError {
	if !utf8.Valid(line) {
		return &lineError{record.ReasonInvalidUTF8, "invalid UTF-8"}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(line, &m); err != nil || m == nil {
		return &lineError{record.ReasonMalformedJSON, fmt.Sprint(err)}
	}
	return fromRawFields(m, d)
}

// parseWithTokens decodes the top-level keys with json.Decoder.Token and each value as a
// json.RawMessage.
func parseWithTokens(line []byte, d *record.Doc) *lineError {
	if !utf8.Valid(line) {
		return &lineError{record.ReasonInvalidUTF8, "invalid UTF-8"}
	}
	malformed := func(err error) *lineError { return &lineError{record.ReasonMalformedJSON, fmt.Sprint(err)} }
	dec := json.NewDecoder(bytes.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return malformed(err)
	}
	m := make(map[string]json.RawMessage)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return malformed(err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return malformed(err)
		}
		m[tok.(string)] = raw
	}
	if _, err := dec.Token(); err != nil {
		return malformed(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return malformed(err)
	}
	return fromRawFields(m, d)
}

func fromRawFields(m map[string]json.RawMessage, d *record.Doc) *lineError {
	str := func(key string, numbers bool) (string, bool) {
		raw, ok := m[key]
		switch {
		case !ok:
			return "", false
		case raw[0] == '"':
			var s string
			json.Unmarshal(raw, &s)
			delete(m, key)
			return s, true
		case string(raw) == "null":
			delete(m, key)
			return "", false
		case numbers && (raw[0] == '-' || '0' <= raw[0] && raw[0] <= '9'):
			delete(m, key)
			return string(raw), true
		}
		return "", false
	}
	text, hasText := m["text"]
	delete(m, "text")
	d.ID, _ = str("id", true)
	d.Lang, _ = str("lang", false)
	d.URL, _ = str("url", false)
	if len(m) > 0 {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			enc.Encode(k)
			b.Truncate(b.Len() - 1)
			b.WriteByte(':')
			json.Compact(&b, m[k])
		}
		b.WriteByte('}')
		d.Meta = b.String()
	}
	if !hasText || text[0] != '"' {
		return &lineError{record.ReasonMissingText, "no text"}
	}
	json.Unmarshal(text, &d.Text)
	if strings.TrimSpace(d.Text) == "" {
		return &lineError{record.ReasonMissingText, "blank text"}
	}
	return nil
}

// benchLine is a ~1 KB JSONL record: a paragraph of mixed-script text with a few escapes,
// the Doc's fields and two other keys.
var benchLine = func() []byte {
	text := strings.Repeat("Tämä on esimerkkiteksti, joka \"lainaa\" jotakin. Это пример текста. 这是一个例子。\n", 8)
	b, _ := json.Marshal(map[string]any{
		"id": "cc-2024-10:000123456", "text": text, "lang": "fi", "url": "https://example.fi/artikkeli/123",
		"source": "commoncrawl", "score": 0.9231,
	})
	return b
}()

func BenchmarkParseJSONLLine(b *testing.B) {
	parsers := []struct {
		name  string
		parse func([]byte, *record.Doc) *lineError
	}{
		{"scan", new(lineParser).parse},
		{"map", parseWithMap},
		{"token", parseWithTokens},
	}
	for _, p := range parsers {
		b.Run(p.name, func(b *testing.B) {
			b.SetBytes(int64(len(benchLine)))
			b.ReportAllocs()
			for b.Loop() {
				var d record.Doc
				if le := p.parse(benchLine, &d); le != nil {
					b.Fatal(le)
				}
			}
		})
	}
}
