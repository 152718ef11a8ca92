package llmtest

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

type message struct{ role, text string }

type prompt struct{ messages []message }

// instructionTemplates are the shapes of a placeholder instruction. {T} is the topic; a
// [bracketed] segment appears only when the prompt names a language, {L}.
var instructionTemplates = []string{
	"Write a short explanation[, in {L},] of {T}.",
	"Describe {T} for a general reader[ in {L}].",
	"What should a beginner know about {T}?[ Answer in {L}.]",
	"Give practical advice about {T}[, written in {L}].",
	"Summarize the main points about {T}[ in {L}], in one or two paragraphs.",
	"Explain why {T} matters to ordinary people[, answering in {L}].",
	"Write a brief news-style report[ in {L}] about {T}.",
	"How would you describe {T} to a curious teenager?[ Please reply in {L}.]",
	"Write a friendly blog post[ in {L}] about {T}.",
	"List the key facts about {T}[ and explain them in {L}].",
	"Can you give an overview of {T}?[ Write your answer in {L}.]",
	"Write an informative paragraph[ in {L}] on {T}.",
	"Explain the background of {T}[ in clear, simple {L}].",
	"Compose a short article[ in {L}] discussing {T}.",
	"What are the most important things to understand about {T}?[ Respond in {L}.]",
	"Write a short guide[ in {L}] that covers {T}.",
	"Describe the advantages and disadvantages of {T}[ in {L}].",
	"Tell me about {T}[ in {L}], with one concrete example.",
	"Write a clear description of {T}[ in {L}] for a local newspaper.",
	"Why do people care about {T}?[ Explain in {L}.]",
}

// genericTopics stand in when the text offers no usable words.
var genericTopics = []string{
	"the history of a small coastal town",
	"healthy eating habits for busy families",
	"how farmers prepare for the rainy season",
	"the benefits of learning a second language",
	"a traditional festival and its customs",
	"ways to save money on household energy",
	"the role of public libraries in a community",
	"how to care for a vegetable garden",
	"the causes and effects of city traffic",
	"staying safe when travelling by bus at night",
	"the importance of clean drinking water",
	"a recent change in school education",
	"how small businesses use mobile phones",
	"the life of a well-known local musician",
	"avoiding seasonal flu",
	"the rules of a popular team sport",
	"protecting forests from illegal logging",
	"cooking a simple family dinner",
	"the advantages of cycling to work",
	"how elections are organised",
	"caring for elderly parents at home",
	"choosing a good first job",
}

// sentences fill strings in structured answers.
var sentences = []string{
	"The answer follows the request closely.",
	"It is clear, complete and written for a general reader.",
	"The response covers the main points in a sensible order.",
	"Some details could be more specific, but the meaning is clear.",
	"The text is fluent and matches what was asked.",
	"It gives one concrete example and a short summary.",
	"The tone is friendly and the facts are plausible.",
	"The structure is simple and easy to follow.",
}

// languageNames are the languages a prompt may name; English is left out on purpose,
// since every prompt mentions it as the language of the instruction.
var languageNames = map[string]string{
	"fi": "Finnish", "id": "Indonesian", "th": "Thai", "tr": "Turkish", "vi": "Vietnamese",
	"bn": "Bengali", "hi": "Hindi", "sw": "Swahili", "ta": "Tamil", "ur": "Urdu",
	"de": "German", "fr": "French", "es": "Spanish", "pt": "Portuguese", "it": "Italian",
	"nl": "Dutch", "pl": "Polish", "ar": "Arabic", "fa": "Persian", "ru": "Russian",
	"zh": "Chinese", "ja": "Japanese", "ko": "Korean",
}

var (
	languageNameRE = func() *regexp.Regexp {
		var names []string
		for _, n := range languageNames {
			names = append(names, n)
		}
		sort.Strings(names)
		return regexp.MustCompile(`\b(` + strings.Join(names, "|") + `)\b`)
	}()
	languageCodeRE = regexp.MustCompile(`(?i)\b(?:lang|language|language[ _]code|locale)\s*[:=]\s*["'(]?([a-z]{2})(?:[-_][a-z]{2})?\b`)
	textTagRE      = regexp.MustCompile(`(?is)<(text|document|passage|response|input)>(.*?)(?:</\s*(?:text|document|passage|response|input)>|\z)`)
	labelRE        = regexp.MustCompile(`(?im)^\s*(?:#+\s*)?(?:text|document|passage|response)\b[^\n]*:\s*$`)
)

// language returns the English name of the language the prompt names outside its text
// section, or "".
func (p prompt) language(section string) string {
	var b strings.Builder
	for _, m := range p.messages {
		b.WriteString(strings.Replace(m.text, section, " ", 1))
		b.WriteString("\n")
	}
	all := b.String()
	if m := languageCodeRE.FindStringSubmatch(all); m != nil {
		if n, ok := languageNames[strings.ToLower(m[1])]; ok {
			return n
		}
	}
	return languageNameRE.FindString(all)
}

// section returns the text the prompt asks about: the content of the last user message's
// <text> element, what follows a "Text:" label line, or its longest paragraph.
func (p prompt) section() string {
	last := ""
	for _, m := range p.messages {
		if m.role == "user" || last == "" {
			last = m.text
		}
	}
	if ms := textTagRE.FindAllStringSubmatch(last, -1); ms != nil {
		return ms[len(ms)-1][2]
	}
	if loc := labelRE.FindAllStringIndex(last, -1); loc != nil {
		return last[loc[len(loc)-1][1]:]
	}
	longest := ""
	for _, para := range strings.Split(last, "\n\n") {
		if len(para) > len(longest) {
			longest = para
		}
	}
	return longest
}

// stopwords are common English (and prompt-framing) words not worth naming as a topic.
var stopwords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`that this with from have were been they their there which what when where
	will would could should about into than then them these those your yours also only such very more most
	some other just like over under after before while because text given passage above below article
	instruction english answer write http https www html`) {
		stopwords[w] = true
	}
}

// keywords returns up to n distinct words of section made of 4 to 14 ASCII letters, not
// all capitals and not English function words, most frequent first (ties: first seen).
func keywords(section string, n int) []string {
	type kw struct {
		w          string
		count, pos int
	}
	found := map[string]*kw{}
	for pos, f := range strings.FieldsFunc(section, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if len(f) < 4 || len(f) > 14 || !isASCIIWord(f) || strings.ToUpper(f) == f {
			continue
		}
		w := strings.ToLower(f)
		if stopwords[w] {
			continue
		}
		if k, ok := found[w]; ok {
			k.count++
		} else {
			found[w] = &kw{w: w, count: 1, pos: pos}
		}
	}
	all := make([]*kw, 0, len(found))
	for _, k := range found {
		all = append(all, k)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].count != all[j].count {
			return all[i].count > all[j].count
		}
		return all[i].pos < all[j].pos
	})
	var out []string
	for i := 0; i < len(all) && i < n; i++ {
		out = append(out, all[i].w)
	}
	return out
}

func isASCIIWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// render fills template t with topic and language (lang "" drops the bracketed segment).
func render(t, topic, lang string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(t, '[')
		if i < 0 {
			b.WriteString(t)
			break
		}
		j := strings.IndexByte(t[i:], ']') + i
		b.WriteString(t[:i])
		if lang != "" {
			b.WriteString(strings.ReplaceAll(t[i+1:j], "{L}", lang))
		}
		t = t[j+1:]
	}
	return strings.ReplaceAll(b.String(), "{T}", topic)
}

// Bounds on a placeholder instruction's length, in bytes (all ASCII).
const (
	minInstruction = 40
	maxInstruction = 200
)

// instructionGenerator answers a generation prompt with a placeholder English instruction.
func instructionGenerator(p prompt) generator {
	section := p.section()
	lang := p.language(section)
	words := keywords(section, 2)
	var wordTopic string
	switch len(words) {
	case 1:
		wordTopic = `the subject of "` + words[0] + `"`
	case 2:
		wordTopic = `the subject of "` + words[0] + `" and "` + words[1] + `"`
	}
	return func(k hashKey, i int, seen map[string]bool) string {
		h := k.sub("instruction")
		nt, ng := uint64(len(instructionTemplates)), uint64(len(genericTopics))
		var s string
		// Each attempt moves to the next template, then to the next topic: n choices differ
		// for n up to len(templates) * (len(topics) + 1).
		for a := uint64(i); ; a++ {
			t := instructionTemplates[(h+a)%nt]
			round := a / nt
			topic := genericTopics[(h/nt+round)%ng]
			if wordTopic != "" && (h>>40)&1 == 0 {
				// the text's own words first, then generic topics
				if round == 0 {
					topic = wordTopic
				} else {
					topic = genericTopics[(h/nt+round-1)%ng]
				}
			}
			s = render(t, topic, lang)
			if len(s) > maxInstruction {
				s = render(t, genericTopics[0], lang)
			}
			if !seen[s] || a > uint64(i)+nt*(ng+1) {
				return s
			}
		}
	}
}

// jsonObjectGenerator answers a json_object request with {"answer": <instruction>}.
func jsonObjectGenerator(p prompt) generator {
	inner, innerSeen := instructionGenerator(p), map[string]bool{}
	return func(k hashKey, i int, _ map[string]bool) string {
		s := inner(k, i, innerSeen)
		innerSeen[s] = true
		b, err := json.Marshal(map[string]string{"answer": s})
		if err != nil {
			panic(err) // a string map always encodes
		}
		return string(b)
	}
}
