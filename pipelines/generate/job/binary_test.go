package job

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var built struct {
	once sync.Once
	bin  string
	err  error
	out  []byte
}

// generateBinary builds the generate command once for the package's tests, and skips the
// test where there is no go command.
func generateBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH: this test builds the job's binary")
	}
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "generate-bin")
		if err != nil {
			built.err = err
			return
		}
		built.bin = filepath.Join(dir, "generate")
		start := time.Now()
		built.out, built.err = exec.Command(goTool, "build", "-o", built.bin, "..").CombinedOutput()
		t.Logf("go build %v", time.Since(start).Round(time.Millisecond))
	})
	if built.err != nil {
		t.Fatalf("go build: %v\n%s", built.err, built.out)
	}
	return built.bin
}
