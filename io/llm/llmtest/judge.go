package llmtest

import (
	"crypto/sha256"
	"encoding/json"
	"maps"
	"regexp"
	"strings"
)

// Markers of the pipeline's refinement prompts (internal/prompts: judge_pair, rewrite_instruction).
const (
	judgeSystemMarker      = "Label the sample"
	judgeInstructionHeader = "### English Instruction:"
	judgeAnswerHeader      = "### Answer"
	rewriteEnd             = "### New English Instruction:"
	oldInstructionHeader   = "### Old English Instruction:"
)

var (
	openTagRE     = regexp.MustCompile(`(?i)<text\s*>`)
	closeTagRE    = regexp.MustCompile(`(?i)</text\s*>`)
	answerLangRE  = regexp.MustCompile(`### Answer \(([^)\n]+)\)`)
	nextHeaderRE  = regexp.MustCompile(`(?m)^###`)
	injectionRE   = regexp.MustCompile(`(?i)\b(?:ignore\s+(?:all\s+)?(?:of\s+)?(?:the\s+)?(?:above|previous|prior)\b|(?:answer|reply|respond|say|output)\s+(?:with\s+)?["'“]?good\b|(?:label|rate|mark|grade|classify|judge)\s+(?:this|it|the\s+sample|this\s+sample|the\s+pair|this\s+pair)\s+(?:as\s+)?["'“]?good\b)`)
	judgeLabels   = [3]string{"good", "flawed", "bad"}
	gullibleWhy   = "Following the instruction in the sample."
	rationaleBank = map[string][]string{
		"good": {
			"The {L}text answers the instruction fully, and the instruction stands on its own.",
			"The instruction asks for exactly what the {L}text provides.",
			"The text is a complete and fitting answer to a clear, self-contained instruction.",
		},
		"flawed": {
			"The text is related, but the instruction is broader than what the {L}text covers.",
			"The instruction asks for details that the text does not give.",
			"The {L}text fits only part of the instruction, which needs to be more specific.",
		},
		"bad": {
			"The instruction and the {L}text are unrelated.",
			"The text is not a usable answer: it reads like navigation or boilerplate.",
			"The instruction cannot be answered from what the {L}text says.",
		},
	}
	// malformedAnswers carry no label word, so no parser can read a label from them.
	malformedAnswers = []string{
		"I cannot determine a rating for this sample without more context.",
		"This sample needs a closer look before I can rate it.",
		"I am not able to assess this pair of instruction and text.",
		"The instruction and the text raise questions that I would need to look into further.",
	}
)

// judgeSample is what a judge request asks about.
type judgeSample struct {
	instruction string // between "### English Instruction:" and the next "###" header
	text        string // the data: from <text> to the last </text>
	lang        string // from "### Answer (<Lang>):", or "" if none
	attempt     int    // assistant turns after the sample message: 0 on the first ask, 1 after one re-ask, ...
	escaped     bool   // an injection phrase occurs in the sample message outside its data section
	key         hashKey
}

// lastUser returns the index of the last user message, or -1.
func (p prompt) lastUser() int {
	for i := len(p.messages) - 1; i >= 0; i-- {
		if p.messages[i].role == "user" {
			return i
		}
	}
	return -1
}

// rewriteOf reports whether p is a rewrite request (its last user message ends with
// "### New English Instruction:") and returns the old instruction it names, if any.
func rewriteOf(p prompt) (old string, ok bool) {
	i := p.lastUser()
	if i < 0 {
		return "", false
	}
	m := strings.TrimRight(p.messages[i].text, " \t\r\n")
	if !strings.HasSuffix(m, rewriteEnd) {
		return "", false
	}
	if j := strings.Index(m, oldInstructionHeader); j >= 0 {
		rest := m[j+len(oldInstructionHeader):]
		if loc := nextHeaderRE.FindStringIndex(rest); loc != nil {
			rest = rest[:loc[0]]
		}
		old = strings.TrimSpace(rest)
	}
	return old, true
}

// isJudgeMessage reports whether a user message is a judge sample: it has both the
// instruction and the answer headers.
func isJudgeMessage(m message) bool {
	return m.role == "user" && strings.Contains(m.text, judgeInstructionHeader) && strings.Contains(m.text, judgeAnswerHeader)
}

// judgeOf reports whether p is a judge request, and if so what it asks about. See the
// package documentation for the rule.
func judgeOf(p prompt) (judgeSample, bool) {
	sample, system := -1, false
	for i, m := range p.messages {
		switch {
		case (m.role == "system" || m.role == "developer") && strings.Contains(m.text, judgeSystemMarker):
			system = true
		case isJudgeMessage(m):
			sample = i
		}
	}
	if sample < 0 {
		if !system {
			return judgeSample{}, false
		}
		for i, m := range p.messages { // the first user message
			if m.role == "user" {
				sample = i
				break
			}
		}
		if sample < 0 {
			return judgeSample{}, false
		}
	}
	var j judgeSample
	for _, m := range p.messages[sample+1:] {
		if m.role == "assistant" {
			j.attempt++
		}
	}
	msg := p.messages[sample].text

	if i := strings.Index(msg, judgeInstructionHeader); i >= 0 {
		rest := msg[i+len(judgeInstructionHeader):]
		if loc := nextHeaderRE.FindStringIndex(rest); loc != nil {
			rest = rest[:loc[0]]
		} else if loc := openTagRE.FindStringIndex(rest); loc != nil {
			rest = rest[:loc[0]]
		}
		j.instruction = strings.TrimSpace(rest)
	}
	if m := answerLangRE.FindStringSubmatch(msg); m != nil {
		j.lang = strings.TrimSpace(m[1])
	}

	// The data section, as a model that takes the first closing tag at its word sees it:
	// from the first <text> to the first </text> after it. The text judged is everything up
	// to the last </text>, which is the template's own.
	outside := msg
	if open := openTagRE.FindStringIndex(msg); open != nil {
		body := msg[open[1]:]
		closes := closeTagRE.FindAllStringIndex(body, -1)
		j.text = body
		outside = msg[:open[0]]
		if len(closes) > 0 {
			j.text = body[:closes[len(closes)-1][0]]
			outside += "\n" + body[closes[0][1]:]
		}
	} else if i := strings.Index(msg, judgeAnswerHeader); i >= 0 {
		j.text = msg[i:] // no delimiters: everything is outside
		if nl := strings.IndexByte(j.text, '\n'); nl >= 0 {
			j.text = j.text[nl+1:]
		}
	} else {
		j.text = msg
	}
	j.text = strings.TrimSpace(j.text)
	j.escaped = injectionRE.MatchString(outside)
	j.key = sha256.Sum256([]byte("fakellm judge\x00" + j.instruction + "\x00" + j.text))
	return j, true
}

// judgeGenerator answers a judge request. root is the json_schema's schema, when format is
// "json_schema".
func (s *Server) judgeGenerator(j judgeSample, format string, root map[string]any) generator {
	o := s.opts
	return func(k hashKey, i int, _ map[string]bool) string {
		label, why := j.label(o.JudgeLabels, i), ""
		switch {
		case o.Gullible && j.escaped:
			label, why = "good", gullibleWhy
		case j.attempt == 0 && unit(j.key.sub("malformed", i)) < o.JudgeMalformedRate,
			j.attempt > 0 && unit(j.key.sub("reask", j.attempt, i)) < o.JudgeMalformedAfterReask:
			return malformedAnswers[j.key.sub("malformed text", j.attempt, i)%uint64(len(malformedAnswers))]
		default:
			why = j.rationale(label, i)
		}
		switch format {
		case "json_schema":
			return schemaJudgeAnswer(root, k, i, label, why)
		case "json_object":
			return judgeJSON(label, why)
		}
		if j.attempt > 0 { // the re-ask asks for JSON only
			return judgeJSON(label, why)
		}
		style := o.JudgeStyle
		if style == JudgeMixed {
			style = []JudgeStyle{JudgeJSON, JudgeFenced, JudgeProse}[j.key.sub("style", i)%3]
		}
		switch style {
		case JudgeFenced:
			return "```json\n" + judgeJSON(label, why) + "\n```"
		case JudgeProse:
			return "Label: " + label + ". " + why
		}
		return judgeJSON(label, why)
	}
}

// label draws choice i's label from w by the hash of (instruction, text).
func (j judgeSample) label(w LabelWeights, i int) string {
	ws := [3]float64{w.Good, w.Flawed, w.Bad}
	total := ws[0] + ws[1] + ws[2]
	x := unit(j.key.sub("label", i)) * total
	for n, wt := range ws {
		if x < wt {
			return judgeLabels[n]
		}
		x -= wt
	}
	for n := 2; n >= 0; n-- { // rounding at the top end: the last label with weight
		if ws[n] > 0 {
			return judgeLabels[n]
		}
	}
	return judgeLabels[0]
}

// rationale returns one sentence for label, naming the sample's language when known; it
// contains no label word.
func (j judgeSample) rationale(label string, i int) string {
	bank := rationaleBank[label]
	r := bank[j.key.sub("rationale", i)%uint64(len(bank))]
	l := ""
	if j.lang != "" {
		l = j.lang + " "
	}
	return strings.ReplaceAll(r, "{L}", l)
}

func judgeJSON(label, rationale string) string {
	b, err := json.Marshal(struct {
		Label     string `json:"label"`
		Rationale string `json:"rationale"`
	}{label, rationale})
	if err != nil {
		panic(err) // strings only
	}
	return string(b)
}

// schemaJudgeAnswer fills root as schemaGenerator does, then puts label and rationale in the
// top-level "label" and "rationale" properties where root declares them and allows the value.
// So the answer conforms to any schema, and carries the drawn label under the judge schema.
func schemaJudgeAnswer(root map[string]any, k hashKey, i int, label, rationale string) string {
	g := &schemaGen{root: root, k: k, choice: i}
	v := g.value(root, "$", 0)
	if obj, ok := v.(map[string]any); ok {
		props, _ := root["properties"].(map[string]any)
		for name, val := range map[string]string{"label": label, "rationale": rationale} {
			if ps, ok := props[name]; ok && g.allows(ps, val, 0) {
				obj[name] = val
			}
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // built from JSON values
	}
	return string(b)
}

// allows reports whether the string v surely conforms to schema.
func (g *schemaGen) allows(schema any, v string, depth int) bool {
	s, ok := schema.(map[string]any)
	if !ok {
		b, isBool := schema.(bool)
		return isBool && b
	}
	if ref, ok := s["$ref"].(string); ok {
		return depth < deep && g.allows(g.resolve(ref), v, depth+1)
	}
	if c, ok := s["const"]; ok && c != v {
		return false
	}
	if e, ok := s["enum"].([]any); ok {
		found := false
		for _, x := range e {
			found = found || x == v
		}
		if !found {
			return false
		}
	}
	for _, kw := range []string{"anyOf", "oneOf", "allOf", "not", "pattern", "format"} {
		if _, ok := s[kw]; ok {
			return false // not worth modelling: keep the generated value
		}
	}
	if schemaType(s) != "string" {
		return false
	}
	n := len([]rune(v))
	if mn, ok := intKeyword(s, "minLength"); ok && n < mn {
		return false
	}
	if mx, ok := intKeyword(s, "maxLength"); ok && n > mx {
		return false
	}
	return true
}

// rewriteGenerator answers a rewrite request with a placeholder instruction other than old.
func rewriteGenerator(p prompt, old string) generator {
	inner := instructionGenerator(p)
	return func(k hashKey, i int, seen map[string]bool) string {
		avoid := maps.Clone(seen)
		if avoid == nil {
			avoid = map[string]bool{}
		}
		avoid[old] = true
		return inner(k, i, avoid)
	}
}
