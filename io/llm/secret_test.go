package llm_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/internal/secrettest"
	"github.com/xinstruct/xinstruct/io/llm"
)

// TestResolveKeyReferences: each form of reference resolves to its key, a Secret Manager
// version is read once per process, and no error repeats a key.
func TestResolveKeyReferences(t *testing.T) {
	ctx := context.Background()
	const key = "sk-resolve-test-SECRET-4411"
	sm := secrettest.Start(t)
	ok := "projects/p/secrets/openai/versions/1"
	sm.Set(ok, []byte(key+"\n"))
	denied := "projects/p/secrets/other/versions/2"
	sm.Deny(denied)
	t.Setenv(llm.APIKeyEnv, key)
	t.Setenv("XINSTRUCT_RESOLVE_KEY", key)
	t.Setenv("XINSTRUCT_EMPTY_KEY", "")

	for _, ref := range []string{"", "env:XINSTRUCT_RESOLVE_KEY", ok, ok} {
		got, err := llm.ResolveKey(ctx, ref)
		if err != nil || got != key {
			t.Fatalf("ResolveKey(%q) = %q, %v; want the key", ref, got, err)
		}
	}
	if n := sm.Calls.Load(); n != 1 {
		t.Errorf("Secret Manager was called %d times for one reference read twice; want 1 (cached)", n)
	}
	for _, c := range []struct{ ref, want string }{
		{"env:XINSTRUCT_EMPTY_KEY", "$XINSTRUCT_EMPTY_KEY is unset or empty"},
		{"env:XINSTRUCT_NEVER_SET", "$XINSTRUCT_NEVER_SET is unset or empty"},
		{"projects/p/secrets/missing/versions/1", "not found"},
		{denied, "roles/secretmanager.secretAccessor"},
		{key, "not a reference"}, // a key pasted in place of a reference
		{"env:", "not a reference"},
		{"projects/p/secrets/s", "not a reference"},
	} {
		_, err := llm.ResolveKey(ctx, c.ref)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ResolveKey(%q) = %v; want an error naming %q", c.ref, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), key) {
			t.Errorf("ResolveKey(%q)'s error holds the key: %v", c.ref, err)
		}
	}
}

// TestNewFailsWhenTheKeyCannotBeRead: a Client whose key cannot be read is not built (on
// a worker, Setup fails and with it the job, instead of dead-lettering every record with
// 401s), unless it never calls a model.
func TestNewFailsWhenTheKeyCannotBeRead(t *testing.T) {
	cfg := llm.DefaultConfig()
	cfg.BaseURL, cfg.Model, cfg.Store = "http://127.0.0.1:1/v1", "m", t.TempDir()
	cfg.APIKeySecret = "env:XINSTRUCT_NEVER_SET"
	_, err := llm.New(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "the key could not be read on the worker: $XINSTRUCT_NEVER_SET is unset or empty") {
		t.Fatalf("New = %v; want the key could not be read on the worker", err)
	}
	cfg.Offline = true
	c, err := llm.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("offline New = %v; an offline Client needs no key", err)
	}
	c.Close()

	cfg.Offline, cfg.Timeout = false, time.Second
	err = llm.Preflight(context.Background(), cfg, llm.ProbeChat)
	if err == nil || !strings.Contains(err.Error(), "the key could not be read in the launcher") {
		t.Fatalf("Preflight = %v; want the key could not be read in the launcher", err)
	}
}

// TestValidateRejectsAKeyInPlaceOfAReference: Config.Validate refuses a value that is not
// a reference, without repeating it.
func TestValidateRejectsAKeyInPlaceOfAReference(t *testing.T) {
	cfg := llm.DefaultConfig()
	cfg.Model, cfg.Store, cfg.APIKeySecret = "m", t.TempDir(), "sk-pasted-KEY-0000"
	err := cfg.Validate()
	if err == nil || strings.Contains(err.Error(), "sk-pasted") {
		t.Fatalf("Validate = %v; want an error that does not repeat the value", err)
	}
}
