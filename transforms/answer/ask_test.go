package answer

import (
	"testing"

	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/io/evalio"
)

func expand(langs []string, q evalio.Question) (asks []Ask, rejected []record.Rejected, counts map[string]int) {
	counts = map[string]int{}
	add := func(k string, n int) { counts[k] += n }
	(&expandFn{Languages: langs}).ProcessElement(q, func(_ string, a Ask) { asks = append(asks, a) },
		func(r record.Rejected) { rejected = append(rejected, r) }, add, add)
	return asks, rejected, counts
}

func TestAnEnglishQuestionIsAskedInEveryLanguageWithTheSuffix(t *testing.T) {
	asks, _, counts := expand([]string{"ta", "en"}, evalio.Question{ID: "81", Turns: []string{"Write a poem.", "Now shorter. "}})
	if len(asks) != 2 {
		t.Fatalf("%d asks", len(asks))
	}
	if got := asks[0].Turns; got[0] != "Write a poem. Answer in Tamil." || got[1] != "Now shorter. Answer in Tamil." {
		t.Errorf("Tamil turns %q", got)
	}
	if got := asks[1].Turns[0]; got != "Write a poem." {
		t.Errorf("English is asked without a suffix: %q", got)
	}
	if counts["questions/in/en"] != 1 || counts["questions/out/en"] != 1 || counts["asks/in/ta"] != 1 {
		t.Errorf("counts %v", counts)
	}
}

func TestANativeQuestionIsAskedAsIsInItsLanguageOnly(t *testing.T) {
	asks, _, _ := expand([]string{"fi", "id"}, evalio.Question{ID: "21", Lang: "id", Turns: []string{"Bagaimana?"}})
	if len(asks) != 1 || asks[0].Lang != "id" || asks[0].Turns[0] != "Bagaimana?" || !asks[0].Native {
		t.Fatalf("%+v", asks)
	}
	asks, _, counts := expand([]string{"fi"}, evalio.Question{ID: "21", Lang: "id", Turns: []string{"Bagaimana?"}})
	if len(asks) != 0 || counts["filtered/questions/language_not_selected"] != 1 {
		t.Fatalf("a question in a language not selected: %+v %v", asks, counts)
	}
	_, rejected, _ := expand([]string{"fi"}, evalio.Question{ID: "1", Lang: "de", Turns: []string{"Wie?"}})
	if len(rejected) != 1 || rejected[0].Reason != evalio.ReasonUnsupported {
		t.Fatalf("a German question: %+v", rejected)
	}
}

func TestDedupKeepsTheNativeAsk(t *testing.T) {
	english := Ask{QuestionID: "11", Lang: "id", Turns: []string{"x Answer in Indonesian."}, Source: "a.jsonl", Line: 1}
	native := Ask{QuestionID: "11", Lang: "id", Turns: []string{"y"}, Native: true, Source: "b.jsonl", Line: 9}
	in := []Ask{english, native}
	var out []Ask
	(&dedupFn{}).ProcessElement("k", func(a *Ask) bool {
		if len(in) == 0 {
			return false
		}
		*a, in = in[0], in[1:]
		return true
	}, func(a Ask) { out = append(out, a) })
	counts := map[string]int{}
	var kept []Ask
	for _, a := range out {
		countAsksOut(a, func(a Ask) { kept = append(kept, a) }, func(k string, n int) { counts[k] += n })
	}
	if len(kept) != 1 || !kept[0].Native || counts["filtered/asks/duplicate_ask"] != 1 || counts["asks/out/id"] != 1 {
		t.Fatalf("kept %+v, counts %v", kept, counts)
	}
}
