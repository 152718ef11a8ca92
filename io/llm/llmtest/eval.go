package llmtest

import (
	"crypto/sha256"
	"encoding/json"
	"math"
	"math/rand/v2"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xinstruct/xinstruct/internal/langid"
)

// The evaluation pipeline's prompts (internal/prompts: eval_answer, eval_judge_*,
// eval_reask); see "Evaluation requests" in the package documentation.

// evalLanguages maps the names an answer prompt's "Answer in <Name>." suffix may use to
// their ISO 639-1 codes.
var evalLanguages = map[string]string{
	"Finnish": "fi", "Indonesian": "id", "Thai": "th", "Turkish": "tr", "Vietnamese": "vi",
	"Bengali": "bn", "Hindi": "hi", "Swahili": "sw", "Tamil": "ta", "Urdu": "ur", "English": "en",
}

var (
	answerSuffixRE = func() *regexp.Regexp {
		names := make([]string, 0, len(evalLanguages))
		for n := range evalLanguages {
			names = append(names, n)
		}
		sort.Strings(names)
		return regexp.MustCompile(`Answer in (` + strings.Join(names, "|") + `)\.\s*\z`)
	}()
	// qualityRE matches the marker an answer ends with; the number is a %g of [0, 10].
	qualityRE = regexp.MustCompile(`\(placeholder answer, quality ([0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?)\)`)
	// evalOpenRE matches the opening tag of side A's data section, giving kind and nonce.
	evalOpenRE = regexp.MustCompile(`<(answer|conversation)_a id="([^"\n]*)">`)
)

// DefaultAnswerChars is the typical length of an evaluated model's answer when
// Answerer.Chars is zero.
const DefaultAnswerChars = 300

// answerer returns the evaluated model's settings: Options.Answerers[model], or
// DefaultAnswerer.
func (s *Server) answerer(model string) Answerer {
	if a, ok := s.opts.Answerers[model]; ok {
		return a
	}
	return DefaultAnswerer
}

// qualityMarker is the end of an evaluated model's placeholder answer.
func qualityMarker(q float64) string {
	return " (placeholder answer, quality " + strconv.FormatFloat(q, 'g', -1, 64) + ")"
}

// evalAnswerOf reports whether p is an evaluation answer request, and if so its target
// language (an ISO 639-1 code).
func (s *Server) evalAnswerOf(p prompt, model string) (lang string, ok bool) {
	i := p.lastUser()
	if i < 0 {
		return "", false
	}
	text := p.messages[i].text
	if m := answerSuffixRE.FindStringSubmatch(text); m != nil {
		return evalLanguages[m[1]], true
	}
	if _, known := s.opts.Answerers[model]; !known {
		return "", false
	}
	lang = langid.Default().Detect(text).Lang
	if lang == "" {
		lang = "en"
	}
	return lang, true
}

// evalAnswerGenerator answers as the evaluated model a, in lang (or, by the wrong-language
// draw, in English).
func evalAnswerGenerator(a Answerer, lang string) generator {
	return func(k hashKey, i int, _ map[string]bool) string {
		q := a.Quality
		bankLang := lang
		if _, ok := answerBank[bankLang]; !ok {
			bankLang = "en" // a language the bank lacks: English stands in, as the right language
		}
		if unit(k.sub("wrong language", i)) < a.WrongLanguageRate {
			q = 0
			bankLang = "en"
			if lang == "en" { // wrong for an English question: another language of the bank
				others := bankLanguages()
				others = others[1:] // bankLanguages puts "en" first
				bankLang = others[k.sub("wrong language name", i)%uint64(len(others))]
			}
		}
		target := a.Chars
		if target == 0 {
			target = DefaultAnswerChars
		}
		return composeAnswer(answerBank[bankLang], target, k.sub("answer", i)) + qualityMarker(q)
	}
}

// bankLanguages returns the answer bank's languages, "en" first, the rest sorted.
func bankLanguages() []string {
	out := []string{"en"}
	for l := range answerBank {
		if l != "en" {
			out = append(out, l)
		}
	}
	sort.Strings(out[1:])
	return out
}

// composeAnswer joins sentences of bank, in an order drawn from seed (each sentence once
// before any repeats), to a length in runes as near target as whole sentences allow; at
// least one sentence.
func composeAnswer(bank []string, target int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	var b strings.Builder
	n := 0
	for round := 0; ; round++ {
		for _, j := range r.Perm(len(bank)) {
			s := bank[j]
			add := utf8.RuneCountInString(s)
			if n > 0 {
				add++ // the space
			}
			if n > 0 && abs(n+add-target) >= abs(n-target) {
				return b.String()
			}
			if n > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(s)
			n += add
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// An evalFormat is the verdict format of an evaluation judge request.
type evalFormat string

const (
	evalXInstruction evalFormat = "xinstruction" // <score1>N</score1> <score2>N</score2>
	evalPairwise     evalFormat = "pairwise"     // [[A]], [[B]], [[C]]
	evalArena        evalFormat = "arena"        // [[A>>B]] ... [[B>>A]]
)

// formatOf reads the verdict format from a system message's (or instruction's) text, or "".
func formatOf(text string) evalFormat {
	switch {
	case strings.Contains(text, "<score1>"):
		return evalXInstruction
	case strings.Contains(text, "[[A>>B]]"):
		return evalArena
	case strings.Contains(text, "[[C]]"):
		return evalPairwise
	}
	return ""
}

// evalComparison is what an evaluation judge request asks about.
type evalComparison struct {
	format       evalFormat // "" when neither the system message nor the instruction says
	answerA      string     // the judged answers: a section's text, or in a conversation what follows its last "### Assistant X:"
	answerB      string
	qualityA     float64 // from the last quality marker in each judged answer; 5 without one
	qualityB     float64
	attempt      int // assistant turns after the data message: 0 on the first ask
	key          hashKey
	diffAtLeast3 bool
}

// evalJudgeOf reports whether p is an evaluation judge request: a user message holds
// `<answer_a id="` or `<conversation_a id="`.
func evalJudgeOf(p prompt, model string) (evalComparison, bool) {
	data := -1
	for i, m := range p.messages {
		if m.role == "user" && (strings.Contains(m.text, `<answer_a id="`) || strings.Contains(m.text, `<conversation_a id="`)) {
			data = i
		}
	}
	if data < 0 {
		return evalComparison{}, false
	}
	var c evalComparison
	msg := p.messages[data].text
	for _, m := range p.messages[:data] {
		if (m.role == "system" || m.role == "developer") && c.format == "" {
			c.format = formatOf(m.text)
		}
	}
	for _, m := range p.messages[data+1:] {
		if m.role == "assistant" {
			c.attempt++
		}
	}
	kind, nonce := "answer", ""
	if m := evalOpenRE.FindStringSubmatch(msg); m != nil {
		kind, nonce = m[1], m[2]
	}
	var endB int
	c.answerA, _ = evalSection(msg, kind, "a", nonce)
	c.answerB, endB = evalSection(msg, kind, "b", nonce)
	if c.format == "" && endB >= 0 { // no system message says: the instruction after the data may
		c.format = formatOf(msg[endB:])
	}
	if kind == "conversation" {
		c.answerA = lastTurn(c.answerA, "### Assistant A:")
		c.answerB = lastTurn(c.answerB, "### Assistant B:")
	}
	c.qualityA, c.qualityB = answerQuality(c.answerA), answerQuality(c.answerB)
	c.diffAtLeast3 = math.Abs(c.qualityA-c.qualityB) >= 3

	h := sha256.New()
	h.Write([]byte("fakellm eval judge\x00" + model))
	for _, m := range p.messages[:data+1] {
		h.Write([]byte("\x00" + m.role + "\x00" + m.text))
	}
	copy(c.key[:], h.Sum(nil))
	return c, true
}

// evalSection returns the text of side's data section, between the last opening tag
// `<kind_side id="nonce">` and the first closing tag `</kind_side id="nonce">` after it
// (or the end of msg), trimmed, and the index in msg just past the closing tag (-1 when
// there is none).
func evalSection(msg, kind, side, nonce string) (string, int) {
	open := "<" + kind + "_" + side + ` id="` + nonce + `">`
	closing := "</" + kind + "_" + side + ` id="` + nonce + `">`
	i := strings.LastIndex(msg, open)
	if i < 0 {
		return "", -1
	}
	body := msg[i+len(open):]
	j := strings.Index(body, closing)
	if j < 0 {
		return strings.TrimSpace(body), -1
	}
	return strings.TrimSpace(body[:j]), i + len(open) + j + len(closing)
}

// lastTurn returns what follows the last header in a conversation, trimmed.
func lastTurn(conv, header string) string {
	if i := strings.LastIndex(conv, header); i >= 0 {
		return strings.TrimSpace(conv[i+len(header):])
	}
	return conv
}

// answerQuality reads the last quality marker in an answer; 5 without one.
func answerQuality(answer string) float64 {
	ms := qualityRE.FindAllStringSubmatch(answer, -1)
	if ms == nil {
		return 5
	}
	q, err := strconv.ParseFloat(ms[len(ms)-1][1], 64)
	if err != nil {
		return 5
	}
	return q
}

// An evalOutcome is a judge's decision.
type evalOutcome int

const (
	outcomeTie evalOutcome = iota
	outcomeA
	outcomeB
)

// decide draws choice i's decision: see "Evaluation requests" in the package documentation.
func (c evalComparison) decide(j EvalJudge, i int) evalOutcome {
	if unit(c.key.sub("position", i)) < j.PositionBias {
		return outcomeA
	}
	if c.qualityA == c.qualityB {
		return outcomeTie
	}
	better, worse := outcomeA, outcomeB
	if c.qualityB > c.qualityA {
		better, worse = outcomeB, outcomeA
	}
	if unit(c.key.sub("accuracy", i)) < j.Accuracy {
		return better
	}
	return worse
}

// verdicts returns the verdict in each format's words: the pairwise letter, the arena
// relation (without brackets) and the two scores.
func (c evalComparison) verdicts(o evalOutcome) (letter, arena string, score1, score2 int) {
	rel := ">"
	if c.diffAtLeast3 {
		rel = ">>"
	}
	switch o {
	case outcomeA:
		return "A", "A" + rel + "B", 8, 5
	case outcomeB:
		return "B", "B" + rel + "A", 5, 8
	}
	return "C", "A=B", 6, 6
}

var (
	evalExplanations = map[evalOutcome][]string{
		outcomeA: {
			"Assistant A answers the question more directly and more completely than Assistant B.",
			"Assistant A's answer is clearer and more helpful, while Assistant B's answer is weaker on relevance and detail.",
			"Both answers address the question, but Assistant A's is more accurate and better suited to the user. Assistant B's answer leaves out useful points.",
		},
		outcomeB: {
			"Assistant B answers the question more directly and more completely than Assistant A.",
			"Assistant B's answer is clearer and more helpful, while Assistant A's answer is weaker on relevance and detail.",
			"Both answers address the question, but Assistant B's is more accurate and better suited to the user. Assistant A's answer leaves out useful points.",
		},
		outcomeTie: {
			"Both answers are of similar quality, and neither is clearly more helpful than the other.",
			"The two answers cover the question about equally well. Each has small strengths and weaknesses.",
			"Assistant A and Assistant B give comparable answers in content, accuracy and detail.",
		},
	}
	// evalMalformed carry no verdict token, so no parser can read a verdict from them.
	evalMalformed = []string{
		"I need to look at these two answers more closely before I can compare them.",
		"Both answers have some merit, and the comparison depends on what the user values most.",
		"The answers take different approaches to the question, and I would want more context before deciding.",
		"It is hard to compare these responses without knowing more about the user's needs.",
	}
)

// evalJudgeGenerator answers an evaluation judge request. root is the json_schema's schema,
// when format is "json_schema".
func (s *Server) evalJudgeGenerator(c evalComparison, format string, root map[string]any) generator {
	j := s.opts.EvalJudge
	return func(k hashKey, i int, _ map[string]bool) string {
		if c.attempt == 0 && unit(c.key.sub("malformed", i)) < s.opts.JudgeMalformedRate ||
			c.attempt > 0 && unit(c.key.sub("reask", c.attempt, i)) < s.opts.JudgeMalformedAfterReask {
			return evalMalformed[c.key.sub("malformed text", c.attempt, i)%uint64(len(evalMalformed))]
		}
		o := c.decide(j, i)
		bank := evalExplanations[o]
		why := bank[c.key.sub("explanation", i)%uint64(len(bank))]
		letter, arena, s1, s2 := c.verdicts(o)
		f := c.format
		switch format {
		case "json_schema":
			return schemaEvalAnswer(root, k, i, f, why, letter, arena, s1, s2)
		case "json_object":
			return evalJSON(f, why, letter, arena, s1, s2)
		}
		var verdict string
		switch f {
		case evalXInstruction:
			verdict = "<score1>" + strconv.Itoa(s1) + "</score1> <score2>" + strconv.Itoa(s2) + "</score2>"
		case evalArena:
			verdict = "My final verdict is: [[" + arena + "]]"
		default:
			verdict = "My final verdict is: [[" + letter + "]]"
		}
		out := why + "\n\n" + verdict
		if j.Echo {
			out += "\n\nFor reference, Assistant A's answer ended: \"" + tail(c.answerA, echoChars) +
				"\"\nFor reference, Assistant B's answer ended: \"" + tail(c.answerB, echoChars) + "\""
		}
		return out
	}
}

// echoChars is how much of each answer's end EvalJudge.Echo quotes.
const echoChars = 80

// tail returns the last n runes of s, on one line.
func tail(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return "..." + strings.TrimLeft(string(r[len(r)-n:]), " ")
}

// evalJSON is the structured answer of format f (pairwise when unknown) as plain JSON.
func evalJSON(f evalFormat, why, letter, arena string, s1, s2 int) string {
	var v any
	switch f {
	case evalXInstruction:
		v = struct {
			Explanation string `json:"explanation"`
			Score1      int    `json:"score1"`
			Score2      int    `json:"score2"`
		}{why, s1, s2}
	case evalArena:
		v = struct {
			Explanation string `json:"explanation"`
			Verdict     string `json:"verdict"`
		}{why, arena}
	default:
		v = struct {
			Explanation string `json:"explanation"`
			Verdict     string `json:"verdict"`
		}{why, letter}
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // strings and ints only
	}
	return string(b)
}

// schemaEvalAnswer fills root as schemaGenerator does, then puts the decision in the
// top-level properties "explanation", "verdict", "score1" and "score2" where root declares
// them and allows the value. The verdict is the format's own word (pairwise letter, arena
// relation) if the schema allows it, else whichever of the two it allows.
func schemaEvalAnswer(root map[string]any, k hashKey, i int, f evalFormat, why, letter, arena string, s1, s2 int) string {
	g := &schemaGen{root: root, k: k, choice: i}
	v := g.value(root, "$", 0)
	if obj, ok := v.(map[string]any); ok {
		props, _ := root["properties"].(map[string]any)
		if ps, ok := props["explanation"]; ok && g.allows(ps, why, 0) {
			obj["explanation"] = why
		}
		if ps, ok := props["verdict"]; ok {
			words := []string{letter, arena}
			if f == evalArena {
				words = []string{arena, letter}
			}
			for _, w := range words {
				if g.allows(ps, w, 0) {
					obj["verdict"] = w
					break
				}
			}
		}
		for name, n := range map[string]int{"score1": s1, "score2": s2} {
			if ps, ok := props[name]; ok && g.allowsInt(ps, n, 0) {
				obj[name] = n
			}
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // built from JSON values
	}
	return string(b)
}

// allowsInt reports whether the integer v surely conforms to schema.
func (g *schemaGen) allowsInt(schema any, v int, depth int) bool {
	s, ok := schema.(map[string]any)
	if !ok {
		b, isBool := schema.(bool)
		return isBool && b
	}
	if ref, ok := s["$ref"].(string); ok {
		return depth < deep && g.allowsInt(g.resolve(ref), v, depth+1)
	}
	x := float64(v)
	if c, ok := s["const"]; ok && c != x {
		return false
	}
	if e, ok := s["enum"].([]any); ok {
		found := false
		for _, y := range e {
			found = found || y == x
		}
		if !found {
			return false
		}
	}
	for _, kw := range []string{"anyOf", "oneOf", "allOf", "not", "multipleOf"} {
		if _, ok := s[kw]; ok {
			return false // not worth modelling: keep the generated value
		}
	}
	if t := schemaType(s); t != "integer" && t != "number" {
		return false
	}
	lo, hi, hasLo, hasHi, exLo, exHi := bounds(s)
	switch {
	case hasLo && (x < lo || exLo && x == lo), hasHi && (x > hi || exHi && x == hi):
		return false
	}
	return true
}
