package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestServerEchoingTheKeyDoesNotLeakIt: a server that echoes the request's Authorization
// header in its 401 and 400 bodies, as JSON errors and as plain text, leaves neither the
// key nor the header value in the Failure, the error or the preflight's error.
func TestServerEchoingTheKeyDoesNotLeakIt(t *testing.T) {
	const secret = "sk-proj-ECHOED-abc123_XYZ-0000"
	t.Setenv(APIKeyEnv, secret)
	for _, tc := range []struct {
		name   string
		status int
		json   bool
	}{{"401 json", 401, true}, {"401 text", 401, false}, {"400 json", 400, true}, {"400 text", 400, false}} {
		t.Run(tc.name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				echo := "Authorization: " + r.Header.Get("Authorization") + " api-key=" + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
				w.WriteHeader(tc.status)
				if tc.json {
					fmt.Fprintf(w, `{"error":{"message":%q,"type":"invalid_request_error","code":"bad_key"}}`, "Incorrect API key provided; you sent "+echo)
				} else {
					fmt.Fprint(w, "<html>denied: "+echo+"</html>")
				}
			}))
			defer ts.Close()
			cfg := DefaultConfig()
			cfg.BaseURL, cfg.Model, cfg.Store, cfg.RunID = ts.URL+"/v1", "m-"+strings.ReplaceAll(t.Name(), "/", "-"), t.TempDir(), t.Name()
			cfg.Timeout, cfg.MaxRetries = 2*time.Second, 1
			c, err := New(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			leaks := func(what, s string) {
				t.Helper()
				if strings.Contains(s, secret) || strings.Contains(s, "ECHOED") {
					t.Errorf("%s holds the key: %s", what, s)
				}
			}
			_, f, err := c.Chat(context.Background(), ask("x", 0))
			if f == nil {
				t.Fatalf("no failure (err %v)", err)
			}
			leaks("the chat failure", f.Error())
			// A text body is not in the detail; a JSON one is, redacted.
			if tc.json && !strings.Contains(f.Detail, Redacted) {
				t.Errorf("the failure does not say what was redacted: %s", f.Detail)
			}
			_, f, err = c.Embed(context.Background(), EmbedRequest{Inputs: []string{"x"}})
			if f == nil {
				t.Fatalf("no embedding failure (err %v)", err)
			}
			leaks("the embedding failure", f.Error())
			err = Preflight(context.Background(), cfg, ProbeChat)
			if err == nil {
				t.Fatal("the preflight passed")
			}
			leaks("the preflight error", err.Error())
		})
	}
}

func TestRedactor(t *testing.T) {
	r := newRedactor("my-very-own-key")
	for _, tc := range []struct{ in, want string }{
		{"sent my-very-own-key here", "sent [REDACTED] here"},
		{"Authorization: Bearer abc.def-ghi", "Authorization: [REDACTED]"},
		{`{"authorization":"Bearer abc"}`, `{"authorization":"[REDACTED]"}`},
		{"api-key: 0123456789abcdef", "api-key: [REDACTED]"},
		{"X-Api-Key=zzz; next", "X-Api-Key=[REDACTED]; next"},
		{"token was bearer eyJhbGciOi, sorry", "token was bearer [REDACTED], sorry"},
		{"key sk-abcdefgh12345678 leaked", "key [REDACTED] leaked"},
		{"sk-short stays", "sk-short stays"},
		{"HTTP 400: max_tokens is too large", "HTTP 400: max_tokens is too large"},
	} {
		if got := r.string(tc.in); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := newRedactor("ab").string("abba"); got != "abba" {
		t.Errorf("a 2-letter key was replaced: %q", got)
	}
	err := r.error(fmt.Errorf("call: %w (my-very-own-key)", context.Canceled))
	if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "my-very-own-key") {
		t.Errorf("redacted error %v lost its cause or kept the key", err)
	}
	if got := redactedURL("https://user:pw@gw.example/v1?api-key=k#x"); got != "https://gw.example/v1" {
		t.Errorf("redactedURL: %s", got)
	}
}

// TestRedactsTheResolvedKey: the key a reference resolves to (here env:NAME, with
// $OPENAI_API_KEY set to something else) is the one scrubbed, even where no generic
// pattern would catch it (a bare key in a JSON message).
func TestRedactsTheResolvedKey(t *testing.T) {
	const secret = "plainKEYwithoutPrefix998877"
	t.Setenv(APIKeyEnv, "not-the-key-in-use")
	t.Setenv("XINSTRUCT_REDACT_KEY", secret)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"error":{"message":%q,"type":"invalid_request_error"}}`, "bad request; your key is "+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	}))
	defer ts.Close()
	cfg := DefaultConfig()
	cfg.BaseURL, cfg.Model, cfg.Store, cfg.RunID = ts.URL+"/v1", "m-resolved", t.TempDir(), t.Name()
	cfg.Timeout, cfg.MaxRetries, cfg.APIKeySecret = 2*time.Second, 1, "env:XINSTRUCT_REDACT_KEY"
	c, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, f, _ := c.Chat(context.Background(), ask("x", 0))
	if f == nil || strings.Contains(f.Error(), secret) || !strings.Contains(f.Detail, Redacted) {
		t.Fatalf("failure %v: want the resolved key redacted", f)
	}
	if err := Preflight(context.Background(), cfg, ProbeChat); err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("pre-flight %v: want a failure without the key", err)
	}
}
