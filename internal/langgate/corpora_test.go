package langgate

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/internal/testenv"
)

// corporaDir holds the shared corpora: one <lang>.jsonl per target language.
var corporaDir = testenv.Shared("corpora")

// readCorpora returns the texts of the first n documents of each language of the shared
// corpora, by language, skipping the test when they are absent.
func readCorpora(tb testing.TB, n int) map[string][]string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(corporaDir, "*.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	if len(files) == 0 {
		tb.Skipf("no corpora in %s (the shared corpora are not checked out here)", corporaDir)
	}
	docs := map[string][]string{}
	for _, name := range files {
		lang := strings.TrimSuffix(filepath.Base(name), ".jsonl")
		f, err := os.Open(name)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for line := 1; sc.Scan() && len(docs[lang]) < n; line++ {
			var d struct {
				Text string `json:"text"`
			}
			if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
				tb.Fatalf("%s:%d: %v", name, line, err)
			}
			docs[lang] = append(docs[lang], d.Text)
		}
		if err := sc.Err(); err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		f.Close()
	}
	return docs
}
