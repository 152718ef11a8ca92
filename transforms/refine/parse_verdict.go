package refine

import (
	"encoding/json"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A Label is the judge's verdict on a pair.
type Label string

// The judge's labels.
const (
	Good   Label = "good"   // the output answers the instruction well: keep the pair
	Flawed Label = "flawed" // usable with a better instruction: a candidate for rewriting
	Bad    Label = "bad"    // the output cannot answer any instruction like it: drop the pair
)

// Valid reports whether l is one of Good, Flawed and Bad.
func (l Label) Valid() bool { return l == Good || l == Flawed || l == Bad }

// ParseLabel returns the label that s names, ignoring case, surrounding white space,
// quotes, Markdown emphasis and final punctuation ("Good", " **bad**", "'flawed'."). Anything
// else, "very good" or "good/flawed" included, is not a label.
func ParseLabel(s string) (Label, bool) {
	s = strings.ToLower(strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("\"'`*_.!,;:()[]“”‘’", r)
	}))
	if l := Label(s); l.Valid() {
		return l, true
	}
	return "", false
}

// A Verdict is the judge's label for a pair and its one-sentence rationale.
type Verdict struct {
	Label     Label
	Rationale string // "" when the answer gives none
}

// The forms of a judge's answer that ParseVerdict reports.
const (
	HowJSON         = "json"          // the whole answer is a JSON object
	HowFencedJSON   = "fenced_json"   // a JSON object in a ``` code fence
	HowEmbeddedJSON = "embedded_json" // a JSON object with prose around it
	HowProse        = "prose"         // no JSON object: "Label: flawed. ...", "I'd say this is bad."
)

// MaxRationaleRunes bounds a verdict's rationale; a longer one is cut at a word boundary
// and ends with "…".
const MaxRationaleRunes = 300

// ParseVerdict parses a judge's answer, which was asked to be the JSON object
// {"label": "good"|"flawed"|"bad", "rationale": "one sentence"}. It returns the verdict,
// how the answer was read (one of the How constants; "" for an empty answer), and ok. It
// never makes up a label: ok is false unless exactly one label is found with confidence.
//
// The answer is read as the first of these that applies:
//
//   - JSON (HowJSON, HowFencedJSON, HowEmbeddedJSON): the whole answer, the first ```
//     code fence, or else the objects that decode from a "{" inside prose. The label is the
//     string under "label" (or "verdict", "rating", "judgment", "classification", "grade";
//     keys in any case), at the top level or in an object one level down. A JSON answer
//     with no such key, a null, a non-string, a string that is not a label ("excellent",
//     "good/bad"), or two keys or objects that disagree is not ok. The rationale is the
//     string under "rationale" (or "reason", "reasoning", "explanation", "justification",
//     "comment"). Prose around JSON whose objects have no label key is read as prose.
//   - Prose with a label field (HowProse): "Label: Good", "**Verdict:** flawed", "The
//     label is bad", and Python-style single-quoted objects ({'label': 'good'}), which are
//     not JSON. The field decides, whatever else the prose says; fields that disagree, or
//     a field whose value is not a label ("Label: N/A"), are not ok. The rationale is a
//     "Rationale:" (or "Reason:", "Explanation:") field, or else the first sentence after
//     the label field.
//   - Free prose (HowProse): the label words good, flawed and bad, as whole words in any
//     case. Exactly one of them may be named, any number of times, and never negated
//     (preceded within three words of its clause by not, no, never, nor, neither, hardly,
//     without, cannot, nothing or a word ending in n't). So "I'd say this is bad." is Bad, while "The pair is good, not
//     bad.", "good or bad" and "not bad" are not ok. This is deliberately conservative:
//     an answer that uses "good" in passing ("a good try, but flawed") is not ok either,
//     and goes back to the judge or to the dead letters, never to a guessed label. The
//     rationale is the answer's first sentence.
func ParseVerdict(answer string) (v Verdict, how string, ok bool) {
	s := strings.TrimSpace(answer)
	if s == "" {
		return Verdict{}, "", false
	}
	if s[0] == '{' {
		if obj, err := decodeObject(s, false); err == nil {
			v, ok := verdictOf([]map[string]any{obj})
			return v, HowJSON, ok
		}
	}
	if body, found := fenced(s); found {
		if obj, err := decodeObject(body, true); err == nil {
			v, ok := verdictOf([]map[string]any{obj})
			return v, HowFencedJSON, ok
		}
	}
	if objs := embeddedObjects(s); len(objs) > 0 {
		for _, o := range objs {
			if _, has := labelKeys(o); has {
				v, ok := verdictOf(objs)
				return v, HowEmbeddedJSON, ok
			}
		}
	}
	v, ok = parseProse(s)
	return v, HowProse, ok
}

// decodeObject decodes s as one JSON object; with trailing, text after it is allowed.
func decodeObject(s string, trailing bool) (map[string]any, error) {
	var obj map[string]any
	if !trailing {
		err := json.Unmarshal([]byte(s), &obj)
		return obj, err
	}
	err := json.NewDecoder(strings.NewReader(s)).Decode(&obj)
	return obj, err
}

// fenced returns the trimmed content of the first ``` code fence in s, without its
// language tag; an unclosed fence runs to the end of s.
func fenced(s string) (string, bool) {
	i := strings.Index(s, "```")
	if i < 0 {
		return "", false
	}
	body := s[i+3:]
	if j := strings.Index(body, "```"); j >= 0 {
		body = body[:j]
	}
	// A language tag is the rest of the fence's first line ("json", "JSON", "javascript").
	if nl := strings.IndexByte(body, '\n'); nl >= 0 && !strings.ContainsAny(body[:nl], "{}") {
		body = body[nl+1:]
	}
	return strings.TrimSpace(body), true
}

// maxEmbeddedTries bounds how many "{" embeddedObjects tries to decode from, so that an
// answer full of braces costs little.
const maxEmbeddedTries = 16

// embeddedObjects returns the JSON objects that decode from a "{" in s, left to right,
// skipping what each decoded object spans.
func embeddedObjects(s string) []map[string]any {
	var objs []map[string]any
	for i, tries := 0, 0; i < len(s) && tries < maxEmbeddedTries; {
		j := strings.IndexByte(s[i:], '{')
		if j < 0 {
			break
		}
		i += j
		tries++
		var obj map[string]any
		dec := json.NewDecoder(strings.NewReader(s[i:]))
		if err := dec.Decode(&obj); err == nil {
			objs = append(objs, obj)
			i += int(dec.InputOffset())
		} else {
			i++
		}
	}
	return objs
}

var (
	labelKeyNames     = []string{"label", "verdict", "rating", "judgment", "judgement", "classification", "grade"}
	rationaleKeyNames = []string{"rationale", "reason", "reasoning", "explanation", "justification", "comment"}
)

// labelKeys returns the values of obj's label keys (any case), at the top level or, if
// there are none there, in the objects one level down; has is false if there are none.
func labelKeys(obj map[string]any) (vals []any, has bool) {
	for k, v := range obj {
		if matchKey(k, labelKeyNames) {
			vals = append(vals, v)
		}
	}
	if len(vals) > 0 {
		return vals, true
	}
	for _, v := range obj {
		if inner, ok := v.(map[string]any); ok {
			for k, v := range inner {
				if matchKey(k, labelKeyNames) {
					vals = append(vals, v)
				}
			}
		}
	}
	return vals, len(vals) > 0
}

func matchKey(k string, names []string) bool {
	k = strings.TrimSpace(k)
	for _, n := range names {
		if strings.EqualFold(k, n) {
			return true
		}
	}
	return false
}

// verdictOf returns the verdict that objs agree on: every label key they have must hold
// the same label, and there must be at least one.
func verdictOf(objs []map[string]any) (Verdict, bool) {
	var label Label
	var rationale string
	for _, o := range objs {
		vals, _ := labelKeys(o)
		for _, val := range vals {
			str, isStr := val.(string)
			l, ok := ParseLabel(str)
			if !isStr || !ok || (label != "" && l != label) {
				return Verdict{}, false
			}
			label = l
		}
		if rationale == "" && len(vals) > 0 {
			rationale = rationaleOf(o)
		}
	}
	if label == "" {
		return Verdict{}, false
	}
	return Verdict{Label: label, Rationale: rationale}, true
}

// rationaleOf returns the first rationale string of obj, at the top level or one level down.
func rationaleOf(obj map[string]any) string {
	for _, name := range rationaleKeyNames {
		for k, v := range obj {
			if s, ok := v.(string); ok && matchKey(k, []string{name}) && strings.TrimSpace(s) != "" {
				return clip(s)
			}
		}
	}
	for _, v := range obj {
		if inner, ok := v.(map[string]any); ok {
			if r := rationaleOf(inner); r != "" {
				return r
			}
		}
	}
	return ""
}

var (
	// A label field: "Label: good", "verdict - Bad", "'label': 'flawed'", "the label is good".
	labelFieldRE = regexp.MustCompile(`(?i)\b(?:final\s+)?(?:label|verdict|classification|judge?ment)\b["'\s]*(?:[:=]|\bis\b|[-–—])["'\s]*([\p{L}/]*)`)
	// A rationale field, up to the end of its line: "Rationale: ...", `"reason": "...`.
	rationaleFieldRE = regexp.MustCompile(`(?i)\b(?:rationale|reason|reasoning|explanation|justification)\b["']?\s*[:=]\s*(.*)`)
	// The label words, as whole words.
	labelWordRE = regexp.MustCompile(`(?i)\b(good|flawed|bad)\b`)
	markdownRE  = strings.NewReplacer("**", "", "__", "", "`", "", "#", "")
)

// parseProse reads a label from an answer with no usable JSON.
func parseProse(s string) (Verdict, bool) {
	s = markdownRE.Replace(s)
	if fields := labelFieldRE.FindAllStringSubmatchIndex(s, -1); fields != nil {
		var label Label
		for _, f := range fields {
			l, ok := ParseLabel(s[f[2]:f[3]])
			if !ok || (label != "" && l != label) {
				return Verdict{}, false
			}
			label = l
		}
		rationale := rationaleField(s)
		if rationale == "" {
			last := fields[len(fields)-1]
			rationale = firstSentence(strings.TrimLeft(s[last[1]:], " \t\r\n.,;:!-–—)]\"'*"))
		}
		if rationale == "" {
			rationale = firstSentence(s[:fields[0][0]])
		}
		return Verdict{Label: label, Rationale: rationale}, true
	}

	var label Label
	for _, m := range labelWordRE.FindAllStringSubmatchIndex(s, -1) {
		l := Label(strings.ToLower(s[m[2]:m[3]]))
		if (label != "" && l != label) || negated(s[:m[0]]) {
			return Verdict{}, false
		}
		label = l
	}
	if label == "" {
		return Verdict{}, false
	}
	rationale := rationaleField(s)
	if rationale == "" {
		rationale = firstSentence(s)
	}
	return Verdict{Label: label, Rationale: rationale}, true
}

// negated reports whether one of the last three words of before's last clause negates
// what follows.
func negated(before string) bool {
	if len(before) > 80 { // three words are within 80 bytes but for the longest
		before = before[len(before)-80:]
	}
	if i := strings.LastIndexAny(before, ".!?;:\n"); i >= 0 {
		before = before[i+1:]
	}
	words := strings.FieldsFunc(strings.ToLower(before), func(r rune) bool {
		return !unicode.IsLetter(r) && r != '\'' && r != '’'
	})
	for i := len(words) - 1; i >= 0 && i >= len(words)-3; i-- {
		w := words[i]
		switch w {
		case "not", "no", "never", "nor", "neither", "hardly", "without", "cannot", "nothing":
			return true
		}
		if strings.HasSuffix(w, "n't") || strings.HasSuffix(w, "n’t") {
			return true
		}
	}
	return false
}

// rationaleField returns the value of s's first rationale field, unquoted, or "".
func rationaleField(s string) string {
	m := rationaleFieldRE.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	v := strings.TrimSpace(m[1])
	if v != "" && (v[0] == '"' || v[0] == '\'') {
		q := v[0]
		v = v[1:]
		for i := 0; i < len(v); i++ {
			if v[i] == '\\' {
				i++
				continue
			}
			if v[i] == q {
				v = v[:i]
				break
			}
		}
	}
	return clip(v)
}

// firstSentence returns s's first sentence, or its first line if that is shorter, clipped.
func firstSentence(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	for i, r := range s {
		if r == '.' || r == '!' || r == '?' {
			j := i + utf8.RuneLen(r)
			if j == len(s) || s[j] == ' ' || s[j] == '\t' {
				s = s[:j]
				break
			}
		}
	}
	return clip(s)
}

// clip trims s and cuts it to MaxRationaleRunes runes, at a space if there is one in the
// last fifth; it makes s valid UTF-8.
func clip(s string) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
	if utf8.RuneCountInString(s) <= MaxRationaleRunes {
		return s
	}
	cut, n := 0, 0
	for i := range s {
		if n == MaxRationaleRunes-1 {
			cut = i
			break
		}
		n++
	}
	if sp := strings.LastIndexByte(s[:cut], ' '); sp > cut*4/5 {
		cut = sp
	}
	return strings.TrimSpace(s[:cut]) + "…"
}
