package llmtest

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// schemaGenerator answers a json_schema request with a value that conforms to root. It
// knows the keywords structured outputs use: type (a name or a list), properties,
// required, items, prefixItems, enum, const, anyOf, oneOf, allOf, $ref (to "#/$defs/..."
// or "#/definitions/..."), minItems, maxItems, uniqueItems, minLength, maxLength, format,
// minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf (integers). It ignores
// pattern. Optional properties are filled too, as strict mode requires every property.
func schemaGenerator(root map[string]any) generator {
	return func(k hashKey, i int, seen map[string]bool) string {
		var out string
		for salt := 0; salt < 8; salt++ {
			g := &schemaGen{root: root, k: k, choice: i, salt: salt}
			b, err := json.Marshal(g.value(root, "$", 0))
			if err != nil {
				panic(err) // built from JSON values
			}
			out = string(b)
			if !seen[out] {
				break
			}
		}
		return out
	}
}

type schemaGen struct {
	root   map[string]any
	k      hashKey
	choice int
	salt   int
}

// deep is the nesting past which optional content is left out, so recursive schemas end.
const deep = 8

func (g *schemaGen) hash(path string) uint64 { return g.k.sub("schema", g.choice, g.salt, path) }

func (g *schemaGen) value(schema any, path string, depth int) any {
	s, ok := schema.(map[string]any)
	if !ok {
		if b, isBool := schema.(bool); isBool && !b {
			return nil
		}
		return g.sentence(path)
	}
	if depth > 4*deep {
		return nil
	}
	if ref, ok := s["$ref"].(string); ok {
		return g.value(g.resolve(ref), path, depth+1)
	}
	if c, ok := s["const"]; ok {
		return c
	}
	if e, ok := s["enum"].([]any); ok && len(e) > 0 {
		return e[g.hash(path)%uint64(len(e))]
	}
	for _, kw := range []string{"anyOf", "oneOf"} {
		if alts, ok := s[kw].([]any); ok && len(alts) > 0 {
			for _, alt := range alts {
				if m, ok := alt.(map[string]any); ok && m["type"] == "null" {
					continue
				}
				return g.value(alt, path, depth+1)
			}
			return nil
		}
	}
	if all, ok := s["allOf"].([]any); ok && len(all) > 0 {
		return g.value(mergeAll(s, all, g), path, depth+1)
	}

	switch schemaType(s) {
	case "object":
		return g.object(s, path, depth)
	case "array":
		return g.array(s, path, depth)
	case "string":
		return g.str(s, path)
	case "integer":
		return g.integer(s, path)
	case "number":
		return g.number(s, path)
	case "boolean":
		return g.hash(path)&1 == 1
	case "null":
		return nil
	}
	return g.sentence(path)
}

// schemaType returns the schema's type: the first non-null one of a list, or one inferred
// from the other keywords.
func schemaType(s map[string]any) string {
	switch t := s["type"].(type) {
	case string:
		return t
	case []any:
		for _, x := range t {
			if x, ok := x.(string); ok && x != "null" {
				return x
			}
		}
		return "null"
	}
	switch {
	case s["properties"] != nil || s["required"] != nil:
		return "object"
	case s["items"] != nil || s["prefixItems"] != nil:
		return "array"
	case s["minimum"] != nil || s["maximum"] != nil:
		return "number"
	}
	return "string"
}

func (g *schemaGen) resolve(ref string) any {
	for _, prefix := range []string{"#/$defs/", "#/definitions/"} {
		if name, ok := strings.CutPrefix(ref, prefix); ok {
			if defs, ok := g.root[strings.Trim(prefix[2:], "/")].(map[string]any); ok {
				return defs[name]
			}
		}
	}
	if ref == "#" {
		return g.root
	}
	return map[string]any{} // unknown: a string will do
}

// mergeAll folds allOf's branches into one schema: properties and required are unions,
// other keywords the last branch's.
func mergeAll(s map[string]any, all []any, g *schemaGen) map[string]any {
	out := map[string]any{}
	props := map[string]any{}
	var required []any
	for _, b := range append([]any{s}, all...) {
		m, ok := b.(map[string]any)
		if !ok {
			continue
		}
		if ref, ok := m["$ref"].(string); ok {
			if r, ok := g.resolve(ref).(map[string]any); ok {
				m = r
			}
		}
		for k, v := range m {
			switch k {
			case "allOf":
			case "properties":
				if p, ok := v.(map[string]any); ok {
					for pk, pv := range p {
						props[pk] = pv
					}
				}
			case "required":
				if r, ok := v.([]any); ok {
					required = append(required, r...)
				}
			default:
				out[k] = v
			}
		}
	}
	if len(props) > 0 {
		out["properties"] = props
	}
	if len(required) > 0 {
		out["required"] = required
	}
	return out
}

func (g *schemaGen) object(s map[string]any, path string, depth int) any {
	obj := map[string]any{}
	props, _ := s["properties"].(map[string]any)
	required := map[string]bool{}
	if r, ok := s["required"].([]any); ok {
		for _, x := range r {
			if name, ok := x.(string); ok {
				required[name] = true
			}
		}
	}
	names := make([]string, 0, len(props))
	for name := range props {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if depth >= deep && !required[name] {
			continue
		}
		obj[name] = g.value(props[name], path+"."+name, depth+1)
	}
	for name := range required {
		if _, ok := obj[name]; !ok {
			obj[name] = g.sentence(path + "." + name)
		}
	}
	return obj
}

func (g *schemaGen) array(s map[string]any, path string, depth int) any {
	minItems, hasMin := intKeyword(s, "minItems")
	maxItems, hasMax := intKeyword(s, "maxItems")
	n := 2
	if depth >= deep {
		n = 0
	}
	if hasMin && n < minItems {
		n = minItems
	}
	if hasMax && n > maxItems {
		n = maxItems
	}
	prefix, _ := s["prefixItems"].([]any)
	unique, _ := s["uniqueItems"].(bool)
	out := make([]any, 0, n)
	seen := map[string]bool{}
	for i := range n {
		item := s["items"]
		if i < len(prefix) {
			item = prefix[i]
		}
		var v any
		for try := 0; try < 16; try++ {
			v = g.value(item, fmt.Sprintf("%s[%d]#%d", path, i, try), depth+1)
			b, _ := json.Marshal(v)
			if !unique || !seen[string(b)] {
				seen[string(b)] = true
				break
			}
		}
		out = append(out, v)
	}
	return out
}

func (g *schemaGen) sentence(path string) string {
	return sentences[g.hash(path)%uint64(len(sentences))]
}

func (g *schemaGen) str(s map[string]any, path string) any {
	var v string
	switch s["format"] {
	case "date-time":
		v = "2024-05-01T12:00:00Z"
	case "date":
		v = "2024-05-01"
	case "time":
		v = "12:00:00Z"
	case "email":
		v = "placeholder@example.com"
	case "uri", "url":
		v = "https://example.com/fakellm"
	case "uuid":
		v = "00000000-0000-4000-8000-000000000000"
	default:
		v = g.sentence(path)
	}
	if minLen, ok := intKeyword(s, "minLength"); ok {
		for len([]rune(v)) < minLen {
			v += " " + g.sentence(path+"+")
		}
	}
	if maxLen, ok := intKeyword(s, "maxLength"); ok {
		if r := []rune(v); len(r) > maxLen {
			v = strings.TrimRight(string(r[:maxLen]), " ")
			if mn, _ := intKeyword(s, "minLength"); len([]rune(v)) < mn {
				v = string(r[:maxLen])
			}
		}
	}
	return v
}

// bounds returns the inclusive range a number may take, and whether each end is exclusive.
func bounds(s map[string]any) (lo, hi float64, hasLo, hasHi, exLo, exHi bool) {
	if v, ok := s["minimum"].(float64); ok {
		lo, hasLo = v, true
	}
	if v, ok := s["exclusiveMinimum"].(float64); ok && (!hasLo || v >= lo) {
		lo, hasLo, exLo = v, true, true
	}
	if v, ok := s["maximum"].(float64); ok {
		hi, hasHi = v, true
	}
	if v, ok := s["exclusiveMaximum"].(float64); ok && (!hasHi || v <= hi) {
		hi, hasHi, exHi = v, true, true
	}
	return
}

func (g *schemaGen) integer(s map[string]any, path string) any {
	flo, fhi, hasLo, hasHi, exLo, exHi := bounds(s)
	lo, hi := int64(0), int64(0)
	switch {
	case hasLo && hasHi:
		lo, hi = int64(math.Ceil(flo)), int64(math.Floor(fhi))
	case hasLo:
		lo = int64(math.Ceil(flo))
		hi = lo + 10
	case hasHi:
		hi = int64(math.Floor(fhi))
		lo = hi - 10
	default:
		lo, hi = 1, 10
	}
	if exLo && float64(lo) == flo {
		lo++
	}
	if exHi && float64(hi) == fhi {
		hi--
	}
	if hi < lo {
		return lo // an empty range: no value conforms
	}
	if m, ok := s["multipleOf"].(float64); ok && m >= 1 && m == math.Trunc(m) {
		step := int64(m)
		first := lo
		if r := (lo%step + step) % step; r != 0 {
			first += step - r
		}
		if first > hi {
			return first
		}
		return first + step*int64(g.hash(path)%uint64((hi-first)/step+1))
	}
	return lo + int64(g.hash(path)%uint64(hi-lo+1))
}

func (g *schemaGen) number(s map[string]any, path string) any {
	lo, hi, hasLo, hasHi, _, _ := bounds(s)
	switch {
	case hasLo && hasHi:
	case hasLo:
		hi = lo + 10
	case hasHi:
		lo = hi - 10
	default:
		lo, hi = 0, 1
	}
	if hi <= lo {
		return lo
	}
	// strictly inside, so exclusive bounds hold too
	v := lo + (0.1+0.8*unit(g.hash(path)))*(hi-lo)
	if r := math.Round(v*100) / 100; r > lo && r < hi {
		v = r
	}
	return v
}

func intKeyword(s map[string]any, name string) (int, bool) {
	v, ok := s[name].(float64)
	if !ok || v < 0 {
		return 0, false
	}
	return int(v), true
}
