package evalio

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"reflect"
	"slices"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local" // local globs, on the launcher and the workers

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/io/docio"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*Question)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*Answer)(nil)).Elem())
	register.DoFn3x1[context.Context, []byte, func(string), error](&matchFn{})
	register.DoFn4x1[context.Context, string, func(Question), func(record.Rejected), error](&readQuestionsFn{})
	register.DoFn4x1[context.Context, string, func(Answer), func(record.Rejected), error](&readAnswersFn{})
	register.Emitter1[string]()
	register.Emitter1[Question]()
	register.Emitter1[Answer]()
	register.Emitter1[record.Rejected]()
}

// Stages of the dead letters Read* give.
const (
	StageQuestions = "questions"
	StageImports   = "imports"
)

// maxLine bounds a line: an eval question or answer is far smaller.
const maxLine = 16 << 20

// ReadQuestions reads the question files globs match (local or any registered
// filesystem, when the pipeline runs) and returns PCollection<Question> and the dead
// letters of lines that are not questions (PCollection<record.Rejected>, stage
// "questions"). A glob that matches no file fails the job.
func ReadQuestions(s beam.Scope, globs []string) (questions, rejected beam.PCollection) {
	s = s.Scope("evalio.ReadQuestions")
	return beam.ParDo2(s, &readQuestionsFn{}, files(s, globs))
}

// ReadAnswers reads --answers files as ReadQuestions reads questions: it returns
// PCollection<Answer> (Imported set) and dead letters of stage "imports".
func ReadAnswers(s beam.Scope, globs []string) (answers, rejected beam.PCollection) {
	s = s.Scope("evalio.ReadAnswers")
	return beam.ParDo2(s, &readAnswersFn{}, files(s, globs))
}

func files(s beam.Scope, globs []string) beam.PCollection {
	if len(globs) == 0 {
		panic("evalio: no globs")
	}
	for _, g := range globs {
		filesystem.ValidateScheme(g)
	}
	return beam.Reshuffle(s, beam.ParDo(s, &matchFn{Globs: globs}, beam.Impulse(s)))
}

type matchFn struct{ Globs []string }

func (fn *matchFn) ProcessElement(ctx context.Context, _ []byte, emit func(string)) error {
	paths, err := docio.Match(ctx, fn.Globs)
	if err != nil {
		return err
	}
	for _, p := range paths {
		emit(p)
	}
	return nil
}

type readQuestionsFn struct{}

func (*readQuestionsFn) ProcessElement(ctx context.Context, path string, emit func(Question), reject func(record.Rejected)) error {
	var qs []Question
	err := eachLine(ctx, path, func(n int64, line []byte) {
		q, err := ParseQuestion(line)
		if err != nil {
			pe := asParseError(err)
			reject(record.Rejected{Reason: pe.Reason, Stage: StageQuestions, Source: path, Line: n, Detail: pe.Detail, Record: record.Excerpt(string(line))})
			return
		}
		q.Source, q.Line = path, n
		qs = append(qs, q)
	})
	if err != nil {
		return err
	}
	DetectFileLanguage(qs)
	for _, q := range qs {
		emit(q)
	}
	return nil
}

type readAnswersFn struct{}

func (*readAnswersFn) ProcessElement(ctx context.Context, path string, emit func(Answer), reject func(record.Rejected)) error {
	return eachLine(ctx, path, func(n int64, line []byte) {
		a, err := ParseAnswer(line)
		if err != nil {
			pe := asParseError(err)
			reject(record.Rejected{Reason: pe.Reason, Stage: StageImports, Source: path, Line: n, Detail: pe.Detail, Record: record.Excerpt(string(line))})
			return
		}
		a.Imported, a.Source, a.Line = true, path, n
		emit(a)
	})
}

// eachLine calls f with every non-blank line of the file at path and its 1-based number.
func eachLine(ctx context.Context, path string, f func(n int64, line []byte)) error {
	fsys, err := fsx.Open(ctx, path)
	if err != nil {
		return err
	}
	defer fsys.Close()
	rc, err := fsys.OpenRead(ctx, path)
	if err != nil {
		return fmt.Errorf("evalio: opening %s: %w", path, err)
	}
	defer rc.Close()
	return scanLines(rc, f)
}

func scanLines(r io.Reader, f func(n int64, line []byte)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var n int64
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if len(trimSpace(line)) == 0 {
			continue
		}
		f(n, slices.Clone(line))
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("evalio: line %d: %w", n+1, err)
	}
	return nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// ModelNames returns the distinct models named in the answer files globs match, sorted,
// for a launcher to check --baseline and --models against before it launches anything.
// Lines that do not parse are skipped here; the pipeline dead-letters them.
func ModelNames(ctx context.Context, globs []string) ([]string, error) {
	paths, err := docio.Match(ctx, globs)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, p := range paths {
		if err := eachLine(ctx, p, func(_ int64, line []byte) {
			if a, err := ParseAnswer(line); err == nil {
				seen[a.Model] = true
			}
		}); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}
