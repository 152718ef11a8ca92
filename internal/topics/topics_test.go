package topics

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/internal/testenv"
)

// realInstructions reads the shared real English instructions and questions by id
// ("seed_task_3", "user_oriented_task_10", "vicuna_<question_id>"), skipping the test
// when the shared data is absent.
func realInstructions(t testing.TB) (ids []string, text map[string]string) {
	t.Helper()
	text = map[string]string{}
	read := func(name string, rec func(line []byte) (string, string, error)) {
		path := testenv.Shared("eval", name)
		f, err := os.Open(path)
		if err != nil {
			t.Skipf("no shared eval data: %v", err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			id, s, err := rec(sc.Bytes())
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			ids = append(ids, id)
			text[id] = s
		}
	}
	read("instructions.en.jsonl", func(line []byte) (string, string, error) {
		var r struct{ ID, Instruction string }
		err := json.Unmarshal(line, &r)
		return r.ID, r.Instruction, err
	})
	read("questions.en.jsonl", func(line []byte) (string, string, error) {
		var r struct {
			QuestionID int `json:"question_id"`
			Text       string
		}
		err := json.Unmarshal(line, &r)
		return fmt.Sprintf("vicuna_%d", r.QuestionID), r.Text, err
	})
	return ids, text
}

type goldRow struct {
	id   string
	want Pair
}

func readGold(t *testing.T) []goldRow {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "gold.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []goldRow
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 3 {
			t.Fatalf("gold.tsv: bad line %q", line)
		}
		rows = append(rows, goldRow{f[0], Pair{Verb: f[1], Object: f[2]}})
	}
	return rows
}

// TestGoldAccuracy measures Extract against the hand labels in testdata/gold.tsv (81 real
// instructions and questions). Verb accuracy counts a match of the verb ("" included: a
// copular question rightly given no verb is right); object accuracy a match of the object
// (also "" included); pair accuracy both.
//
// Measured: verb 75/81 (93%), object 73/81 (90%), pair 70/81 (86%). The labels were written
// before the extractor was first run on these sentences; that first run gave verb 71/81
// (88%), object 69/81 (85%), pair 66/81 (81%). Its errors showed that the imperative rule
// (a sentence-initial word the tagger calls a noun, adjective, adverb or preposition is
// the imperative when an object follows) fired on real prepositions ("As a ...", "In
// this ...", "If the ...") and missed "Analyze" tagged IN: the fix (closed list of
// prepositions) was made with these labels in view, so the present figures are slightly
// optimistic; the first run's are the fairer estimate for unseen text. The floors sit
// below the first run's.
func TestGoldAccuracy(t *testing.T) {
	_, text := realInstructions(t)
	rows := readGold(t)
	if len(rows) < 60 {
		t.Fatalf("%d gold rows, want at least 60", len(rows))
	}
	var verbOK, objOK, pairOK int
	for _, r := range rows {
		s, ok := text[r.id]
		if !ok {
			t.Fatalf("gold id %s not in the shared data", r.id)
		}
		got := Extract(s)
		if got.Verb == r.want.Verb {
			verbOK++
		}
		if got.Object == r.want.Object {
			objOK++
		}
		if got == r.want {
			pairOK++
		} else {
			t.Logf("%-22s got %-22s want %-22s %.70q", r.id, got.Verb+"/"+got.Object, r.want.Verb+"/"+r.want.Object, s)
		}
	}
	n := float64(len(rows))
	t.Logf("verb %d/%d (%.0f%%), object %d/%d (%.0f%%), pair %d/%d (%.0f%%)",
		verbOK, len(rows), 100*float64(verbOK)/n, objOK, len(rows), 100*float64(objOK)/n, pairOK, len(rows), 100*float64(pairOK)/n)
	if float64(verbOK)/n < 0.85 || float64(objOK)/n < 0.80 {
		t.Errorf("verb accuracy %.2f (floor 0.85) or object accuracy %.2f (floor 0.80) below the floor", float64(verbOK)/n, float64(objOK)/n)
	}
}

func TestExtract(t *testing.T) {
	cases := []struct {
		in   string
		want Pair
	}{
		{"Write a short story about a dragon.", Pair{"write", "story"}},
		{"Please give me a list of five fruits.", Pair{"give", "list"}},
		{"Can you explain the basics of quantum computing?", Pair{"explain", "basic"}},
		{"How can I improve my time management skills?", Pair{"improve", "skill"}},
		{"What are the most effective ways to deal with stress?", Pair{}},
		{"Given a list of numbers, find the largest one.", Pair{"find", "one"}},
		{"As a teacher, describe the ideal classroom.", Pair{"describe", "classroom"}},
		{"Write down the steps to bake bread.", Pair{"write", "step"}},
		{"Summarize the article's main points.", Pair{"summarize", "point"}},
		{"", Pair{}},
		{"   ", Pair{}},
		{"Hello", Pair{}},
	}
	for _, c := range cases {
		if got := Extract(c.in); got != c.want {
			t.Errorf("Extract(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

func TestVerbObjectsRanking(t *testing.T) {
	in := []string{
		"Write a poem about the sea.", "Write a poem about autumn.", "Write an essay on trade.",
		"Explain the theory of relativity.", "Explain the rules of chess.", "Explain why the sky is blue.",
		"Give me a recipe for soup.", "What is the capital of France?",
	}
	got := VerbObjects(in, 2, 1)
	want := []Verb{
		{Verb: "explain", N: 3, Objects: []Object{{"rule", 1}}},
		{Verb: "write", N: 3, Objects: []Object{{"poem", 2}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("VerbObjects = %+v, want %+v", got, want)
	}
	// Counting in two parts and merging gives the same as counting at once.
	a, b := Counts{}, Counts{}
	for i, s := range in {
		if i%2 == 0 {
			a.Add(Extract(s))
		} else {
			b.Add(Extract(s))
		}
	}
	a.Merge(b)
	if got2 := a.Top(2, 1); !reflect.DeepEqual(got2, want) {
		t.Errorf("merged Top = %+v, want %+v", got2, want)
	}
	if got := VerbObjects(nil, 16, 4); len(got) != 0 {
		t.Errorf("VerbObjects(nil) = %+v, want none", got)
	}
}

// BenchmarkExtract tags the shared real instructions and questions (507; mean about 80
// characters), reporting instructions per second.
func BenchmarkExtract(b *testing.B) {
	ids, text := realInstructions(b)
	Extract("warm up the tagger")
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for _, id := range ids {
			Extract(text[id])
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "instructions/s")
}
