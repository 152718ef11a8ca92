package launch

import (
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/io/llm"
)

func modelConfig(t *testing.T, args ...string) (llm.Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	m := BindModelFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return m.Config("m", t.TempDir(), Run{ID: "r"})
}

// TestBatchFlags: --batch_api is off by default; on, its price defaults to half of
// --price and the other flags reach the configuration; contradictions name the flag.
func TestBatchFlags(t *testing.T) {
	c, err := modelConfig(t, "--price=0.15,0.60")
	if err != nil || c.Batch.Enabled {
		t.Fatalf("default: %+v %v", c.Batch, err)
	}
	c, err = modelConfig(t, "--price=0.15,0.60", "--batch_api", "--batch_size=500", "--batch_fallback=dead_letter", "--batch_poll=30s", "--batch_max_wait=50m")
	want := llm.BatchConfig{Enabled: true, Price: llm.Price{InputPerM: 0.075, OutputPerM: 0.30}, MaxItems: 500, Fallback: llm.FallbackDeadLetter,
		Poll: llm.Backoff{Initial: 15 * time.Second, Max: 30 * time.Second}, MaxWait: 50 * time.Minute}
	if err != nil || c.Batch != want || c.Validate() != nil {
		t.Fatalf("got %+v (%v), want %+v", c.Batch, err, want)
	}
	if c, err = modelConfig(t, "--batch_api", "--batch_price=0.1,0.2", "--batch_poll=5s"); err != nil || c.Batch.Price != (llm.Price{InputPerM: 0.1, OutputPerM: 0.2}) || c.Batch.Poll.Initial != 5*time.Second {
		t.Errorf("--batch_price, --batch_poll below the first interval: %+v %v", c.Batch, err)
	}
	for args, flag := range map[string]string{
		"--batch_api --offline":              "--offline",
		"--batch_api --batch_size=50001":     "--batch_size",
		"--batch_api --batch_fallback=retry": "--batch_fallback",
		"--batch_api --batch_price=cheap":    "--batch_price",
		"--batch_api --batch_poll=0s":        "--batch_poll",
		"--batch_api --batch_max_wait=-1s":   "--batch_max_wait",
	} {
		if _, err := modelConfig(t, strings.Fields(args)...); err == nil || !strings.Contains(err.Error(), flag) {
			t.Errorf("%s: %v, want an error naming %s", args, err, flag)
		}
	}
}
