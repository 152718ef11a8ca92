package evalio

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/internal/testenv"
)

func TestParseQuestionShapes(t *testing.T) {
	q, err := ParseQuestion([]byte(`{"question_id": 81, "category": "writing", "text": "t1", "turns": ["t1", "t2"], "reference": ["r1", "r2"]}`))
	if err != nil || q.ID != "81" || len(q.Turns) != 2 || q.Turns[1] != "t2" || len(q.Reference) != 2 || q.Category != "writing" {
		t.Fatalf("%+v %v", q, err)
	}
	// MT-Bench Thai question 94 lost its second turn in translation: asked with the first.
	q, err = ParseQuestion([]byte(`{"question_id": 94, "turns": ["a", " "]}`))
	if err != nil || len(q.Turns) != 1 || q.DroppedTurns != 1 {
		t.Fatalf("%+v %v", q, err)
	}
	q, err = ParseQuestion([]byte(`{"question_id": "v-1", "text": "Bagaimana?", "lang": "ID", "reference": "r"}`))
	if err != nil || q.ID != "v-1" || q.Lang != "id" || len(q.Turns) != 1 || q.Reference[0] != "r" {
		t.Fatalf("%+v %v", q, err)
	}
	for line, reason := range map[string]string{
		`{"question_id": 1, "text": "x"`:                  ReasonMalformed,
		`{"text": "x"}`:                                   ReasonNoID,
		`{"question_id": "", "text": "x"}`:                ReasonNoID,
		`{"question_id": [1], "text": "x"}`:               ReasonBadField,
		`{"question_id": 1}`:                              ReasonNoText,
		`{"question_id": 1, "text": "a", "reference": 3}`: ReasonBadField,
		`{"question_id": 1, "turns": [" ", "b"]}`:         ReasonNoText,
	} {
		_, err := ParseQuestion([]byte(line))
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Reason != reason {
			t.Errorf("%s: got %v, want %s", line, err, reason)
		}
	}
}

func TestParseAnswer(t *testing.T) {
	a, err := ParseAnswer([]byte(`{"question_id": 81, "model": "m-1", "lang": "fi", "answer": "vastaus", "turn": 2}`))
	if err != nil || a.QuestionID != "81" || a.Turn != 2 || a.Answer != "vastaus" {
		t.Fatalf("%+v %v", a, err)
	}
	a, err = ParseAnswer([]byte(`{"question_id": 1, "model": "m", "lang": "fi", "answer": ""}`))
	if err != nil || a.Turn != 1 {
		t.Fatalf("an empty answer is an answer (it loses on its merits): %+v %v", a, err)
	}
	for _, line := range []string{
		`{"question_id": 1, "lang": "fi", "answer": "x"}`,
		`{"question_id": 1, "model": "a/b", "lang": "fi", "answer": "x"}`,
		`{"question_id": 1, "model": "m", "answer": "x"}`,
		`{"question_id": 1, "model": "m", "lang": "fi"}`,
		`{"question_id": 1, "model": "m", "lang": "fi", "answer": "x", "turn": 0}`,
	} {
		if _, err := ParseAnswer([]byte(line)); err == nil {
			t.Errorf("%s parsed", line)
		}
	}
}

// Every shared eval file parses, with its turns.
func TestSharedQuestionFilesParse(t *testing.T) {
	files, _ := filepath.Glob(testenv.Shared("eval", "*.jsonl"))
	if len(files) == 0 {
		t.Skip("no shared eval files")
	}
	for _, f := range files {
		if filepath.Base(f) == "instructions.en.jsonl" {
			continue // diversity data, not questions
		}
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		err = scanLines(fh, func(line int64, b []byte) {
			n++
			if _, err := ParseQuestion(b); err != nil {
				t.Errorf("%s:%d: %v", f, line, err)
			}
		})
		fh.Close()
		if err != nil || n == 0 {
			t.Errorf("%s: %d lines, %v", f, n, err)
		}
	}
}

func TestModelNames(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.jsonl"), []byte(`{"question_id": 1, "model": "zeta", "lang": "fi", "answer": "x"}
not json
{"question_id": 1, "model": "alpha", "lang": "fi", "answer": "x"}
`), 0o644)
	names, err := ModelNames(t.Context(), []string{filepath.Join(dir, "*.jsonl")})
	if err != nil || len(names) != 2 || names[0] != "alpha" || names[1] != "zeta" {
		t.Fatalf("%v %v", names, err)
	}
	if _, err := ModelNames(t.Context(), []string{filepath.Join(dir, "none-*.jsonl")}); err == nil {
		t.Fatal("a glob that matches nothing must be an error")
	}
}

// Every translated MT-Bench file is found to be in its language, code and math
// questions included; the English files stay English.
func TestDetectFileLanguageOnSharedFiles(t *testing.T) {
	files, _ := filepath.Glob(testenv.Shared("eval", "*.jsonl"))
	if len(files) == 0 {
		t.Skip("no shared eval files")
	}
	for _, f := range files {
		base := filepath.Base(f)
		if base == "instructions.en.jsonl" {
			continue
		}
		fh, _ := os.Open(f)
		var qs []Question
		scanLines(fh, func(_ int64, b []byte) {
			if q, err := ParseQuestion(b); err == nil {
				qs = append(qs, q)
			}
		})
		fh.Close()
		DetectFileLanguage(qs)
		want := ""
		if parts := strings.Split(base, "."); len(parts) == 3 && parts[1] != "en" {
			want = parts[1]
		}
		for _, q := range qs {
			if base == "vicuna_partial_translations.jsonl" {
				continue // its questions carry their own lang
			}
			if q.Lang != want {
				t.Errorf("%s question %s: lang %q, want %q", base, q.ID, q.Lang, want)
			}
		}
	}
}
