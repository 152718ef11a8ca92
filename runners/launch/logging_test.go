package launch

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	beamlog "github.com/apache/beam/sdks/v2/go/pkg/beam/log"
)

// TestBeamLogsBelowTheirLevelAreDropped: the direct runner's plan dump (Info) does not
// pass the default --beam_log_level=warn; Beam's warnings do, through slog.
func TestBeamLogsBelowTheirLevelAreDropped(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(old)
	l := beamLogger{min: slog.LevelWarn}
	l.Log(context.Background(), beamlog.SevInfo, 0, "Plan[plan]: ...")
	l.Log(context.Background(), beamlog.SevDebug, 0, "debug")
	l.Log(context.Background(), beamlog.SevWarn, 0, "a warning")
	if out := buf.String(); strings.Contains(out, "Plan") || strings.Contains(out, "debug") || !strings.Contains(out, "level=WARN msg=\"a warning\"") {
		t.Errorf("logged:\n%s", out)
	}
	if _, err := parseLevel("loud"); err == nil {
		t.Error("parseLevel accepted loud")
	}
}
