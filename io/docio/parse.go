package docio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xinstruct/xinstruct/internal/record"
)

// A lineParser turns one JSONL line into a record.Doc. It scans the top-level object once,
// keeping byte spans of the values, and decodes only what the Doc needs: "text", "id", "lang",
// "url". Meta is built only when the object has other keys. Nested objects and arrays are
// validated and compacted by encoding/json. The results match decoding into a
// map[string]json.RawMessage (TestParseLineMatchesReference and FuzzParseLine check it) at
// about 7 times the speed (BenchmarkParseJSONLLine, 1 KB line: 2.3 µs against 17 µs for the
// map and for json.Decoder.Token).
//
// A lineParser reuses its buffers: it is not safe for concurrent use.
type lineParser struct {
	others  []field // top-level keys other than the Doc's, in input order
	compact bytes.Buffer
}

// A field is one top-level key and its value, as spans of the line.
type field struct {
	key    []byte // raw JSON string, quotes included
	name   string // decoded key, set only for keys kept in Meta
	value  []byte // raw JSON value; compacted for objects and arrays
	kind   byte   // '"', 'n' (number), 't' (true/false), 'z' (null), '{', '['
	escape bool   // a string value containing backslash escapes
}

// A lineError is a rejected line: its reason (a record.Reason* constant) and a detail.
type lineError struct {
	reason, detail string
}

// parse parses line (one non-blank JSONL line, without its newline) into d, leaving d.ID ""
// when the line has no usable "id". It returns nil, or why the line is rejected (invalid_utf8,
// malformed_json or missing_text); d then holds what was parsed, such as the ID.
func (p *lineParser) parse(line []byte, d *record.Doc) *lineError {
	if !utf8.Valid(line) {
		return &lineError{record.ReasonInvalidUTF8, fmt.Sprintf("invalid UTF-8 at byte %d", invalidUTF8At(string(line)))}
	}
	p.others = p.others[:0]
	p.compact.Reset()

	var text, id, lang, url field
	i := skipWS(line, 0)
	if i == len(line) || line[i] != '{' {
		if json.Valid(line) {
			return &lineError{record.ReasonMalformedJSON, "not a JSON object"}
		}
		return syntaxError(line, i)
	}
	i = skipWS(line, i+1)
	if i < len(line) && line[i] == '}' {
		i++
	} else {
		for {
			if i == len(line) || line[i] != '"' {
				return syntaxError(line, i)
			}
			ks := i
			ke, kesc, ok := scanString(line, i)
			if !ok {
				return syntaxError(line, ke)
			}
			i = skipWS(line, ke)
			if i == len(line) || line[i] != ':' {
				return syntaxError(line, i)
			}
			i = skipWS(line, i+1)
			f, end, ok := p.scanValue(line, i)
			if !ok {
				return syntaxError(line, end)
			}
			f.key = line[ks:ke]
			i = skipWS(line, end)

			name := f.key[1 : len(f.key)-1]
			if kesc {
				name = []byte(unquote(name))
			}
			switch string(name) {
			case "text":
				text = f
			case "id":
				id = f
			case "lang":
				lang = f
			case "url":
				url = f
			default:
				f.name = string(name)
				p.others = append(p.others, f)
			}

			if i < len(line) && line[i] == ',' {
				i = skipWS(line, i+1)
				continue
			}
			if i < len(line) && line[i] == '}' {
				i++
				break
			}
			return syntaxError(line, i)
		}
	}
	if i = skipWS(line, i); i != len(line) {
		return &lineError{record.ReasonMalformedJSON, fmt.Sprintf("invalid JSON: data after the object at byte %d", i)}
	}

	// Known fields of an unexpected type are kept in Meta rather than lost.
	if s, ok := p.stringOf(id, true); ok {
		d.ID = s
	} else if id.key != nil && id.kind != 'z' {
		p.keep(id, "id")
	}
	if s, ok := p.stringOf(lang, false); ok {
		d.Lang = s
	} else if lang.key != nil && lang.kind != 'z' {
		p.keep(lang, "lang")
	}
	if s, ok := p.stringOf(url, false); ok {
		d.URL = s
	} else if url.key != nil && url.kind != 'z' {
		p.keep(url, "url")
	}
	d.Meta = p.meta()

	switch {
	case text.key == nil:
		return &lineError{record.ReasonMissingText, `no "text" field`}
	case text.kind != '"':
		return &lineError{record.ReasonMissingText, fmt.Sprintf(`"text" is %s, not a string`, kindName(text.kind))}
	}
	d.Text, _ = p.stringOf(text, false)
	if isBlank(d.Text) {
		return &lineError{record.ReasonMissingText, `"text" is empty or only whitespace`}
	}
	return nil
}

// stringOf decodes f when it is a string (or, with numbers, a number: its literal text).
// It reports false for absent fields and other types.
func (p *lineParser) stringOf(f field, numbers bool) (string, bool) {
	switch {
	case f.key == nil:
		return "", false
	case f.kind == 'n' && numbers:
		return string(f.value), true
	case f.kind != '"':
		return "", false
	case !f.escape:
		return string(f.value[1 : len(f.value)-1]), true
	}
	return unquote(f.value[1 : len(f.value)-1]), true
}

// unquote decodes the escapes of s, the inside of a JSON string that scanString validated,
// as encoding/json does: an unpaired UTF-16 surrogate becomes U+FFFD.
func unquote(s []byte) string {
	var b strings.Builder
	b.Grow(len(s))
	for {
		j := bytes.IndexByte(s, '\\')
		if j < 0 {
			b.Write(s)
			return b.String()
		}
		b.Write(s[:j])
		c := s[j+1]
		s = s[j+2:]
		switch c {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r := hex4(s)
			s = s[4:]
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if len(s) >= 6 && s[0] == '\\' && s[1] == 'u' {
					r2 = hex4(s[2:])
				}
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					r = d
					s = s[6:]
				} else {
					r = utf8.RuneError
				}
			}
			b.WriteRune(r)
		default: // '"', '\\', '/'
			b.WriteByte(c)
		}
	}
}

// hex4 decodes four hex digits.
func hex4(s []byte) rune {
	var r rune
	for _, c := range s[:4] {
		switch {
		case c <= '9':
			c -= '0'
		case c <= 'F':
			c -= 'A' - 10
		default:
			c -= 'a' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

func (p *lineParser) keep(f field, name string) {
	f.name = name
	p.others = append(p.others, f)
}

// meta returns the other fields as a compact JSON object with sorted keys ("" when there are
// none). Of duplicated keys the last wins, as in encoding/json.
func (p *lineParser) meta() string {
	if len(p.others) == 0 {
		return ""
	}
	slices.SortStableFunc(p.others, func(a, b field) int { return strings.Compare(a.name, b.name) })
	n := 2
	for _, f := range p.others {
		n += len(f.key) + len(f.value) + 2
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteByte('{')
	for i, f := range p.others {
		if i+1 < len(p.others) && p.others[i+1].name == f.name {
			continue // a later duplicate wins
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.Write(f.key)
		b.WriteByte(':')
		b.Write(f.value)
	}
	b.WriteByte('}')
	return b.String()
}

// scanValue scans the JSON value starting at line[i]. It returns the value's field (value and
// kind set), the index after it, and whether it is valid; when not, end is where it failed.
func (p *lineParser) scanValue(line []byte, i int) (f field, end int, ok bool) {
	if i == len(line) {
		return f, i, false
	}
	switch c := line[i]; {
	case c == '"':
		end, f.escape, ok = scanString(line, i)
		f.kind = '"'
	case c == '{' || c == '[':
		end, ok = scanComposite(line, i)
		if !ok {
			return f, end, false
		}
		// Validate and compact in one pass. The compacted bytes stay in p.compact until the
		// next line: a Buffer only appends, and growing it leaves earlier slices intact.
		start := p.compact.Len()
		if json.Compact(&p.compact, line[i:end]) != nil {
			p.compact.Truncate(start)
			return f, i, false
		}
		f.value = p.compact.Bytes()[start:p.compact.Len():p.compact.Len()]
		f.kind = c
		return f, end, true
	case c == '-' || ('0' <= c && c <= '9'):
		end, ok = scanNumber(line, i)
		f.kind = 'n'
	case bytes.HasPrefix(line[i:], []byte("true")):
		end, ok, f.kind = i+4, true, 't'
	case bytes.HasPrefix(line[i:], []byte("false")):
		end, ok, f.kind = i+5, true, 't'
	case bytes.HasPrefix(line[i:], []byte("null")):
		end, ok, f.kind = i+4, true, 'z'
	default:
		return f, i, false
	}
	if ok {
		f.value = line[i:end]
	}
	return f, end, ok
}

// scanString scans the JSON string starting at the quote line[i]. It returns the index after
// the closing quote, whether the string holds escapes, and whether it is valid.
func scanString(line []byte, i int) (end int, escape, ok bool) {
	for j := i + 1; j < len(line); j++ {
		switch c := line[j]; {
		case c == '"':
			return j + 1, escape, true
		case c == '\\':
			escape = true
			if j+1 == len(line) {
				return j, escape, false
			}
			j++
			switch line[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(line) || !isHex(line[j+1]) || !isHex(line[j+2]) || !isHex(line[j+3]) || !isHex(line[j+4]) {
					return j, escape, false
				}
				j += 4
			default:
				return j, escape, false
			}
		case c < 0x20:
			return j, escape, false
		}
	}
	return len(line), escape, false
}

// scanComposite finds the end of the object or array starting at line[i] by counting
// brackets outside strings. It does not validate the structure: json.Compact does.
func scanComposite(line []byte, i int) (end int, ok bool) {
	depth := 0
	for j := i; j < len(line); j++ {
		switch line[j] {
		case '"':
			e, _, ok := scanString(line, j)
			if !ok {
				return e, false
			}
			j = e - 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return j + 1, true
			}
		}
	}
	return len(line), false
}

// scanNumber scans a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func scanNumber(line []byte, i int) (end int, ok bool) {
	j := i
	if line[j] == '-' {
		j++
	}
	switch {
	case j < len(line) && line[j] == '0':
		j++
	case j < len(line) && '1' <= line[j] && line[j] <= '9':
		j = skipDigits(line, j)
	default:
		return j, false
	}
	if j < len(line) && line[j] == '.' {
		k := skipDigits(line, j+1)
		if k == j+1 {
			return k, false
		}
		j = k
	}
	if j < len(line) && (line[j] == 'e' || line[j] == 'E') {
		j++
		if j < len(line) && (line[j] == '+' || line[j] == '-') {
			j++
		}
		k := skipDigits(line, j)
		if k == j {
			return k, false
		}
		j = k
	}
	return j, true
}

func skipDigits(line []byte, j int) int {
	for j < len(line) && '0' <= line[j] && line[j] <= '9' {
		j++
	}
	return j
}

func skipWS(line []byte, i int) int {
	for i < len(line) {
		switch line[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func syntaxError(line []byte, i int) *lineError {
	if i >= len(line) {
		return &lineError{record.ReasonMalformedJSON, "invalid JSON: unexpected end of line"}
	}
	return &lineError{record.ReasonMalformedJSON, fmt.Sprintf("invalid JSON: unexpected %q at byte %d", line[i], i)}
}

func kindName(kind byte) string {
	switch kind {
	case 'n':
		return "a number"
	case 't':
		return "a boolean"
	case 'z':
		return "null"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "a string"
}

// isBlank reports whether s is empty or only Unicode white space.
func isBlank(s string) bool {
	return strings.TrimSpace(s) == ""
}

// invalidUTF8At returns the offset of the first byte of s that is not valid UTF-8.
func invalidUTF8At(s string) int {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(s)
}
