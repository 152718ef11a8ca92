package job

import (
	"bytes"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

// lockedBuffer is a log sink for the DoFns' goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var progressSegment = regexp.MustCompile(`(?:progress: |\| )(\w+) (?:done )?(\d+)/(\d+|\?)`)

// TestProgressHasTotalsForEveryStage: a generate run with two rounds on the fake server
// logs progress lines in which every model stage has a total, equal to its input in
// the funnel, and ends with every stage done.
func TestProgressHasTotalsForEveryStage(t *testing.T) {
	_, url := startFake(t, llmtest.Options{Latency: 20 * time.Millisecond,
		JudgeLabels: llmtest.LabelWeights{Good: 0.5, Flawed: 0.4, Bad: 0.1}})
	var logs lockedBuffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	defer slog.SetDefault(old)
	llm.ResetProgress()
	defer llm.ResetProgress()

	cfg := generateConfig(t, url, t.TempDir())
	cfg.Generate.Candidates = 2
	cfg.Generate.ProgressEvery = 500 * time.Millisecond
	cfg.Generate.LLM.MaxInFlight = 4
	cfg.Refine.Rounds = 2
	o := runJob(t, cfg)
	llm.FlushProgress()

	type seen struct{ done, total string }
	last := map[string]seen{}
	lines := 0
	for _, l := range strings.Split(logs.String(), "\n") {
		if !strings.Contains(l, "progress: ") {
			continue
		}
		lines++
		for _, m := range progressSegment.FindAllStringSubmatch(l, -1) {
			if m[3] == "?" || m[3] == "0" {
				t.Errorf("stage %s without a total: %s", m[1], l)
			}
			last[m[1]] = seen{m[2], m[3]}
		}
	}
	if lines == 0 {
		t.Fatalf("no progress line in:\n%s", logs.String())
	}
	for _, stage := range []string{"generate", "judge_r1", "rewrite_r1", "judge_r2"} {
		var in int64 = -1
		for _, st := range o.funnel.Stages {
			if st.Name == stage {
				in = st.In
			}
		}
		got, ok := last[stage]
		switch {
		case in <= 0:
			t.Errorf("the funnel has no input for %s: the test does not cover it", stage)
		case !ok:
			t.Errorf("no progress for %s in:\n%s", stage, logs.String())
		case got.total != strconv.FormatInt(in, 10) || got.done != got.total:
			t.Errorf("%s: last progress %s/%s, want %d/%d", stage, got.done, got.total, in, in)
		}
	}
}
