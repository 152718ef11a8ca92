package launch

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	beamlog "github.com/apache/beam/sdks/v2/go/pkg/beam/log"
	"golang.org/x/term"

	"github.com/xinstruct/xinstruct/io/llm"
)

// logFlags are the launcher's logging flags.
type logFlags struct {
	level, beamLevel *string
	bars             *string
}

func bindLogFlags(fs *flag.FlagSet) logFlags {
	return logFlags{
		level:     fs.String("log_level", "info", "the pipeline's own log level: debug, info, warn or error"),
		beamLevel: fs.String("beam_log_level", "warn", "the level of Beam's own logs (the direct runner logs its whole plan at info: tens of KB): debug, info, warn or error"),
		bars:      fs.String("progress_bars", "auto", "live progress bars on stderr: auto (when stderr is a terminal and the DoFns run in this process), on, or off (one log line per --progress_every)"),
	}
}

// setupLogging sets the process's slog logger (level --log_level, on stderr) and Beam's
// (--beam_log_level, through slog), and with a terminal starts the model stages' live
// progress bars. The returned func ends the bars; call it before printing the summary.
// Call it after beam.Init, which sets both loggers for itself.
func (f logFlags) setupLogging(stderr *os.File) (stop func(), err error) {
	level, err := parseLevel(*f.level)
	if err != nil {
		return nil, fmt.Errorf("--log_level: %v", err)
	}
	beamLevel, err := parseLevel(*f.beamLevel)
	if err != nil {
		return nil, fmt.Errorf("--beam_log_level: %v", err)
	}
	var logs io.Writer = stderr
	stop = llm.FlushProgress
	switch *f.bars {
	case "auto", "on":
		if *f.bars == "on" || (term.IsTerminal(int(stderr.Fd())) && inProcessRunner()) {
			logs, stop = llm.ProgressBars(stderr)
		}
	case "off":
	default:
		return nil, fmt.Errorf("--progress_bars: %q is not auto, on or off", *f.bars)
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: level})))
	beamlog.SetLogger(beamLogger{min: beamLevel})
	return stop, nil
}

// inProcessRunner reports whether the runner runs the DoFns in this process, where the
// progress board is: the direct runner, and prism in LOOPBACK mode. Workers of other
// runners have no terminal, and log plain lines.
func inProcessRunner() bool {
	runner, env := "direct", ""
	if v := flag.Lookup("runner"); v != nil && v.Value.String() != "" {
		runner = strings.ToLower(v.Value.String())
	}
	if v := flag.Lookup("environment_type"); v != nil {
		env = strings.ToUpper(v.Value.String())
	}
	switch runner {
	case "direct":
		return true
	case "prism":
		return env == "" || env == "LOOPBACK"
	}
	return env == "LOOPBACK"
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	err := l.UnmarshalText([]byte(s))
	return l, err
}

// beamLogger sends Beam's logs to slog at their own level, dropping those below min.
type beamLogger struct{ min slog.Level }

func (l beamLogger) Log(ctx context.Context, sev beamlog.Severity, _ int, msg string) {
	level := beamSlogLevel(sev)
	if level < l.min {
		return
	}
	slog.Log(ctx, level, msg)
}

func beamSlogLevel(sev beamlog.Severity) slog.Level {
	switch sev {
	case beamlog.SevDebug:
		return slog.LevelDebug
	case beamlog.SevWarn:
		return slog.LevelWarn
	case beamlog.SevError, beamlog.SevFatal:
		return slog.LevelError
	}
	return slog.LevelInfo
}
