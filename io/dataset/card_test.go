package dataset

import (
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// hubFiles are the files of a dataset of fi (3 rows) and sw (1 row), as publishFn has
// them when it renders the card.
func hubFiles() []File {
	var files []File
	for _, format := range []string{FormatJSONL, FormatParquet} {
		files = append(files,
			File{Name: RelPath("fi", format), Lang: "fi", Format: format, Records: 3},
			File{Name: RelPath("sw", format), Lang: "sw", Format: format, Records: 1},
			File{Name: RelPath(MixedName, format), Format: format, Records: 4})
	}
	return files
}

// TestCardFrontMatterNamesEachParquetFileOnce: the card starts with YAML front matter
// that the YAML library parses; its configs are mixed (the default) and one per
// language, each naming its own Parquet file as its train split, so that every Parquet
// file is in exactly one config and no JSONL file in any.
func TestCardFrontMatterNamesEachParquetFileOnce(t *testing.T) {
	files := hubFiles()
	card := RenderCard(CardInfo{RunID: "r", Placeholder: true}, nil, files, CardExtras{})
	if !strings.HasPrefix(card, "---\n") {
		t.Fatalf("the card does not start with front matter:\n%s", card)
	}
	// The plain YAML parse, with no help from this package's types.
	yamlText, body, ok := strings.Cut(strings.TrimPrefix(card, "---\n"), "\n---\n")
	if !ok {
		t.Fatalf("no closing --- in the card:\n%s", card)
	}
	var raw map[string]any
	if err := yaml.Unmarshal([]byte(yamlText), &raw); err != nil {
		t.Fatalf("the front matter is not YAML: %v\n%s", err, yamlText)
	}
	for _, key := range []string{"configs", "language", "license", "task_categories", "size_categories", "pretty_name", "tags"} {
		if _, ok := raw[key]; !ok {
			t.Errorf("the front matter has no %s:\n%s", key, yamlText)
		}
	}
	if !strings.Contains(body, "| Language | Instruction length | Output length | Samples |") {
		t.Errorf("the card's body lost its statistics table:\n%s", body)
	}

	fm, _, err := ParseCard([]byte(card))
	if err != nil {
		t.Fatal(err)
	}
	if fm.License != DefaultLicense || !slices.Equal(fm.Language, []string{"en", "fi", "sw"}) ||
		!slices.Equal(fm.TaskCategories, []string{"text-generation"}) || !slices.Equal(fm.SizeCategories, []string{"n<1K"}) ||
		!slices.Contains(fm.Tags, "placeholder") || fm.PrettyName == "" {
		t.Errorf("front matter %+v", fm)
	}
	var names []string
	inConfigs := map[string]int{}
	var defaults []string
	for _, c := range fm.Configs {
		names = append(names, c.Name)
		if c.Default {
			defaults = append(defaults, c.Name)
		}
		if len(c.DataFiles) != 1 || c.DataFiles[0].Split != Split {
			t.Errorf("config %s: data files %+v, want one train split", c.Name, c.DataFiles)
		}
		for _, d := range c.DataFiles {
			inConfigs[d.Path]++
			if d.Path != RelPath(c.Name, FormatParquet) {
				t.Errorf("config %s names %s", c.Name, d.Path)
			}
		}
	}
	if !slices.Equal(names, []string{MixedName, "fi", "sw"}) || !slices.Equal(defaults, []string{MixedName}) {
		t.Errorf("configs %v, default %v; want mixed (the default), fi, sw", names, defaults)
	}
	for _, f := range files {
		want := 0
		if f.Format == FormatParquet {
			want = 1
		}
		if inConfigs[f.Name] != want {
			t.Errorf("%s is in %d configs, want %d", f.Name, inConfigs[f.Name], want)
		}
	}

	// A real run's card: no placeholder tag, the license it was given.
	fm, _, err = ParseCard([]byte(RenderCard(CardInfo{License: "cc-by-4.0"}, nil, files, CardExtras{})))
	if err != nil || fm.License != "cc-by-4.0" || slices.Contains(fm.Tags, "placeholder") {
		t.Errorf("front matter %+v, %v", fm, err)
	}
}

func TestSizeCategory(t *testing.T) {
	for n, want := range map[int64]string{0: "n<1K", 999: "n<1K", 1000: "1K<n<10K", 1500: "1K<n<10K", 99_999: "10K<n<100K",
		100_000: "100K<n<1M", 5_000_000: "1M<n<10M", 2e12: "n>1T"} {
		if got := SizeCategory(n); got != want {
			t.Errorf("SizeCategory(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestCheckLicense(t *testing.T) {
	for _, ok := range []string{"other", "cc-by-4.0", "apache-2.0", "openrail++", "odc-by"} {
		if err := CheckLicense(ok); err != nil {
			t.Error(err)
		}
	}
	for _, bad := range []string{"", "CC-BY-4.0", "cc by", "mit\nx: y"} {
		if CheckLicense(bad) == nil {
			t.Errorf("license %q passed", bad)
		}
	}
}
