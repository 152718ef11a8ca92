package job

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/xinstruct/xinstruct/internal/testenv"
)

// sharedCorpora is where DEVELOPERS.md puts the real test corpora, beside the project.
var sharedCorpora = testenv.Shared("corpora")

// TestRealCorporaWithLabelsHidden runs ingest over the shared real corpora (about 300
// documents per language) with their "lang" fields removed, and checks that language ID
// routes them right, that each language keeps most of its (clean, real) documents, and
// that the funnel balances.
func TestRealCorporaWithLabelsHidden(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedCorpora, "*.jsonl"))
	if len(files) == 0 {
		t.Skipf("no shared corpora at %s: the real-corpus test needs ../shared/corpora beside the project", sharedCorpora)
	}
	in := t.TempDir()
	truth := map[string]string{} // id -> language
	perLang := map[string]int{}
	for _, f := range files {
		src, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		dst, err := os.Create(filepath.Join(in, filepath.Base(f)))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(src)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			var rec map[string]any
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			lang, id := rec["lang"].(string), rec["id"].(string)
			truth[id] = lang
			perLang[lang]++
			delete(rec, "lang")
			b, _ := json.Marshal(rec)
			dst.Write(append(b, '\n'))
		}
		src.Close()
		dst.Close()
	}

	cfg := DefaultConfig()
	cfg.StopAfter = StageIngest
	cfg.Input = []string{filepath.Join(in, "*.jsonl")}
	cfg.Output = t.TempDir()
	o := runJob(t, cfg)
	checkFunnel(t, o)
	if o.funnel.Read != int64(len(truth)) {
		t.Errorf("read %d records, the corpora hold %d", o.funnel.Read, len(truth))
	}

	// Language ID accuracy: over every document that reached the detector, routed to
	// its true language or rejected by language ID (other_language, undetermined).
	correct, detected, kept := map[string]int{}, map[string]int{}, map[string]int{}
	for _, d := range o.clean {
		kept[truth[d.ID]]++
		detected[truth[d.ID]]++
		if d.Lang == truth[d.ID] {
			correct[truth[d.ID]]++
		}
	}
	for _, r := range o.rejected {
		switch r.Reason {
		case "other_language", "undetermined_language":
			detected[truth[r.ID]]++
			t.Logf("misrouted %s (%s): %s", r.ID, truth[r.ID], r.Detail)
		}
	}
	langs := make([]string, 0, len(perLang))
	for l := range perLang {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	t.Logf("lang  docs  kept  keep%%   langid-correct/detected")
	for _, l := range langs {
		keepRate := float64(kept[l]) / float64(perLang[l])
		acc := float64(correct[l]) / float64(detected[l])
		t.Logf("%-4s %5d %5d  %5.1f%%   %d/%d = %.2f%%", l, perLang[l], kept[l], 100*keepRate, correct[l], detected[l], 100*acc)
		if acc < 0.99 {
			t.Errorf("%s: language ID accuracy %.3f < 0.99", l, acc)
		}
		// The corpora are clean real text; fi includes short news snippets (under 200
		// characters by design, see corpora/README.md), so its floor is a little lower.
		floor := 0.97
		if l == "fi" {
			floor = 0.95
		}
		if keepRate < floor {
			t.Errorf("%s: keep rate %.3f < %.2f", l, keepRate, floor)
		}
	}
}
