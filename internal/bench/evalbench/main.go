// Command evalbench is the eval benchmark's helper (run.sh in this directory):
//
//	evalbench summarize --stats=stats.json --series=series.tsv --time=job.time --out=OUTPUT \
//	    --runner=direct --capacity=640 --slots=64 --format=text|row
//
// The series comes from internal/bench/llm's poll (its first five columns: time,
// requests, answered, in flight, completed). summarize splits the run into its two phases from the answers the
// job wrote (one answer call each, with a fresh response store) and the polled series:
// the answer phase runs from the first request to the arrival of the last answer call,
// the judge phase from the arrival of the first judge call to the last request (on both
// runners the judge stage waits for every answer: pairjudge.Compare groups by question).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: evalbench summarize [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "summarize":
		err = summarize(os.Args[2:], os.Stdout)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "evalbench:", err)
		os.Exit(1)
	}
}

// stats is the part of llmtest.Stats the benchmark reads.
type stats struct {
	Requests     int64            `json:"requests"`
	ByStatus     map[string]int64 `json:"by_status"`
	Completed    int64            `json:"completed"`
	MaxInFlight  int64            `json:"max_in_flight"`
	FirstRequest time.Time        `json:"first_request"`
	LastRequest  time.Time        `json:"last_request"`
}

type sample struct {
	t                   float64 // seconds since the first request
	requests, answered  int64
	inFlight, completed int64
}

func readSeries(path string, t0 time.Time) ([]sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []sample
	sc := bufio.NewScanner(f)
	for first := true; sc.Scan(); first = false {
		if first {
			continue
		}
		v := strings.Split(sc.Text(), "\t")
		if len(v) < 5 {
			continue
		}
		var n [5]int64
		for i := range n {
			n[i], _ = strconv.ParseInt(v[i], 10, 64)
		}
		out = append(out, sample{t: float64(n[0]-t0.UnixMilli()) / 1000, requests: n[1], answered: n[2], inFlight: n[3], completed: n[4]})
	}
	return out, sc.Err()
}

// crossing is when the requests count first reached k: linear between the last poll
// below k and the first at or above it.
func crossing(ss []sample, k int64) (float64, bool) {
	for i, s := range ss {
		if s.requests >= k {
			if i == 0 {
				return s.t, true
			}
			p := ss[i-1]
			return p.t + (s.t-p.t)*float64(k-p.requests)/float64(s.requests-p.requests), true
		}
	}
	return 0, false
}

// meanInFlight is the time-weighted mean of requests in flight over [a, b].
func meanInFlight(ss []sample, a, b float64) float64 {
	var area, span float64
	for i := 1; i < len(ss); i++ {
		lo, hi := max(ss[i-1].t, a), min(ss[i].t, b)
		if hi <= lo {
			continue
		}
		area += float64(ss[i-1].inFlight) * (hi - lo)
		span += hi - lo
	}
	if span == 0 {
		return 0
	}
	return area / span
}

// countLines counts the lines of the .jsonl files under dir.
func countLines(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".jsonl") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n += int64(strings.Count(string(b), "\n"))
		return nil
	})
	return n, err
}

func readTime(path string) (wall, rssMB, cpu float64, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ": ")
		if !ok {
			continue
		}
		switch {
		case strings.HasPrefix(k, "Elapsed (wall clock)"):
			parts := strings.Split(v, ":")
			for _, p := range parts {
				f, _ := strconv.ParseFloat(p, 64)
				wall = wall*60 + f
			}
		case k == "Maximum resident set size (kbytes)":
			f, _ := strconv.ParseFloat(v, 64)
			rssMB = f / 1024
		case k == "User time (seconds)", k == "System time (seconds)":
			f, _ := strconv.ParseFloat(v, 64)
			cpu += f
		}
	}
	return wall, rssMB, cpu, nil
}

func summarize(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("summarize", flag.ContinueOnError)
	runner := fs.String("runner", "", "runner name, for the table")
	statsPath := fs.String("stats", "", "the fake server's final /fake/stats JSON")
	seriesPath := fs.String("series", "", "poll's TSV")
	timePath := fs.String("time", "", "/usr/bin/time -v report")
	output := fs.String("out", "", "the job's --output")
	capacity := fs.Float64("capacity", 640, "server capacity, requests/s")
	slots := fs.Float64("slots", 64, "server max concurrency")
	format := fs.String("format", "text", "text or row")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var st stats
	b, err := os.ReadFile(*statsPath)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return err
	}
	ss, err := readSeries(*seriesPath, st.FirstRequest)
	if err != nil {
		return err
	}
	wall, rss, cpu, err := readTime(*timePath)
	if err != nil {
		return err
	}
	answers, err := countLines(filepath.Join(*output, "answers"))
	if err != nil {
		return err
	}
	judgments, err := countLines(filepath.Join(*output, "judgments"))
	if err != nil {
		return err
	}
	judgeCalls := st.Requests - answers

	span := st.LastRequest.Sub(st.FirstRequest).Seconds()
	rate := float64(st.Requests) / span
	aEnd, ok1 := crossing(ss, answers)
	jStart, ok2 := crossing(ss, answers+1)
	if !ok1 || !ok2 {
		return fmt.Errorf("the series never reached %d requests", answers+1)
	}
	aRate := float64(answers) / aEnd
	jRate := float64(judgeCalls) / (span - jStart)
	aMean, jMean := meanInFlight(ss, 0, aEnd), meanInFlight(ss, jStart, span)

	if *format == "row" {
		fmt.Fprintf(stdout, "| %s | %d | %d | %d | %d | %.2f | %.0f | %.1f%% | %.2f | %.0f | %.1f%% | %.2f | %.2f | %.0f | %.1f%% | %.2f | %.0f | %.2f |\n",
			*runner, st.Requests, answers, judgeCalls, st.MaxInFlight,
			span, rate, 100*rate / *capacity,
			aEnd, aRate, 100*aRate / *capacity,
			jStart-aEnd,
			span-jStart, jRate, 100*jRate / *capacity,
			wall, rss, cpu)
		return nil
	}
	fmt.Fprintf(stdout, "  server: %d requests (%d completed, by status %v), max in flight %d; the job wrote %d answers and %d judgments (%d judge calls)\n",
		st.Requests, st.Completed, st.ByStatus, st.MaxInFlight, answers, judgments, judgeCalls)
	fmt.Fprintf(stdout, "  overall: first→last request %.2f s, %.0f req/s = %.1f%% of %.0f; job wall %.2f s, peak RSS %.0f MB, CPU %.2f s\n",
		span, rate, 100*rate / *capacity, *capacity, wall, rss, cpu)
	fmt.Fprintf(stdout, "  answer phase: 0 → %.2f s (last answer call), %.0f req/s = %.1f%%, mean in flight %.1f (%.0f%% of %g)\n",
		aEnd, aRate, 100*aRate / *capacity, aMean, 100*aMean / *slots, *slots)
	fmt.Fprintf(stdout, "  gap: %.2f s from the last answer call to the first judge call\n", jStart-aEnd)
	fmt.Fprintf(stdout, "  judge phase: %.2f → %.2f s, %.0f req/s = %.1f%%, mean in flight %.1f (%.0f%% of %g)\n",
		jStart, span, jRate, 100*jRate / *capacity, jMean, 100*jMean / *slots, *slots)
	// Dips: polls between the first and last request with fewer than half the slots busy.
	var dips []string
	for i := 0; i < len(ss); i++ {
		if ss[i].t <= 0 || ss[i].t >= span || float64(ss[i].inFlight) >= *slots/2 {
			continue
		}
		j := i
		for j+1 < len(ss) && ss[j+1].t < span && float64(ss[j+1].inFlight) < *slots/2 {
			j++
		}
		dips = append(dips, fmt.Sprintf("%.2f-%.2f s at %d requests (min %d in flight)", ss[i].t, ss[j].t, ss[i].requests, minIn(ss[i:j+1])))
		i = j
	}
	if len(dips) == 0 {
		dips = []string{"none"}
	}
	fmt.Fprintf(stdout, "  polls under %g in flight: %s\n", *slots/2, strings.Join(dips, "; "))
	return nil
}

func minIn(ss []sample) int64 {
	m := ss[0].inFlight
	for _, s := range ss {
		m = min(m, s.inFlight)
	}
	return m
}
