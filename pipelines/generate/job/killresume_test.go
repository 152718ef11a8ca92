package job

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/internal/testenv"

	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
	"github.com/xinstruct/xinstruct/io/llm/store"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

// killResumeRunner is the runner of the subprocess. direct, because this test is about
// the response store and the client, not the runner: direct runs the whole job in the
// one process we kill, starts in well under a second and keeps memory small; prism
// (also in-process, LOOPBACK) adds its own startup and in-memory shuffles to every run
// and, being killed with the job, shows nothing more about the store.
const killResumeRunner = "direct"

// killResumeSentences is one short sentence per target language with a number in it,
// appended to the sample documents to make distinct variants of them that still read
// as their language.
var killResumeSentences = map[string]string{
	"fi": "Tämä teksti on julkaistu kokoelman osana numero %d.",
	"id": "Teks ini diterbitkan sebagai bagian dari kumpulan nomor %d.",
	"th": "บทความนี้เผยแพร่เป็นส่วนหนึ่งของชุดบทความลำดับที่ %d",
	"tr": "Bu metin %d numaralı derlemenin bir parçası olarak yayımlandı.",
	"vi": "Bài viết này được đăng trong tuyển tập số %d.",
	"bn": "এই লেখাটি %d নম্বর সংকলনের অংশ হিসেবে প্রকাশিত হয়েছে।",
	"hi": "यह लेख संग्रह संख्या %d के भाग के रूप में प्रकाशित हुआ है।",
	"sw": "Makala hii imechapishwa kama sehemu ya mkusanyiko namba %d.",
	"ta": "இந்தக் கட்டுரை தொகுப்பு எண் %d இன் ஒரு பகுதியாக வெளியிடப்பட்டது.",
	"ur": "یہ مضمون مجموعہ نمبر %d کے حصے کے طور پر شائع ہوا ہے۔",
}

// TestKillAndResume checks the response store's promise under the worst crash: a job
// killed with SIGKILL while generating, then re-run, repeats at most the requests that
// were in flight when it died. It builds the job's binary, runs it as a subprocess
// against a fake model server in this process, kills it when about 40% of the documents
// have their answer, checks that the store holds whole entries for every answer but
// those in flight, re-runs the same command to completion, and counts on the server how
// many requests were answered twice.
//
// It does so twice: with 50ms of server latency, as a real endpoint is slow, and with
// none, where a call spends most of its time between the server's answer and the
// store's fsync. The second is the sharp one: a client that released its concurrency
// slot before storing the answer had up to twice max_in_flight answers unstored at
// once, and repeated 12-13 requests (with max_in_flight 8) in three runs of four.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the job's binary and runs it five times")
	}
	const variantsPerDoc = 14 // x the sample's 30 good documents
	tmp := t.TempDir()
	bin := generateBinary(t)
	start := time.Now()

	in := filepath.Join(tmp, "in")
	written := writeKillResumeCorpus(t, in, variantsPerDoc)
	input := "--input=" + filepath.Join(in, "*.jsonl")

	// How many documents reach generation: ingest alone, in its own output.
	start = time.Now()
	ingestOut := filepath.Join(tmp, "ingest")
	// The variants differ by one sentence: near-duplicates, which this test needs as
	// distinct documents, so --near_dup=false here and below.
	runKillResumeBinary(t, bin, "--runner="+killResumeRunner, input, "--output="+ingestOut, "--stop_after=ingest", "--near_dup=false")
	docs := int(readKillResumeFunnel(t, ingestOut).Kept)
	t.Logf("runner %s; %d documents written, %d kept by ingest (ingest-only run %v)", killResumeRunner, written, docs, time.Since(start).Round(time.Millisecond))
	if docs < written*9/10 {
		t.Fatalf("ingest kept %d of the %d documents written; the corpus should pass ingest", docs, written)
	}

	for _, latency := range []time.Duration{50 * time.Millisecond, 0} {
		t.Run(fmt.Sprintf("latency=%v", latency), func(t *testing.T) {
			killAndResume(t, bin, input, docs, latency)
		})
	}
}

// killAndResume runs the job in bin on input against a fake server answering after
// latency, kills it, re-runs it, and checks what the server and the store saw. docs is
// how many documents reach generation.
func killAndResume(t *testing.T, bin, input string, docs int, latency time.Duration) {
	const (
		maxInFlight = 8
		killAt      = 0.4 // share of the documents answered when the job is killed
	)
	srv, url := startFake(t, llmtest.Options{Latency: latency})
	// The workers read the key from the environment; it must reach no log, output or store.
	const secret = "sk-test-KILL-RESUME-SECRET-0451"
	t.Setenv(llm.APIKeyEnv, secret)
	out := filepath.Join(t.TempDir(), "out")
	responses := filepath.Join(out, "responses")
	args := []string{"--runner=" + killResumeRunner, input, "--output=" + out, "--llm_base_url=" + url,
		"--generator_model=m", "--rounds=0", fmt.Sprintf("--max_in_flight=%d", maxInFlight), "--progress_every=0s",
		"--skip_preflight", // the pre-flight call would be one more request than the documents
		"--near_dup=false"}

	// Run 1: killed with SIGKILL once about killAt of the documents have their answer.
	start := time.Now()
	var log1 bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &log1, &log1
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { // a failed test must not leave the job running
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
	})
	target := int64(float64(docs) * killAt)
	deadline := time.After(40 * time.Second)
poll:
	for {
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			t.Fatalf("the job exited (%v) before %d answers; the server completed %d\n%s", err, target, srv.Stats().Completed, log1.Bytes())
		case <-deadline:
			t.Fatalf("the server completed only %d answers in 40s, want %d\n%s", srv.Stats().Completed, target, log1.Bytes())
		case <-time.After(2 * time.Millisecond):
			if srv.Stats().Completed >= target {
				break poll
			}
		}
	}
	atKill := srv.Stats()
	if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix
		t.Fatal(err)
	}
	werr := <-exited
	exited <- werr // for the cleanup
	run1Time := time.Since(start)
	// The requests the job had in flight end on the server when it notices the closed
	// connections: wait for that before counting.
	time.Sleep(200 * time.Millisecond)
	afterKill := srv.Stats()
	n1 := len(afterKill.CompletedByKey)
	if int64(n1) != afterKill.Completed {
		t.Errorf("before the kill the server answered %d requests but only %d distinct ones: the job repeated requests while running", afterKill.Completed, n1)
	}

	stored, temps := checkKillResumeStore(t, responses)
	if n, err := store.Count(context.Background(), responses); err != nil || n != stored {
		t.Errorf("store.Count = %d, %v; the walk found %d entries", n, err, stored)
	}
	if stored < n1-maxInFlight {
		t.Errorf("the store holds %d entries after the kill; the server had completed %d distinct requests: more than the %d in flight were lost", stored, n1, maxInFlight)
	}
	if stored > n1 {
		t.Errorf("the store holds %d entries, more than the %d requests the server completed", stored, n1)
	}

	// Run 2: the same command, to completion.
	start = time.Now()
	log2 := runKillResumeBinary(t, bin, args...)
	for name, log := range map[string][]byte{"the killed run's log": log1.Bytes(), "the re-run's log": log2} {
		if bytes.Contains(log, []byte(secret)) {
			t.Errorf("the API key is in %s", name)
		}
	}
	filepath.Walk(out, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(secret)) {
				t.Errorf("the API key is in %s", p)
			}
		}
		return nil
	})
	run2Time := time.Since(start)
	final := srv.Stats()

	repeats := final.Completed - int64(docs)
	if repeats > maxInFlight {
		t.Errorf("the server answered %d requests for %d documents: %d repeats, more than the %d in flight at the kill", final.Completed, docs, repeats, maxInFlight)
	}
	if len(final.CompletedByKey) != docs {
		t.Errorf("the server completed %d distinct requests, want one per document (%d)", len(final.CompletedByKey), docs)
	}
	var twice int64
	for _, n := range final.CompletedByKey {
		twice += n - 1
	}
	o := readOutput(t, out)
	checkFunnel(t, o)
	if len(o.funnel.Stages) == 0 {
		t.Fatalf("the funnel has no generate stage: %+v", o.funnel)
	}
	if gen := o.funnel.Stages[0]; gen.Out != int64(docs) || gen.In != int64(docs) || !gen.Balanced {
		t.Errorf("generate stage %+v, want %d documents in and %d pairs out", gen, docs, docs)
	}
	if len(o.pairs) != docs {
		t.Errorf("%d pairs in the output, want %d", len(o.pairs), docs)
	}
	var hits, calls int64
	for _, u := range o.funnel.LLM["generate"] {
		hits += u.CacheHits
		calls += u.Requests
	}
	if hits != int64(stored) {
		t.Errorf("the re-run answered %d documents from the store; it held %d entries", hits, stored)
	}
	if n, err := store.Count(context.Background(), responses); err != nil || n != docs {
		t.Errorf("the store holds %d entries (%v) after the re-run, want %d", n, err, docs)
	}
	if leftover, _ := os.ReadDir(filepath.Join(out, TempRoot)); len(leftover) != 0 {
		t.Errorf("after the re-run %s still holds %d entries: the killed run's temporary files must go too", TempRoot, len(leftover))
	}

	t.Logf("kill: at %d completed (target %d, max_in_flight %d); after the kill the server had completed %d distinct requests (N1), received %d, by status %v",
		atKill.Completed, target, maxInFlight, n1, afterKill.Requests, afterKill.ByStatus)
	t.Logf("store at kill: %d whole entries, %d temporary files; N1 - stored = %d", stored, temps, n1-stored)
	t.Logf("re-run: %d store hits, %d calls; server completed %d over both runs for %d documents: repeats %d (keys answered twice: %d)",
		hits, calls, final.Completed, docs, repeats, twice)
	t.Logf("wall: run 1 until killed %v, re-run %v", run1Time.Round(time.Millisecond), run2Time.Round(time.Millisecond))
}

// writeKillResumeCorpus writes variants of the sample corpus's good documents to
// dir/corpus.jsonl: each document perDoc times, each copy ending in its own numbered
// sentence in the document's language. It returns how many it wrote.
func writeKillResumeCorpus(t *testing.T, dir string, perDoc int) int {
	t.Helper()
	f, err := os.Open(testenv.Testdata("sample", "sample.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec struct{ ID, Lang, Text string }
		if json.Unmarshal(sc.Bytes(), &rec) != nil {
			continue // the sample's deliberately malformed record
		}
		sentence, ok := killResumeSentences[rec.Lang]
		if !ok || strings.HasPrefix(rec.ID, "sample-bad-") {
			continue
		}
		for i := range perDoc {
			n := len(lines) + 1
			lines = append(lines, jsonLine(map[string]any{"id": fmt.Sprintf("%s-v%d", rec.ID, i), "lang": rec.Lang,
				"text": rec.Text + " " + fmt.Sprintf(sentence, n)}))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(lines) < 300 {
		t.Fatalf("only %d documents from the sample corpus", len(lines))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "corpus.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return len(lines)
}

// runKillResumeBinary runs the job's binary to completion and fails the test if it
// does not exit 0 within a minute.
func runKillResumeBinary(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, b)
	}
	return b
}

func readKillResumeFunnel(t *testing.T, out string) funnel.Report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, FunnelFile))
	if err != nil {
		t.Fatal(err)
	}
	var r funnel.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", FunnelFile, err)
	}
	return r
}

// checkKillResumeStore walks a local response store and checks that every entry file
// is a whole entry holding the key its name says. It returns the entries and the
// temporary files (left by writes the kill interrupted; the store ignores them).
func checkKillResumeStore(t *testing.T, root string) (entries, temps int) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := d.Name()
		if strings.HasPrefix(name, ".") {
			temps++
			return nil
		}
		key, ok := strings.CutSuffix(name, ".json")
		if !ok {
			t.Errorf("stray file in the store: %s", p)
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var e store.Entry
		if err := json.Unmarshal(b, &e); err != nil {
			t.Errorf("%s is not a whole entry (%d bytes): %v", p, len(b), err)
		} else if e.Key != key || len(e.Content) != 1 || e.Content[0] == "" {
			t.Errorf("%s holds key %q and %d answers", p, e.Key, len(e.Content))
		}
		entries++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return entries, temps
}
