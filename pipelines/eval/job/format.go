package job

import (
	"encoding/json"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/io/evalio"
	"github.com/xinstruct/xinstruct/transforms/funnel"
	"github.com/xinstruct/xinstruct/transforms/pairjudge"
)

func init() {
	register.Function2x1(formatAnswer)
	register.Function2x1(formatJudgment)
	register.Emitter2[string, []byte]()
}

// writtenKey counts the records written below dir, for the files-vs-counts check.
func writtenKey(dir string) funnel.Key { return funnel.Key{Kind: "written", Name: dir} }

// formatAnswers turns PCollection<evalio.Answer> into output lines keyed by directory,
// answers/<model>/<lang>.
func formatAnswers(s beam.Scope, answers beam.PCollection) beam.PCollection {
	return beam.ParDo(s.Scope("FormatAnswers"), formatAnswer, answers)
}

func formatAnswer(a evalio.Answer, emit func(string, []byte)) error {
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	emit(AnswersDir+"/"+a.Model+"/"+a.Lang, b)
	return nil
}

// formatJudgments turns PCollection<pairjudge.Judgment> into output lines keyed by
// directory, judgments/<lang>.
func formatJudgments(s beam.Scope, judgments beam.PCollection) beam.PCollection {
	return beam.ParDo(s.Scope("FormatJudgments"), formatJudgment, judgments)
}

func formatJudgment(j pairjudge.Judgment, emit func(string, []byte)) error {
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	emit(JudgmentsDir+"/"+j.Lang, b)
	return nil
}
