package register_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoBeamRegisterInTheBinaries: one DoFn registered with Beam's register package (or
// Beam's transforms/stats, whose init registers one) adds about 3 MB to both pipeline
// binaries, which every Dataflow and Flink job uploads. Code that ends up in a binary
// uses this package and internal/stats; tests and benchmarks may use Beam's.
func TestNoBeamRegisterInTheBinaries(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	banned := map[string]string{
		"github.com/apache/beam/sdks/v2/go/pkg/beam/register":         "github.com/xinstruct/xinstruct/internal/register",
		"github.com/apache/beam/sdks/v2/go/pkg/beam/transforms/stats": "github.com/xinstruct/xinstruct/internal/stats",
	}
	allowed := []string{"internal/register/", "internal/bench/", "internal/portabletest/testdata/", "internal/hubcheck/"}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && rel != "." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		for _, prefix := range allowed {
			if strings.HasPrefix(rel, prefix) {
				return nil
			}
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if instead, ok := banned[p]; ok {
				t.Errorf("%s imports %s: use %s (see internal/bench/binsize/README.md)", rel, p, instead)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
