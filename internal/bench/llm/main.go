// Command llmbench is the helper of the LLM throughput benchmark (run.sh in this
// directory). It has two modes.
//
//	llmbench poll --url=http://127.0.0.1:PORT/fake/stats --every=250ms --out=series.tsv
//
// polls the fake server's stats until SIGTERM or SIGINT and writes one TSV line per poll:
// the time, the requests that arrived, those answered, those being served (the
// difference), completed answers and answers by status class. The fake server counts a
// request under by_status only when it answers, so requests - sum(by_status) is the
// number in flight at the server.
//
//	llmbench summarize --runner=direct --stats=stats.json --funnel=funnel.json \
//	    --time=job.time [--series=series.tsv] [--capacity=640] [--format=row|text]
//
// reads the server's final stats, the job's report/funnel.json and the /usr/bin/time -v
// report, and prints the benchmark's numbers: as a markdown table row (--format=row) or
// as a readable summary with the server's in-flight profile (--format=text; --output
// also counts the pairs and dead letters on disk).
//
//	llmbench client --corpus='corpus/*.jsonl' --base_url=http://127.0.0.1:PORT/v1 --store=DIR
//	llmbench client --raw --corpus='corpus/*.jsonl' --base_url=http://127.0.0.1:PORT/v1
//
// are the baselines without Beam (client.go): the generation stage's calls made as
// generateFn makes them (io/llm Client, store and Pool), and plain net/http
// requests retried at once (what the server delivers on this machine to any client).
//
//	llmbench storelat --store=DIR [--n=5000 --workers=64 --rate=600]
//
// times the response store's Put at the stage's rate and concurrency (storelat.go).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: llmbench poll|summarize|client|storelat [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "poll":
		err = poll(os.Args[2:])
	case "summarize":
		err = summarize(os.Args[2:], os.Stdout)
	case "client":
		err = client(os.Args[2:], os.Stdout)
	case "storelat":
		err = storeLatency(os.Args[2:], os.Stdout)
	default:
		err = fmt.Errorf("unknown mode %q: want poll, summarize, client or storelat", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "llmbench:", err)
		os.Exit(1)
	}
}

// stats is the part of llmtest.Stats the benchmark reads. (Decoded from JSON rather than
// imported, so that the helper reads what the running server actually served.)
type stats struct {
	Requests       int64            `json:"requests"`
	ByStatus       map[string]int64 `json:"by_status"`
	Completed      int64            `json:"completed"`
	CompletedByKey map[string]int64 `json:"completed_by_key"`
	Faults         map[string]int64 `json:"faults"`
	MaxInFlight    int64            `json:"max_in_flight"`
	FirstRequest   time.Time        `json:"first_request"`
	LastRequest    time.Time        `json:"last_request"`
}

// statsLite skips completed_by_key, which is large, when polling.
type statsLite struct {
	Requests  int64            `json:"requests"`
	ByStatus  map[string]int64 `json:"by_status"`
	Completed int64            `json:"completed"`
}

func (s statsLite) status(pred func(int) bool) int64 {
	var n int64
	for k, v := range s.ByStatus {
		if c, err := strconv.Atoi(k); err == nil && pred(c) {
			n += v
		}
	}
	return n
}

func poll(args []string) error {
	fs := flag.NewFlagSet("poll", flag.ContinueOnError)
	url := fs.String("url", "", "the fake server's /fake/stats URL")
	every := fs.Duration("every", 250*time.Millisecond, "poll interval")
	out := fs.String("out", "", "TSV output file")
	ppid := fs.Int("ppid", 0, "also record the CPU time of this process's first child (the job under /usr/bin/time)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" || *out == "" {
		return errors.New("poll: --url and --out are required")
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "unix_ms\trequests\tanswered\tin_flight\tcompleted\ts200\ts429\ts5xx\ts0\tjob_cpu_ms")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	client := &http.Client{Timeout: 5 * time.Second}
	t := time.NewTicker(*every)
	defer t.Stop()
	for {
		if s, err := fetch(ctx, client, *url); err == nil {
			answered := s.status(func(int) bool { return true })
			fmt.Fprintf(w, "%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", time.Now().UnixMilli(), s.Requests, answered,
				s.Requests-answered, s.Completed, s.ByStatus["200"], s.ByStatus["429"],
				s.status(func(c int) bool { return c >= 500 }), s.ByStatus["0"], childCPU(*ppid))
			w.Flush()
		}
		select {
		case <-ctx.Done():
			if err := w.Flush(); err != nil {
				return err
			}
			return f.Close()
		case <-t.C:
		}
	}
}

// childCPU returns the user+system CPU time in ms of ppid's first child, or -1.
func childCPU(ppid int) int64 {
	if ppid <= 0 {
		return -1
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", ppid, ppid))
	if err != nil {
		return -1
	}
	kids := strings.Fields(string(b))
	if len(kids) == 0 {
		return -1
	}
	stat, err := os.ReadFile("/proc/" + kids[0] + "/stat")
	if err != nil {
		return -1
	}
	// Fields after the command's closing parenthesis: utime and stime are the 12th and
	// 13th (fields 14 and 15 of proc(5)), in clock ticks of 10 ms.
	rest := string(stat)
	if i := strings.LastIndexByte(rest, ')'); i >= 0 {
		rest = rest[i+1:]
	}
	f := strings.Fields(rest)
	if len(f) < 13 {
		return -1
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return (u + st) * 10
}

func fetch(ctx context.Context, c *http.Client, url string) (statsLite, error) {
	var s statsLite
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return s, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return s, fmt.Errorf("%s: %s", url, resp.Status)
	}
	err = json.NewDecoder(resp.Body).Decode(&s)
	return s, err
}

// funnelReport is the part of report/funnel.json the benchmark reads.
type funnelReport struct {
	Read   int64 `json:"read"`
	Kept   int64 `json:"kept"`
	Stages []struct {
		Name             string           `json:"name"`
		In               int64            `json:"in"`
		Out              int64            `json:"out"`
		Rejected         int64            `json:"rejected"`
		RejectedByReason map[string]int64 `json:"rejected_by_reason"`
	} `json:"stages"`
	LLM map[string]map[string]struct {
		Requests  int64 `json:"requests"`
		CacheHits int64 `json:"cache_hits"`
		Retries   int64 `json:"retries"`
		Failures  int64 `json:"failures"`
	} `json:"llm"`
}

// result is everything the benchmark reports for one runner.
type result struct {
	Runner                 string
	Kept, StageIn          int64 // documents that reached generation (funnel "kept", stages[0].in)
	StageOut, StageRejects int64
	Completed, Distinct    int64
	Duplicates             int64
	Requests               int64
	S429, S5xx, S0         int64
	Span                   float64 // first to last request, seconds
	Rate, Fraction         float64
	Lost                   int64
	Retries                int64 // as the job counted them
	Wall                   float64
	RSSMB                  float64
	CPU                    float64
	MaxInFlight            int64
}

func summarize(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("summarize", flag.ContinueOnError)
	runner := fs.String("runner", "", "runner name, for the table")
	statsPath := fs.String("stats", "", "the fake server's final /fake/stats JSON")
	funnelPath := fs.String("funnel", "", "the job's report/funnel.json")
	timePath := fs.String("time", "", "the job's /usr/bin/time -v report")
	seriesPath := fs.String("series", "", "poll's TSV (optional)")
	capacity := fs.Float64("capacity", 640, "the server's capacity in requests/s (max_concurrency / latency)")
	slots := fs.Int("slots", 64, "the server's max concurrency, for the in-flight profile")
	format := fs.String("format", "row", "row (a markdown table row) or text")
	outDir := fs.String("output", "", "the job's output prefix: count the pairs and generate dead letters on disk too (text format)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var st stats
	if err := readJSON(*statsPath, &st); err != nil {
		return err
	}
	var fr funnelReport
	if *funnelPath != "" {
		if err := readJSON(*funnelPath, &fr); err != nil {
			return err
		}
	}
	r := result{Runner: *runner, Kept: fr.Kept, Completed: st.Completed, Distinct: int64(len(st.CompletedByKey)),
		Requests: st.Requests, MaxInFlight: st.MaxInFlight}
	r.Duplicates = r.Completed - r.Distinct
	for k, v := range st.ByStatus {
		c, _ := strconv.Atoi(k)
		switch {
		case c == 429:
			r.S429 += v
		case c >= 500:
			r.S5xx += v
		case c == 0:
			r.S0 += v
		}
	}
	r.Span = st.LastRequest.Sub(st.FirstRequest).Seconds()
	if r.Span > 0 {
		r.Rate = float64(r.Completed) / r.Span
	}
	r.Fraction = r.Rate / *capacity
	var g struct {
		In, Out, Rejected int64
		RejectedByReason  map[string]int64
	}
	if *funnelPath != "" {
		if len(fr.Stages) == 0 {
			return fmt.Errorf("%s has no stages: did generation run?", *funnelPath)
		}
		g.In, g.Out, g.Rejected, g.RejectedByReason = fr.Stages[0].In, fr.Stages[0].Out, fr.Stages[0].Rejected, fr.Stages[0].RejectedByReason
	}
	r.StageIn, r.StageOut, r.StageRejects = g.In, g.Out, g.Rejected
	r.Lost = r.StageIn - r.StageOut - r.StageRejects
	for _, u := range fr.LLM["generate"] {
		r.Retries += u.Retries
	}
	if *timePath != "" {
		var err error
		if r.Wall, r.RSSMB, r.CPU, err = readTime(*timePath); err != nil {
			return err
		}
	}
	switch *format {
	case "row":
		docs, lost := "- (no pipeline)", "-"
		if *funnelPath != "" {
			docs, lost = strconv.FormatInt(r.StageIn, 10), strconv.FormatInt(r.Lost, 10)
		}
		fmt.Fprintf(stdout, "| %s | %s | %d | %d | %d | %d | %d | %.2f | %.0f | %.2f%% %s | %s | %.1f | %.0f |\n",
			r.Runner, docs, r.Completed, r.Distinct, r.Duplicates, r.S429, r.S5xx, r.Span, r.Rate,
			100*r.Fraction, verdict(r), lost, r.Wall, r.RSSMB)
	case "text":
		if *funnelPath != "" {
			fmt.Fprintf(stdout, "runner %s: %d docs kept by ingest, %d reached generation (stages[0].in), %d pairs out, %d generate rejects %v, lost %d\n",
				r.Runner, r.Kept, r.StageIn, r.StageOut, r.StageRejects, g.RejectedByReason, r.Lost)
		} else {
			fmt.Fprintf(stdout, "runner %s: no pipeline, no funnel\n", r.Runner)
		}
		if *outDir != "" {
			// Every pair the generation stage made ends as a line of pairs/ or as a dead
			// letter of a stage after ingest, under its pair id (<doc id>#<candidate>).
			seen := map[string]bool{}
			var lines, rlines int64
			dirs := []string{filepath.Join(*outDir, "pairs")}
			stages, _ := os.ReadDir(filepath.Join(*outDir, "rejected"))
			for _, d := range stages {
				if d.IsDir() && d.Name() != "ingest" {
					dirs = append(dirs, filepath.Join(*outDir, "rejected", d.Name()))
				}
			}
			for i, dir := range dirs {
				n, err := collectIDs(dir, "id", seen)
				if err != nil {
					return err
				}
				if i == 0 {
					lines = n
				} else {
					rlines += n
				}
			}
			distinct := int64(len(seen))
			fmt.Fprintf(stdout, "  on disk: %d pair lines and %d dead letters after ingest, %d distinct pair ids; lost on disk %d, duplicated on disk %d\n",
				lines, rlines, distinct, r.StageIn-distinct, lines+rlines-distinct)
		}
		fmt.Fprintf(stdout, "  server: %d requests, by status %v, faults %v, completed %d, distinct %d, duplicates %d, max in flight %d\n",
			r.Requests, st.ByStatus, st.Faults, r.Completed, r.Distinct, r.Duplicates, r.MaxInFlight)
		fmt.Fprintf(stdout, "  first→last request %.2f s: %.1f completed/s = %.1f%% of %.0f/s; job wall %.1f s, CPU %.1f s, peak RSS %.0f MB\n",
			r.Span, r.Rate, 100*r.Fraction, *capacity, r.Wall, r.CPU, r.RSSMB)
		// The best this run could do: every request (errors too: an injected 500 or 503
		// also holds a server slot for the latency) back to back in every slot.
		if *capacity > 0 && r.Requests > 0 {
			ideal := float64(r.Requests-r.S429) / *capacity
			fmt.Fprintf(stdout, "  ideal span for %d admitted requests at %.0f/s: %.2f s (ceiling %.1f%% of capacity in completed/s); lost to idle or slow slots: %.2f s\n",
				r.Requests-r.S429, *capacity, ideal, 100*float64(r.Completed)/float64(r.Requests-r.S429), r.Span-ideal)
		}
		if *seriesPath != "" {
			if err := profile(stdout, *seriesPath, st, *slots); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("--format=%q: want row or text", *format)
	}
	return nil
}

func verdict(r result) string {
	if r.Fraction >= 0.9 && r.Lost == 0 && r.Duplicates == 0 {
		return "ok"
	}
	return "MISS"
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

// readTime reads wall seconds, peak RSS in MB and CPU seconds from a GNU time -v report.
func readTime(path string) (wall, rssMB, cpu float64, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		i := strings.LastIndex(line, ": ")
		if i < 0 {
			continue
		}
		v := line[i+2:]
		switch {
		case strings.HasPrefix(line, "Elapsed (wall clock) time"):
			for _, part := range strings.Split(v, ":") {
				x, _ := strconv.ParseFloat(part, 64)
				wall = wall*60 + x
			}
		case strings.HasPrefix(line, "Maximum resident set size"):
			kb, _ := strconv.ParseFloat(v, 64)
			rssMB = kb / 1024
		case strings.HasPrefix(line, "User time"), strings.HasPrefix(line, "System time"):
			x, _ := strconv.ParseFloat(v, 64)
			cpu += x
		}
	}
	return wall, rssMB, cpu, nil
}

// collectIDs counts the JSONL lines in the files below dir and adds the values of their
// field to seen. A missing dir counts nothing.
func collectIDs(dir, field string, seen map[string]bool) (lines int64, err error) {
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if errors.Is(err, os.ErrNotExist) {
			return filepath.SkipDir
		}
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".jsonl") {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			if len(strings.TrimSpace(sc.Text())) == 0 {
				continue
			}
			lines++
			{
				var m map[string]any
				if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
					return fmt.Errorf("%s: %v", path, err)
				}
				seen[fmt.Sprint(m[field])] = true
			}
		}
		return sc.Err()
	})
	return lines, err
}

type sample struct {
	t                                      time.Time
	requests, answered, inFlight, complete int64
	cpuMS                                  int64 // the job's CPU time so far; -1 unknown
}

// profile prints how full the server's slots were between the first and the last
// request: the time-weighted mean in flight, the time below the slots, and a per-second
// strip of completions and in-flight.
func profile(w io.Writer, path string, st stats, slots int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var ss []sample
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) < 5 || fields[0] == "unix_ms" {
			continue
		}
		var v [5]int64
		for i := range v {
			v[i], _ = strconv.ParseInt(fields[i], 10, 64)
		}
		cpu := int64(-1)
		if len(fields) >= 10 {
			cpu, _ = strconv.ParseInt(fields[9], 10, 64)
		}
		ss = append(ss, sample{time.UnixMilli(v[0]), v[1], v[2], v[3], v[4], cpu})
	}
	if err := sc.Err(); err != nil {
		return err
	}
	var in []sample
	for _, s := range ss {
		if !s.t.Before(st.FirstRequest) && !s.t.After(st.LastRequest) {
			in = append(in, s)
		}
	}
	if len(in) < 2 {
		fmt.Fprintf(w, "  profile: %d samples inside first→last; too few\n", len(in))
		return nil
	}
	var sum, below, full float64
	var hist = map[string]float64{}
	for i := 1; i < len(in); i++ {
		dt := in[i].t.Sub(in[i-1].t).Seconds()
		x := in[i-1].inFlight
		sum += float64(x) * dt
		full += dt
		if x < int64(slots) {
			below += dt
		}
		switch {
		case x >= int64(slots):
			hist[fmt.Sprintf(">=%d", slots)] += dt
		case x >= int64(slots)*9/10:
			hist[fmt.Sprintf("%d-%d", slots*9/10, slots-1)] += dt
		case x >= int64(slots)/2:
			hist[fmt.Sprintf("%d-%d", slots/2, slots*9/10-1)] += dt
		default:
			hist[fmt.Sprintf("<%d", slots/2)] += dt
		}
	}
	fmt.Fprintf(w, "  server in flight over %d polls (%.1f s): time-weighted mean %.1f of %d; below %d for %.1f%% of the time\n",
		len(in), full, sum/full, slots, slots, 100*below/full)
	// The tail: after the last poll with at least half the slots busy, only stragglers
	// (mostly retries waiting out their backoff) remain.
	for i := len(in) - 1; i >= 0; i-- {
		if in[i].inFlight >= int64(slots)/2 {
			fmt.Fprintf(w, "  tail: %.2f s from the last poll with >= %d in flight to the last request; %d requests arrived in it\n",
				st.LastRequest.Sub(in[i].t).Seconds(), slots/2, st.Requests-in[i].requests)
			break
		}
	}
	keys := make([]string, 0, len(hist))
	for k := range hist {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprint(w, "  in-flight histogram (share of time):")
	for _, k := range keys {
		fmt.Fprintf(w, " %s %.1f%%", k, 100*hist[k]/full)
	}
	fmt.Fprintln(w)
	// Per second: completions and the lowest in-flight seen in that second.
	fmt.Fprintln(w, "  per second since the first request: completed/s (min in flight) [job CPU % of one core]")
	var line []string
	start := st.FirstRequest
	prev := sample{t: start, cpuMS: -1}
	for _, s := range ss { // the last poll before the first request
		if s.t.After(start) {
			break
		}
		prev = s
	}
	if prev.cpuMS >= 0 {
		fmt.Fprintf(w, "  job CPU before the first request (ingest): %.1f s\n", float64(prev.cpuMS)/1000)
	}
	for sec := 1; ; sec++ {
		end := start.Add(time.Duration(sec) * time.Second)
		lo := int64(math.MaxInt64)
		var last sample
		found := false
		for _, s := range ss {
			if s.t.After(end.Add(-time.Second)) && !s.t.After(end) {
				lo = min(lo, s.inFlight)
				last, found = s, true
			}
		}
		if !found {
			if end.After(st.LastRequest.Add(time.Second)) {
				break
			}
			line = append(line, "-")
			continue
		}
		cell := fmt.Sprintf("%d(%d)", last.complete-prev.complete, lo)
		if last.cpuMS >= 0 && prev.cpuMS >= 0 && prev.t.Before(last.t) {
			cell += fmt.Sprintf("[%.0f]", 100*float64(last.cpuMS-prev.cpuMS)/float64(last.t.Sub(prev.t).Milliseconds()))
		}
		line = append(line, cell)
		prev = last
		if end.After(st.LastRequest) {
			break
		}
	}
	for i := 0; i < len(line); i += 10 {
		fmt.Fprintf(w, "    %3ds: %s\n", i, strings.Join(line[i:min(i+10, len(line))], " "))
	}
	return nil
}
