package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// testKey is the key of request name, as the caller would compute it.
func testKey(name string) string {
	h := sha256.Sum256([]byte(name))
	return hex.EncodeToString(h[:])
}

func testEntry(name string) Entry {
	return Entry{
		Key:              testKey(name),
		Model:            "gpt-4o-mini",
		ResponseModel:    "gpt-4o-mini-2024-07-18",
		Template:         "instruct.answer@3",
		Content:          []string{"answer to " + name, "second choice: «ünïcödé» \"quoted\"\n"},
		FinishReason:     []string{"stop", "length"},
		PromptTokens:     123,
		CompletionTokens: 45,
		Embedding:        [][]float32{{0.1, -2.5e-8, 3.4028235e38}, {}},
		CreatedAt:        time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC),
		Placeholder:      true,
	}
}

func openTemp(t *testing.T) (Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "responses")
	s, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

func mustCount(t *testing.T, url string) int {
	t.Helper()
	n, err := Count(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLocalRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, dir := openTemp(t)
	want := testEntry("a")
	if err := s.Put(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Get(ctx, want.Key)
	if err != nil || !ok {
		t.Fatalf("Get = ok %v, err %v; want the entry", ok, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Get = %+v\nwant %+v", got, want)
	}
	// The layout is part of the contract: tools and other runs read it.
	if _, err := os.Stat(filepath.Join(dir, want.Key[:2], want.Key+".json")); err != nil {
		t.Errorf("entry not at <root>/<key[0:2]>/<key>.json: %v", err)
	}
	if n := mustCount(t, dir); n != 1 {
		t.Errorf("Count = %d, want 1", n)
	}
	// A successful Put leaves no temporary file behind.
	files, _ := os.ReadDir(filepath.Join(dir, want.Key[:2]))
	if len(files) != 1 {
		t.Errorf("fan-out directory holds %d files, want 1: %v", len(files), files)
	}
}

func TestLocalMissing(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	// No fan-out directory yet, then a fan-out directory without this key.
	for _, name := range []string{"missing", "missing-again"} {
		e, ok, err := s.Get(ctx, testKey(name))
		if err != nil || ok || !reflect.DeepEqual(e, Entry{}) {
			t.Errorf("Get(%s) = %+v, %v, %v; want zero, false, nil", name, e, ok, err)
		}
		other := testEntry(name)
		other.Key = other.Key[:2] + strings.Repeat("0", 62)
		if err := s.Put(ctx, other); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLocalOverwrite(t *testing.T) {
	ctx := context.Background()
	s, dir := openTemp(t)
	first := testEntry("a")
	second := testEntry("a")
	second.Content = []string{"a later answer"}
	second.FinishReason = []string{"stop"}
	second.Embedding = nil
	for _, e := range []Entry{first, second} {
		if err := s.Put(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	got, ok, err := s.Get(ctx, first.Key)
	if err != nil || !ok || !reflect.DeepEqual(got, second) {
		t.Errorf("Get = %+v, %v, %v; want the last Put, %+v", got, ok, err, second)
	}
	if n := mustCount(t, dir); n != 1 {
		t.Errorf("Count = %d, want 1", n)
	}
}

func TestValidKey(t *testing.T) {
	good := testKey("x")
	for _, tc := range []struct {
		key  string
		want bool
	}{
		{good, true},
		{strings.Repeat("0", 64), true},
		{"", false},
		{good[:63], false},
		{good + "0", false},
		{strings.ToUpper(good), false},       // case-insensitive filesystems would merge keys
		{"../" + good[3:], false},            // a path
		{good[:10] + "/" + good[11:], false}, // a separator
		{strings.Repeat("g", 64), false},
		{good[:63] + "\x00", false},
	} {
		if got := ValidKey(tc.key); got != tc.want {
			t.Errorf("ValidKey(%q) = %v, want %v", tc.key, got, tc.want)
		}
	}
}

func TestInvalidKeys(t *testing.T) {
	ctx := context.Background()
	s, dir := openTemp(t)
	for _, key := range []string{"", "abc", "../../etc/passwd", strings.ToUpper(testKey("x")), strings.Repeat("/", 64)} {
		if _, ok, err := s.Get(ctx, key); err == nil || ok {
			t.Errorf("Get(%q) = ok %v, err %v; want an error", key, ok, err)
		}
		e := testEntry("x")
		e.Key = key
		if err := s.Put(ctx, e); err == nil {
			t.Errorf("Put(key %q) succeeded; want an error", key)
		}
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("invalid keys wrote %v", files)
	}
}

func TestLocalCorrupt(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ name, content string }{
		{"empty", ""},
		{"truncated", `{"key":"` + testKey("a") + `","model":"m","con`},
		{"not json", "<html>"},
		{"other key", `{"key":"` + testKey("b") + `"}`},
		{"no key", `{"model":"m"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, dir := openTemp(t)
			key := testKey("a")
			p := filepath.Join(dir, key[:2], key+".json")
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, ok, err := s.Get(ctx, key)
			if ok || !IsCorrupt(err) {
				t.Fatalf("Get = ok %v, err %v; want a *CorruptError", ok, err)
			}
			if !strings.Contains(err.Error(), p) {
				t.Errorf("error %q does not name the file %s", err, p)
			}
			// A caller that treats it as a miss heals the store with its next Put.
			if err := s.Put(ctx, testEntry("a")); err != nil {
				t.Fatal(err)
			}
			if _, ok, err := s.Get(ctx, key); !ok || err != nil {
				t.Errorf("after Put: Get = ok %v, err %v", ok, err)
			}
		})
	}
}

// TestLeftoverTempFile is what a process killed between creating its temporary file and
// renaming it leaves behind.
func TestLeftoverTempFile(t *testing.T) {
	ctx := context.Background()
	s, dir := openTemp(t)
	e := testEntry("a")
	fan := filepath.Join(dir, e.Key[:2])
	if err := os.MkdirAll(fan, 0o755); err != nil {
		t.Fatal(err)
	}
	half, _ := json.Marshal(e)
	tmp := filepath.Join(fan, "."+e.Key+".json.tmp-3k9x1")
	if err := os.WriteFile(tmp, half[:len(half)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Get(ctx, e.Key); ok || err != nil {
		t.Errorf("Get with only a temporary file = ok %v, err %v; want absent", ok, err)
	}
	if n := mustCount(t, dir); n != 0 {
		t.Errorf("Count = %d, want 0 (temporary files are not entries)", n)
	}
	if err := s.Put(ctx, e); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := s.Get(ctx, e.Key); !ok || err != nil || !reflect.DeepEqual(got, e) {
		t.Errorf("Get after Put = %+v, %v, %v", got, ok, err)
	}
	if n := mustCount(t, dir); n != 1 {
		t.Errorf("Count = %d, want 1", n)
	}
}

func TestCountIgnoresStrays(t *testing.T) {
	ctx := context.Background()
	s, dir := openTemp(t)
	for i := range 5 {
		if err := s.Put(ctx, testEntry(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	k := testKey("stray")
	for name, content := range map[string]string{
		"README":                      "not an entry",
		"ab/notes.json":               "{}",
		k[:2] + "/" + k + ".json~":    "{}", // an editor's backup
		"zz/" + k + ".json":           "{}", // wrong fan-out directory
		"abc/":                        "",   // a directory whose name is not two characters
		k[:2] + "/sub/" + k + ".json": "{}",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			os.MkdirAll(p, 0o755)
			continue
		}
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if n := mustCount(t, dir); n != 5 {
		t.Errorf("Count = %d, want 5", n)
	}
}

func TestCountAbsentDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "never-created")
	if n := mustCount(t, dir); n != 0 {
		t.Errorf("Count = %d, want 0", n)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("Count created %s (stat: %v)", dir, err)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{"", "  ", file, "nosuch://bucket/prefix", "s3://bucket/prefix", "gs://"} {
		s, err := Open(ctx, url)
		if err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded; want an error", url)
			continue
		}
		t.Logf("Open(%q): %v", url, err)
	}
	// The error for an unregistered scheme says what to import.
	if _, err := Open(ctx, "s3://bucket/prefix"); err == nil || !strings.Contains(err.Error(), "io/filesystem/s3") {
		t.Errorf("Open(s3://...) error %v does not name the import that registers s3", err)
	}
	if _, err := Count(ctx, "nosuch://bucket/prefix"); err == nil {
		t.Error("Count of an unregistered scheme succeeded")
	}
}

func TestLocalConcurrent(t *testing.T) {
	testConcurrent(t, func(t *testing.T) (Store, string) { return openTemp(t) })
}

// testConcurrent runs 64 goroutines that Put and Get an overlapping set of keys: every
// Get sees a whole entry or none, and every key ends up stored once.
func testConcurrent(t *testing.T, open func(t *testing.T) (Store, string)) {
	const goroutines, keys, rounds = 64, 48, 4
	ctx := context.Background()
	s, url := open(t)
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			for r := range rounds {
				name := fmt.Sprint((g*7 + r*13) % keys)
				want := testEntry(name)
				if got, ok, err := s.Get(ctx, want.Key); err != nil {
					errs <- err
					return
				} else if ok && !reflect.DeepEqual(got, want) {
					errs <- fmt.Errorf("Get(%s) = %+v, want %+v", name, got, want)
					return
				}
				if err := s.Put(ctx, want); err != nil {
					errs <- err
					return
				}
				if _, ok, err := s.Get(ctx, want.Key); !ok || err != nil {
					errs <- fmt.Errorf("Get(%s) after its Put = ok %v, err %v", name, ok, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := mustCount(t, url); n != keys {
		t.Errorf("Count = %d, want %d", n, keys)
	}
}

// TestEntryHoldsNoSecrets pins Entry's JSON fields: a new field must be added here,
// which is the moment to check that it can never carry a header, key or token.
func TestEntryHoldsNoSecrets(t *testing.T) {
	data, err := json.Marshal(testEntry("a"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	var fields []string
	for f := range m {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	want := []string{"completion_tokens", "content", "created_at", "embedding", "finish_reason", "key",
		"model", "placeholder", "prompt_tokens", "response_model", "template"}
	if !slices.Equal(fields, want) {
		t.Errorf("Entry's JSON fields = %v, want %v", fields, want)
	}
	for _, f := range fields {
		lf := strings.ToLower(f)
		for _, bad := range []string{"key", "auth", "secret", "password", "bearer", "header", "credential", "cookie", "api"} {
			if strings.Contains(lf, bad) && f != "key" {
				t.Errorf("Entry field %q looks like it could hold a secret", f)
			}
		}
	}
}
