// Package prompts holds the pipeline's prompt templates. Each is a file embedded in the
// binary with an id and a version in its header; the version is part of every response
// store key, so changing a template's text without bumping its version would serve
// stale answers, and the golden tests pin the rendered text to catch exactly that.
//
// A template file is a header ("id: ...", "version: N", "---") followed by text/template
// definitions: "user" (the user message), "system" (the system message; a follow-up
// template such as a corrective re-ask has none) and, for templates that take few-shot
// examples, "example" (an example's user turn; its answer is the example's instruction).
package prompts

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"text/template"

	"github.com/xinstruct/xinstruct/io/llm"
)

//go:embed templates/*.tmpl
var files embed.FS

// Template is one prompt template.
type Template struct {
	ID      string
	Version int
	tmpl    *template.Template
}

// Ref is the template's id@version, as stored with every answer made from it.
func (t *Template) Ref() string { return t.ID + "@" + strconv.Itoa(t.Version) }

// Load returns the template with the given id.
func Load(id string) (*Template, error) {
	b, err := fs.ReadFile(files, "templates/"+id+".tmpl")
	if err != nil {
		return nil, fmt.Errorf("prompts: no template %q", id)
	}
	return parse(id, string(b))
}

// MustLoad is Load for templates known at build time; it panics on error.
func MustLoad(id string) *Template {
	t, err := Load(id)
	if err != nil {
		panic(err)
	}
	return t
}

// Parse reads a template from its source (header and definitions, as the embedded files
// are written) in place of the embedded one of that id: a prompt's new version tried
// before it is embedded. Its header must name id; its version is the one its answers are
// stored under, so a new text needs a new version, or the store serves the old text's
// answers.
func Parse(id, src string) (*Template, error) { return parse(id, src) }

func parse(id, src string) (*Template, error) {
	header, body, ok := strings.Cut(src, "\n---\n")
	if !ok {
		return nil, fmt.Errorf("prompts: %s: no header", id)
	}
	t := &Template{}
	for _, line := range strings.Split(header, "\n") {
		k, v, _ := strings.Cut(line, ":")
		switch strings.TrimSpace(k) {
		case "id":
			t.ID = strings.TrimSpace(v)
		case "version":
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 1 {
				return nil, fmt.Errorf("prompts: %s: bad version %q", id, v)
			}
			t.Version = n
		}
	}
	if t.ID != id || t.Version == 0 {
		return nil, fmt.Errorf("prompts: %s: header names id %q version %d", id, t.ID, t.Version)
	}
	tmpl, err := template.New(id).Option("missingkey=error").Parse(body)
	if err != nil {
		return nil, fmt.Errorf("prompts: %s: %v", id, err)
	}
	if tmpl.Lookup("user") == nil {
		return nil, fmt.Errorf("prompts: %s: no \"user\" definition", id)
	}
	t.tmpl = tmpl
	return t, nil
}

// Example is a few-shot example: an output and the instruction it answers.
type Example struct {
	Instruction string
	Output      string
	LangName    string
}

// Render returns the chat messages for data: the system message, then for each example
// a user turn (rendered by "example") and the example's instruction as the assistant's
// turn, then the user message. data must have the fields the template uses.
func (t *Template) Render(data any, examples []Example) ([]llm.Message, error) {
	var msgs []llm.Message
	if t.tmpl.Lookup("system") != nil {
		system, err := t.exec("system", data)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, llm.Message{Role: "system", Content: system})
	}
	for _, ex := range examples {
		user, err := t.exec("example", ex)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, llm.Message{Role: "user", Content: user}, llm.Message{Role: "assistant", Content: ex.Instruction})
	}
	user, err := t.exec("user", data)
	if err != nil {
		return nil, err
	}
	return append(msgs, llm.Message{Role: "user", Content: user}), nil
}

func (t *Template) exec(name string, data any) (string, error) {
	if t.tmpl.Lookup(name) == nil {
		return "", fmt.Errorf("prompts: %s has no %q definition", t.Ref(), name)
	}
	var b bytes.Buffer
	if err := t.tmpl.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("prompts: %s: %v", t.Ref(), err)
	}
	return b.String(), nil
}

// Untrusted makes corpus text safe to place between <text> and </text>: a text that
// contains the closing tag cannot end the data section early and smuggle in what follows
// as instructions.
func Untrusted(s string) string {
	r := strings.NewReplacer("</text>", "</ text>", "<text>", "< text>")
	return r.Replace(s)
}

// LanguageName returns the English name of an ISO 639-1 code, or the code itself.
func LanguageName(code string) string {
	if n, ok := languageNames[code]; ok {
		return n
	}
	return code
}

var languageNames = map[string]string{
	"fi": "Finnish", "id": "Indonesian", "th": "Thai", "tr": "Turkish", "vi": "Vietnamese",
	"bn": "Bengali", "hi": "Hindi", "sw": "Swahili", "ta": "Tamil", "ur": "Urdu", "en": "English",
}
