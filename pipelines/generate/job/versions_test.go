package job

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/xinstruct/xinstruct/internal/testenv"
	"github.com/xinstruct/xinstruct/io/dataset"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/versions"
	"github.com/xinstruct/xinstruct/runners/launch"
)

// writeCorpus writes the bundled sample to dir/corpus.jsonl without the documents in
// drop, with the text of each document in edit lengthened by a sentence, and returns
// the glob that reads it.
func writeCorpus(t *testing.T, dir string, drop []string, edit map[string]string) string {
	t.Helper()
	b, err := os.ReadFile(testenv.Testdata("sample", "sample.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		var d map[string]any
		if json.Unmarshal([]byte(line), &d) == nil { // the sample's last line is broken on purpose: kept as it is
			id, _ := d["id"].(string)
			if strings.Contains(strings.Join(drop, " "), id) && id != "" {
				continue
			}
			if s, ok := edit[id]; ok {
				d["text"] = d["text"].(string) + " " + s
				nb, _ := json.Marshal(d)
				line = string(nb)
			}
		}
		out = append(out, line)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "corpus.jsonl"), []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "*.jsonl")
}

// demoConfig is the README's first command on input: the offline stand-in model, the
// run named as the launcher names it.
func demoConfig(t *testing.T, out, input string, started time.Time) Config {
	cfg := generateConfig(t, llm.StandInURL, out)
	cfg.Input = []string{input}
	cfg.Generate.LLM.Model, cfg.Generate.LLM.Placeholder = llm.StandInModel, true
	cfg.Refine.Rounds = 0 // every pair is accepted: the dataset holds every document the corpus gave
	cfg.StartedAt, cfg.RunID, cfg.Build = started, launch.NewRunID(started), versions.CurrentBuild()
	return cfg
}

func readVersion(t *testing.T, out, id string) versions.Manifest {
	t.Helper()
	m, err := versions.ReadManifest(context.Background(), versions.Path(out, id))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func latestVersion(t *testing.T, out string) versions.Pointer {
	t.Helper()
	p, err := versions.ReadLatest(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func sha256File(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestVersionsAndTheirDiff runs the demo three times at one output: the second run's
// corpus lost a Swahili document, gained a Finnish one and has a Turkish one edited; the
// third keeps one version. Each run adds a version with its manifest, LATEST names the
// newest, the diff counts what changed, and a failed fourth run leaves all as it was.
func TestVersionsAndTheirDiff(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	out := filepath.Join(tmp, "out")
	// Run 1 reads a corpus without sample-fi-3; run 2 one with sample-fi-3 back,
	// sample-sw-2 gone and sample-tr-2 edited.
	in1 := writeCorpus(t, filepath.Join(tmp, "in1"), []string{"sample-fi-3"}, nil)
	in2 := writeCorpus(t, filepath.Join(tmp, "in2"), []string{"sample-sw-2"}, map[string]string{"sample-tr-2": fmt.Sprintf(killResumeSentences["tr"], 7)})
	cfg1 := demoConfig(t, out, in1, time.Now().UTC()) // after the corpora were written
	runJob(t, cfg1)
	id1 := versions.ID(cfg1.RunID, cfg1.StartedAt)
	if p := latestVersion(t, out); p.Version != id1 || p.Path != "versions/"+id1 || p.Previous != "" {
		t.Fatalf("after run 1 LATEST is %+v; want %s", p, id1)
	}
	if _, err := os.Stat(versions.Path(out, id1, versions.DiffFile)); err == nil {
		t.Error("the first version has a diff")
	}

	// Run 2, through the launcher.
	cfg2 := demoConfig(t, out, in2, time.Now().UTC())
	code, stdout, stderr := execute(t, cfg2, false) // names the run itself, as the launcher does
	if code != 0 {
		t.Fatalf("run 2 failed: %s", stderr)
	}
	p := latestVersion(t, out)
	id2 := p.Version
	if id2 == id1 || p.Previous != id1 || !strings.Contains(stdout, "version: "+versions.Path(out, id2)) {
		t.Fatalf("after run 2 LATEST is %+v (run 1's %s); the launcher said:\n%s", p, id1, stdout)
	}

	m := readVersion(t, out, id2)
	var sum Summary
	b, _ := os.ReadFile(filepath.Join(out, "report", SummaryName))
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	corpus := filepath.Join(filepath.Dir(in2), "corpus.jsonl")
	fi, _ := os.Stat(corpus)
	switch {
	case m.Job != "generate" || m.RunID != sum.RunID || m.Previous != id1 || !m.StartedAt.Equal(cfg2.StartedAt) || !m.PublishedAt.After(m.StartedAt):
		t.Errorf("manifest run %s %s, previous %q, times %v %v", m.Job, m.RunID, m.Previous, m.StartedAt, m.PublishedAt)
	case m.Build.BinarySHA256 != sha256File(t, exe) || m.Build.GitCommit != versions.CurrentBuild().GitCommit || m.Build.GitCommit == "":
		t.Errorf("build %+v; want this test binary's digest", m.Build)
	case len(m.Inputs) != 1 || m.Inputs[0].Path != corpus || m.Inputs[0].Size != fi.Size() || m.Inputs[0].SHA256 != sha256File(t, corpus) || m.Inputs[0].ChangedDuringRun:
		t.Errorf("inputs %+v; want %s with its size and SHA-256", m.Inputs, corpus)
	case m.ConfigSHA256 != readVersion(t, out, id1).ConfigSHA256 || len(m.ConfigSHA256) != 64:
		t.Errorf("the config hash changed between runs that differ only in input, output and run: %s", m.ConfigSHA256)
	case strings.Join(m.Templates, " ") != "generate_instruction@1":
		t.Errorf("templates %v", m.Templates)
	case len(m.Models) != 2 || m.Models[0] != (versions.Model{Role: "generator", Model: llm.StandInModel}) || m.Models[1] != (versions.Model{Role: "embedder", Model: "local"}):
		t.Errorf("models %+v", m.Models)
	case m.Counts["ingest"]["sw"] != 2 || m.Counts["ingest"]["fi"] != 3 || m.Counts["diversify"]["sw"] != sum.Rows["sw"] || m.Counts["generate"]["tr"] != 3:
		t.Errorf("counts %v", m.Counts)
	case m.Calls != sum.Calls || m.StoreHits != sum.StoreHits || m.Cost != sum.Cost || m.StoreHits == 0 || !m.Placeholder:
		t.Errorf("calls %d, store hits %d, cost %g, placeholder %v; the summary says %d, %d, %g", m.Calls, m.StoreHits, m.Cost, m.Placeholder, sum.Calls, sum.StoreHits, sum.Cost)
	}
	// The version holds the dataset as published, and the reports.
	for _, rel := range []string{dataset.RelPath(dataset.MixedName, dataset.FormatJSONL), dataset.RelPath("fi", dataset.FormatParquet), dataset.CardName} {
		a, _ := os.ReadFile(filepath.Join(out, dataset.Dir, rel))
		c, err := os.ReadFile(versions.Path(out, id2, dataset.Dir, rel))
		if err != nil || !bytes.Equal(a, c) || len(a) == 0 {
			t.Errorf("the version's %s differs from the published one (%v)", rel, err)
		}
	}
	for _, f := range []string{"report/funnel.json", "report/" + SummaryName, versions.DiffFile, versions.DiffMarkdown} {
		if _, err := os.Stat(versions.Path(out, id2, f)); err != nil {
			t.Errorf("version 2 lacks %s", f)
		}
	}

	// The diff: per language, what the corpora differ in.
	var d dataset.Diff
	b, _ = os.ReadFile(versions.Path(out, id2, versions.DiffFile))
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	want := map[string]dataset.DiffCounts{
		"fi": {Before: 2, After: 3, Added: 1, Unchanged: 2},
		"sw": {Before: 3, After: 2, Removed: 1, Unchanged: 2},
		"tr": {Before: 3, After: 3, Changed: 1, Unchanged: 2},
	}
	if d.From != id1 || d.To != id2 || len(d.Languages) != 10 || d.Total != (dataset.DiffCounts{Before: 29, After: 29, Added: 1, Removed: 1, Changed: 1, Unchanged: 27}) {
		t.Errorf("diff %s -> %s, %d languages, total %+v", d.From, d.To, len(d.Languages), d.Total)
	}
	for _, l := range d.Languages {
		w, ok := want[l.Lang]
		if !ok {
			w = dataset.DiffCounts{Before: 3, After: 3, Unchanged: 3}
		}
		if l.DiffCounts != w {
			t.Errorf("diff %s: %+v, want %+v", l.Lang, l.DiffCounts, w)
		}
		switch l.Lang {
		case "fi":
			if len(l.AddedExamples) != 1 || l.AddedExamples[0].ID != "sample-fi-3#0" {
				t.Errorf("fi added %+v", l.AddedExamples)
			}
		case "sw":
			if len(l.RemovedExamples) != 1 || l.RemovedExamples[0].ID != "sample-sw-2#0" {
				t.Errorf("sw removed %+v", l.RemovedExamples)
			}
		case "tr":
			if len(l.ChangedExamples) != 1 || l.ChangedExamples[0].ID != "sample-tr-2#0" || l.ChangedExamples[0].Before == l.ChangedExamples[0].After {
				t.Errorf("tr changed %+v", l.ChangedExamples)
			}
		}
	}

	// Run 3 keeps one version: run 1's and run 2's go, once LATEST names run 3's.
	cfg3 := demoConfig(t, out, in2, time.Now().UTC())
	cfg3.KeepVersions = 1
	runJob(t, cfg3)
	id3 := versions.ID(cfg3.RunID, cfg3.StartedAt)
	if p := latestVersion(t, out); p.Version != id3 || p.Previous != id2 {
		t.Errorf("after run 3 LATEST is %+v; want %s after %s", p, id3, id2)
	}
	entries, _ := versions.List(ctx, out)
	if len(entries) != 1 || entries[0].ID != id3 {
		t.Errorf("versions after run 3 with --keep_versions=1: %+v", entries)
	}
	var d3 dataset.Diff
	b, _ = os.ReadFile(versions.Path(out, id3, versions.DiffFile))
	if json.Unmarshal(b, &d3); d3.Total.Unchanged != 29 || d3.Total.Unchanged != d3.Total.Before || d3.Total.After != 29 {
		t.Errorf("a re-run of the same corpus differs from the run before: %+v", d3.Total)
	}

	// Run 4 fails (every call refused): LATEST, and the version it names, stay.
	g := startGated(t)
	g.setRefuse(func(*http.Request, []byte) int { return 401 })
	cfg4 := demoConfig(t, out, in2, time.Now().UTC())
	cfg4.Generate.LLM.BaseURL, cfg4.Generate.LLM.Placeholder, cfg4.Generate.LLM.MaxRetries = g.URL, false, 0
	before, _ := os.ReadFile(filepath.Join(out, versions.LatestFile))
	pl, s := beam.NewPipelineWithRoot()
	Build(s, cfg4)
	if err := ptest.Run(pl); err == nil {
		t.Fatal("run 4 succeeded; want it failed")
	}
	after, _ := os.ReadFile(filepath.Join(out, versions.LatestFile))
	entries, _ = versions.List(ctx, out)
	if !bytes.Equal(before, after) || len(entries) != 1 || entries[0].ID != id3 {
		t.Errorf("a failed run changed LATEST (%s -> %s) or the versions (%+v)", before, after, entries)
	}
	if _, err := os.Stat(filepath.Join(out, SuccessFile)); err == nil {
		t.Error("a failed run left _SUCCESS")
	}
}

// TestConfigHashSaysWhatChanged: a setting that changes the dataset changes the hash;
// where the run writes, its limits and budgets do not.
func TestConfigHashSaysWhatChanged(t *testing.T) {
	base := demoConfig(t, "out", "in/*.jsonl", time.Now())
	hash := func(c Config) string { return c.versionSpec().ConfigSHA256 }
	same := base
	same.Output, same.RunID, same.KeepVersions = "elsewhere", "another-run", 1
	same.Generate.LLM.MaxInFlight, same.Generate.LLM.MaxCost, same.Generate.ProgressEvery = 3, 9, time.Hour
	if hash(same) != hash(base) {
		t.Error("operational settings changed the config hash")
	}
	for name, change := range map[string]func(*Config){
		"per_language":       func(c *Config) { c.Diversify.PerLanguage = 7 },
		"model":              func(c *Config) { c.Generate.LLM.Model = "gpt-x" },
		"temperature":        func(c *Config) { c.Generate.LLM.Sampling.Temperature = 0.1 },
		"rounds":             func(c *Config) { c.Refine.Rounds = 2 },
		"min_chars":          func(c *Config) { c.Length.MinChars = 10 },
		"near_dup":           func(c *Config) { c.NearDup = !c.NearDup },
		"near_dup_threshold": func(c *Config) { c.NearDupThreshold = 0.9 },
	} {
		c := base
		c.Languages = append([]string(nil), base.Languages...)
		change(&c)
		if hash(c) == hash(base) {
			t.Errorf("changing %s left the config hash as it was", name)
		}
	}
	judged := base
	judged.Refine.Rounds, judged.Refine.JudgeModel = 2, "judge-m"
	spec := judged.versionSpec()
	if strings.Join(spec.Templates, " ") != "generate_instruction@1 judge_pair@1 reask_judge@1 rewrite_instruction@1" ||
		len(spec.Models) != 3 || spec.Models[1] != (versions.Model{Role: "judge", Model: "judge-m"}) {
		t.Errorf("with two judge rounds: templates %v, models %+v", spec.Templates, spec.Models)
	}
	ingest := base
	ingest.StopAfter = StageIngest
	if ingest.versionSpec() != nil {
		t.Error("an ingest-only run publishes a version (it has no dataset)")
	}
}
