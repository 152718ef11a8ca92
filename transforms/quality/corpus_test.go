package quality

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/xinstruct/xinstruct/internal/testenv"

	"golang.org/x/text/unicode/norm"
)

// corpusDir holds the shared corpora of clean text (see its README.md).
var corpusDir = testenv.Shared("corpora")

// minKeepRate is the least share of the clean corpora each language must keep.
const minKeepRate = 0.97

type corpusDoc struct {
	ID   string `json:"id"`
	Lang string `json:"lang"`
	Text string `json:"text"`
}

// readCorpora returns the corpus documents by language, cleaned as ingest cleans
// record.Doc.Text. It skips t when the corpora are absent.
func readCorpora(t testing.TB) map[string][]corpusDoc {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skipf("no shared corpora in %s (expected <lang>.jsonl files): skipping the real-text keep-rate test", corpusDir)
	}
	docs := map[string][]corpusDoc{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for n := 1; sc.Scan(); n++ {
			var d corpusDoc
			if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
				t.Fatalf("%s:%d: %v", f, n, err)
			}
			d.Text = cleanText(d.Text)
			docs[d.Lang] = append(docs[d.Lang], d)
		}
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		fh.Close()
	}
	return docs
}

// cleanText does what ingest does before the quality rules: NFC, runs of spaces
// collapsed to one, lines trimmed, at most one empty line between paragraphs.
func cleanText(s string) string {
	s = norm.NFC.String(s)
	var b strings.Builder
	empty := 0
	for i, l := range strings.Split(s, "\n") {
		l = strings.Join(strings.FieldsFunc(l, unicode.IsSpace), " ")
		if l == "" {
			empty++
			continue
		}
		if i > 0 && b.Len() > 0 {
			b.WriteString("\n")
			if empty > 0 {
				b.WriteString("\n")
			}
		}
		empty = 0
		b.WriteString(l)
	}
	return b.String()
}

func TestCorpusKeepRate(t *testing.T) {
	docs := readCorpora(t)
	langs := make([]string, 0, len(docs))
	for l := range docs {
		langs = append(langs, l)
	}
	sort.Strings(langs)

	p := DefaultParams()
	var table strings.Builder
	fmt.Fprintf(&table, "\n| lang | docs | kept | keep rate | rules fired |\n|---|---:|---:|---:|---|\n")
	var failures []string
	totalDocs, totalKept := 0, 0
	for _, lang := range langs {
		fired := map[string]int{}
		kept := 0
		for _, d := range docs[lang] {
			rule, detail, ok := Check(d.Text, p)
			if ok {
				kept++
				continue
			}
			fired[rule]++
			failures = append(failures, fmt.Sprintf("%s %s: %s", d.ID, rule, detail))
		}
		var rules []string
		for _, r := range ruleNames {
			if fired[r] > 0 {
				rules = append(rules, fmt.Sprintf("%s %d", r, fired[r]))
			}
		}
		if len(rules) == 0 {
			rules = []string{"-"}
		}
		rate := float64(kept) / float64(len(docs[lang]))
		fmt.Fprintf(&table, "| %s | %d | %d | %.1f%% | %s |\n", lang, len(docs[lang]), kept, 100*rate, strings.Join(rules, ", "))
		totalDocs += len(docs[lang])
		totalKept += kept
		if rate < minKeepRate {
			t.Errorf("%s: keep rate %.3f < %.2f", lang, rate, minKeepRate)
		}
	}
	fmt.Fprintf(&table, "| all | %d | %d | %.1f%% | |\n", totalDocs, totalKept, 100*float64(totalKept)/float64(totalDocs))
	t.Log(table.String())
	if len(failures) > 0 {
		t.Logf("rejected:\n  %s", strings.Join(failures, "\n  "))
	}
}
