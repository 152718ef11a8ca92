// Package answer asks models eval questions: each question in each language it is to be
// asked in (Expand), each model's answers turn by turn (Answer), and the check that an
// answer is in the language it was asked in (Gate).
package answer

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/prompts"
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/io/evalio"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*Ask)(nil)).Elem())
	register.DoFn5x0[evalio.Question, func(string, Ask), func(record.Rejected), func(string, int), func(string, int)](&expandFn{})
	register.DoFn3x0[string, func(*Ask) bool, func(Ask)](&dedupFn{})
	register.Emitter2[string, Ask]()
	register.Emitter1[Ask]()
	register.Emitter2[string, int]()
	register.Iter1[Ask]()
	register.Function3x0(countAsksOut)
}

// Stages of Expand, for the funnel: "questions" counts question lines (in = out +
// rejected + filtered), "asks" the (question, language) asks made of them (in = out +
// filtered).
const (
	StageQuestions = evalio.StageQuestions
	StageAsks      = "asks"
)

// Reasons a question or ask is left out.
const (
	FilteredLanguageNotSelected = "language_not_selected" // a native question in a language not in --languages
	FilteredDuplicateAsk        = "duplicate_ask"         // another question has the same id in the same language
)

// Ask is one question as it is asked in one language.
type Ask struct {
	QuestionID string
	Lang       string
	Category   string
	Turns      []string // the user's turns as sent: an English question's end with the suffix
	Native     bool     // the question was written in Lang (asked as is)
	Reference  []string
	Source     string
	Line       int64
}

// Suffix is what an English question asked in lang ends with: the X-Instruction
// seed's inference prompt ("... Answer in Tamil."). English itself gets none.
func Suffix(lang string) string {
	if lang == "en" {
		return ""
	}
	return "Answer in " + prompts.LanguageName(lang) + "."
}

// Key is an ask's identity: a question in a language.
func (a Ask) Key() string { return a.QuestionID + "\x00" + a.Lang }

// ExpandParams configure Expand.
type ExpandParams struct {
	Languages []string // the languages English questions are asked in; native questions outside them are left out
}

// Expand turns questions into asks. A question with a lang (given, or found for its
// whole file by evalio.DetectFileLanguage: MT-Bench translations carry no lang field) is
// asked as is in that language only, when that language is selected. Any other question is English and is asked in every selected
// language with Suffix. Two asks of the same question id in one language (an English
// question and its translation in one run, or a file given twice) keep one: the native
// one, else the first by file and line. It takes PCollection<evalio.Question> and returns
// PCollection<Ask>, dead letters (PCollection<record.Rejected>, stage "questions") and
// funnel counts (PCollection<KV<string, int>>).
func Expand(s beam.Scope, p ExpandParams, questions beam.PCollection) (asks, rejected, counts beam.PCollection) {
	s = s.Scope("answer.Expand")
	if len(p.Languages) == 0 {
		panic("answer.Expand: no languages")
	}
	keyed, rejected, c1, c2 := beam.ParDo4(s, &expandFn{Languages: p.Languages}, questions)
	kept := beam.ParDo(s, &dedupFn{}, beam.GroupByKey(s, keyed))
	asks, c3 := beam.ParDo2(s, countAsksOut, kept)
	return asks, rejected, beam.Flatten(s, c1, c2, c3)
}

// supported are the languages a question can be asked in.
var supported = []string{"fi", "id", "th", "tr", "vi", "bn", "hi", "sw", "ta", "ur", "en"}

// Supported reports whether lang is a language the eval asks in.
func Supported(lang string) bool { return slices.Contains(supported, lang) }

type expandFn struct{ Languages []string }

// ProcessElement emits the question's asks keyed by Key, its dead letter, the questions
// stage's counts (first counter) and the asks stage's in-counts (second).
func (fn *expandFn) ProcessElement(q evalio.Question, emit func(string, Ask), reject func(record.Rejected), qCounts, askCounts func(string, int)) {
	lang, native := q.Lang, q.Lang != ""
	qCounts(funnel.In(StageQuestions, orUnknown(lang)).String(), 1)
	if native && !Supported(lang) {
		reject(record.Rejected{Reason: evalio.ReasonUnsupported, Stage: StageQuestions, Source: q.Source, Line: q.Line, ID: q.ID,
			Detail: fmt.Sprintf("the question is in %q; the eval asks in %s", lang, strings.Join(supported, ", ")), Record: record.Excerpt(q.Turns[0])})
		return
	}
	if native && !slices.Contains(fn.Languages, lang) {
		qCounts(funnel.Filtered(StageQuestions, FilteredLanguageNotSelected).String(), 1)
		return
	}
	qCounts(funnel.Out(StageQuestions, orUnknown(lang)).String(), 1)
	if q.DroppedTurns > 0 {
		qCounts(funnel.Yield(StageQuestions, orUnknown(lang), "dropped_empty_turns").String(), q.DroppedTurns)
	}
	langs := fn.Languages
	if native {
		langs = []string{lang}
	}
	for _, l := range langs {
		a := Ask{QuestionID: q.ID, Lang: l, Category: q.Category, Native: native, Reference: q.Reference, Source: q.Source, Line: q.Line}
		for _, t := range q.Turns {
			if sfx := Suffix(l); !native && sfx != "" {
				t = strings.TrimRight(t, " \t\r\n") + " " + sfx
			}
			a.Turns = append(a.Turns, t)
		}
		askCounts(funnel.In(StageAsks, l).String(), 1)
		emit(a.Key(), a)
	}
}

func orUnknown(lang string) string {
	if lang == "" {
		return "en"
	}
	return lang
}

// dedupFn keeps one ask per key: the native one, else the first by source and line.
type dedupFn struct{}

func (*dedupFn) ProcessElement(_ string, asks func(*Ask) bool, emit func(Ask)) {
	var all []Ask
	var a Ask
	for asks(&a) {
		all = append(all, a)
	}
	slices.SortFunc(all, func(x, y Ask) int {
		if x.Native != y.Native {
			if x.Native {
				return -1
			}
			return 1
		}
		if c := strings.Compare(x.Source, y.Source); c != 0 {
			return c
		}
		return int(x.Line - y.Line)
	})
	for i, a := range all {
		if i == 0 {
			emit(a)
		} else {
			a.Turns = nil // a marker: filtered as a duplicate (countAsksOut drops it)
			emit(a)
		}
	}
}

// countAsksOut passes kept asks on and counts them, and counts the duplicates dedupFn
// marked.
func countAsksOut(a Ask, emit func(Ask), counts func(string, int)) {
	if a.Turns == nil {
		counts(funnel.Filtered(StageAsks, FilteredDuplicateAsk).String(), 1)
		return
	}
	counts(funnel.Out(StageAsks, a.Lang).String(), 1)
	emit(a)
}
