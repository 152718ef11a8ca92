// Package recordio defines the JSONL shapes in which documents and dead letters are
// written, and the transforms that format them for shardio.
package recordio

import (
	"encoding/json"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
)

func init() {
	register.DoFn2x1[record.Doc, func(string, []byte), error](&formatDocFn{})
	register.DoFn2x1[record.Rejected, func(string, []byte), error](&formatRejectedFn{})
	register.DoFn2x1[record.Pair, func(string, []byte), error](&formatPairFn{})
	register.Emitter2[string, []byte]()
}

// CleanDoc is one line of <output>/clean/<lang>/*.jsonl.
type CleanDoc struct {
	ID             string          `json:"id"`
	Lang           string          `json:"lang"`
	Text           string          `json:"text"`
	URL            string          `json:"url,omitempty"`
	Source         string          `json:"source"`
	Line           int64           `json:"line"`
	LangConfidence float64         `json:"lang_confidence"`
	Meta           json.RawMessage `json:"meta,omitempty"`
}

// RejectedLine is one line of <output>/rejected/<stage>/*.jsonl.
type RejectedLine struct {
	Reason string `json:"reason"`
	Stage  string `json:"stage"`
	Source string `json:"source"`
	Line   int64  `json:"line"`
	ID     string `json:"id,omitempty"`
	Detail string `json:"detail,omitempty"`
	Record string `json:"record"`
}

// FormatDocs turns PCollection<record.Doc> into PCollection<KV<string, []byte>>: one
// CleanDoc JSON line per document, keyed by its directory dir+"/"+lang.
func FormatDocs(s beam.Scope, dir string, docs beam.PCollection) beam.PCollection {
	s = s.Scope("recordio.FormatDocs")
	return beam.ParDo(s, &formatDocFn{Dir: dir}, docs)
}

// FormatRejected turns PCollection<record.Rejected> into PCollection<KV<string, []byte>>:
// one RejectedLine JSON line per dead letter, keyed by its directory "rejected/"+stage.
func FormatRejected(s beam.Scope, rejected beam.PCollection) beam.PCollection {
	s = s.Scope("recordio.FormatRejected")
	return beam.ParDo(s, &formatRejectedFn{}, rejected)
}

// formatDocFn turns a kept document into its output line, keyed by directory.
type formatDocFn struct{ Dir string }

func (fn *formatDocFn) ProcessElement(d record.Doc, emit func(string, []byte)) error {
	line, err := json.Marshal(CleanDoc{ID: d.ID, Lang: d.Lang, Text: d.Text, URL: d.URL, Source: d.Source, Line: d.Line,
		LangConfidence: d.LangConfidence, Meta: json.RawMessage(d.Meta)})
	if err != nil {
		return err
	}
	emit(fn.Dir+"/"+d.Lang, line)
	return nil
}

// formatRejectedFn turns a dead letter into its output line, keyed by directory.
type formatRejectedFn struct{}

func (*formatRejectedFn) ProcessElement(r record.Rejected, emit func(string, []byte)) error {
	line, err := json.Marshal(RejectedLine{Reason: r.Reason, Stage: r.Stage, Source: r.Source, Line: r.Line, ID: r.ID, Detail: r.Detail, Record: r.Record})
	if err != nil {
		return err
	}
	emit("rejected/"+r.Stage, line)
	return nil
}

// PairLine is one line of <output>/pairs/<lang>/*.jsonl.
type PairLine struct {
	ID               string `json:"id"`
	DocID            string `json:"doc_id"`
	Lang             string `json:"lang"`
	Instruction      string `json:"instruction"`
	Output           string `json:"output"`
	Generator        string `json:"generator"`
	Template         string `json:"template"`
	Candidate        int    `json:"candidate"`
	PromptTokens     int    `json:"prompt_tokens"`
	CompletionTokens int    `json:"completion_tokens"`
	Source           string `json:"source"`
	Line             int64  `json:"line"`
	// Placeholder marks instructions written by the project's offline stand-in model:
	// placeholder text, not model output.
	Placeholder bool `json:"placeholder,omitempty"`
	// History is the pair's refinement: one judge verdict per round.
	History []record.Judgement `json:"history,omitempty"`
}

// FormatPairs turns PCollection<record.Pair> into PCollection<KV<string, []byte>>: one
// PairLine JSON line per pair, keyed by its directory dir+"/"+lang.
func FormatPairs(s beam.Scope, dir string, pairs beam.PCollection) beam.PCollection {
	s = s.Scope("recordio.FormatPairs")
	return beam.ParDo(s, &formatPairFn{Dir: dir}, pairs)
}

type formatPairFn struct{ Dir string }

func (fn *formatPairFn) ProcessElement(p record.Pair, emit func(string, []byte)) error {
	line, err := json.Marshal(PairLine{ID: p.ID, DocID: p.DocID, Lang: p.Lang, Instruction: p.Instruction, Output: p.Output,
		Generator: p.Generator, Template: p.Template, Candidate: p.Candidate, PromptTokens: p.PromptTokens,
		CompletionTokens: p.CompletionTokens, Source: p.Source, Line: p.Line, Placeholder: p.Placeholder, History: p.History})
	if err != nil {
		return err
	}
	emit(fn.Dir+"/"+p.Lang, line)
	return nil
}
