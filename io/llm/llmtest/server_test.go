package llmtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

// start serves a fake with opts and returns it with a client pointed at it.
func start(t *testing.T, opts llmtest.Options) (*llmtest.Server, *openai.Client) {
	t.Helper()
	s := llmtest.New(opts)
	base, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if !strings.HasSuffix(base, "/v1") {
		t.Fatalf("base URL %q does not end in /v1", base)
	}
	cfg := openai.DefaultConfig("test-key")
	cfg.BaseURL = base
	cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	return s, openai.NewClientWithConfig(cfg)
}

// baseURL returns the fake's base URL as the client sees it, for raw HTTP requests.
func baseURL(t *testing.T, opts llmtest.Options) (*llmtest.Server, string) {
	t.Helper()
	s := llmtest.New(opts)
	base, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, base
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// generation is a request shaped like the pipeline's instruction-generation prompt.
func generation(lang, text string) openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{
		Model: "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessage{
			{Role: "system", Content: "You write English instructions. You are shown a text written in " + lang + "."},
			{Role: "user", Content: "Write an English instruction that the text answers.\n\n### Text (" + lang + "):\n<text>\n" + text + "\n</text>\n\n### English Instruction:"},
		},
		Temperature: 0.7,
	}
}

const swahili = "Kilimo cha mahindi ni muhimu sana kwa wakulima wa Tanzania. Mvua ikinyesha mapema, wakulima hupanda mbegu mapema."

func TestChatRoundTrip(t *testing.T) {
	s, c := start(t, llmtest.Options{})
	resp, err := c.CreateChatCompletion(ctx(t), generation("Swahili", swahili))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Object != "chat.completion" || !strings.HasPrefix(resp.ID, "chatcmpl-") || resp.Created == 0 ||
		resp.Model != "gpt-4o-mini" || resp.SystemFingerprint != "fakellm" {
		t.Errorf("envelope = %+v", resp)
	}
	if got := resp.Header().Get("X-Fakellm"); got != "placeholder" {
		t.Errorf("X-Fakellm = %q, want placeholder", got)
	}
	if len(resp.Choices) != 1 {
		t.Fatalf("%d choices, want 1", len(resp.Choices))
	}
	ch := resp.Choices[0]
	if ch.Index != 0 || ch.Message.Role != "assistant" || ch.FinishReason != openai.FinishReasonStop {
		t.Errorf("choice = %+v", ch)
	}
	content := ch.Message.Content
	if n := len(content); n < 40 || n > 200 || !strings.Contains(content, "Swahili") ||
		!(strings.HasSuffix(content, ".") || strings.HasSuffix(content, "?")) {
		t.Errorf("content %q: want a 40-200 character English instruction naming Swahili", content)
	}
	// Tokens are ceil(bytes/4) of the messages and of the answer.
	req := generation("Swahili", swahili)
	wantPrompt := (len(req.Messages[0].Content) + len(req.Messages[1].Content) + 3) / 4
	u := resp.Usage
	if u.PromptTokens != wantPrompt || u.CompletionTokens != (len(content)+3)/4 || u.TotalTokens != u.PromptTokens+u.CompletionTokens {
		t.Errorf("usage = %+v, want prompt %d, completion %d", u, wantPrompt, (len(content)+3)/4)
	}
	st := s.Stats()
	if st.PromptTokens != int64(u.PromptTokens) || st.CompletionTokens != int64(u.CompletionTokens) {
		t.Errorf("stats tokens = %d, %d; want the usage %+v", st.PromptTokens, st.CompletionTokens, u)
	}
}

func TestChatDefaultModel(t *testing.T) {
	_, c := start(t, llmtest.Options{Model: "local-model"})
	req := generation("Thai", "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย")
	req.Model = ""
	resp, err := c.CreateChatCompletion(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Model != "local-model" {
		t.Errorf("model = %q, want the configured local-model", resp.Model)
	}
}

func TestChatDeterminism(t *testing.T) {
	_, c := start(t, llmtest.Options{Seed: 1})
	_, c2 := start(t, llmtest.Options{Seed: 2}) // answers do not depend on the seed
	content := func(c *openai.Client, req openai.ChatCompletionRequest) string {
		t.Helper()
		resp, err := c.CreateChatCompletion(ctx(t), req)
		if err != nil {
			t.Fatal(err)
		}
		return resp.Choices[0].Message.Content
	}
	a := content(c, generation("Swahili", swahili))
	if b := content(c, generation("Swahili", swahili)); b != a {
		t.Errorf("same request: %q then %q", a, b)
	}
	if b := content(c2, generation("Swahili", swahili)); b != a {
		t.Errorf("same request, other seed: %q then %q", a, b)
	}
	other := map[string]bool{}
	for i := range 5 {
		b := content(c, generation("Swahili", fmt.Sprintf("Habari za mji wa Arusha, sehemu ya %d.", i)))
		if b == a {
			t.Errorf("different request got the same content %q", a)
		}
		other[b] = true
	}
	if len(other) < 4 {
		t.Errorf("5 different requests got only %d different answers", len(other))
	}
}

func TestChatN(t *testing.T) {
	_, c := start(t, llmtest.Options{})
	req := generation("Finnish", "Helsingin rautatieasema on kaupungin tärkein liikenneasema.")
	req.N = 5
	resp, err := c.CreateChatCompletion(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Choices) != 5 {
		t.Fatalf("%d choices, want 5", len(resp.Choices))
	}
	seen := map[string]bool{}
	total := 0
	for i, ch := range resp.Choices {
		if ch.Index != i || ch.FinishReason != openai.FinishReasonStop {
			t.Errorf("choice %d = %+v", i, ch)
		}
		if seen[ch.Message.Content] {
			t.Errorf("choice %d repeats %q", i, ch.Message.Content)
		}
		seen[ch.Message.Content] = true
		total += (len(ch.Message.Content) + 3) / 4
	}
	if resp.Usage.CompletionTokens != total {
		t.Errorf("completion tokens %d, want %d over all choices", resp.Usage.CompletionTokens, total)
	}
}

func TestChatMaxTokens(t *testing.T) {
	_, c := start(t, llmtest.Options{})
	full, err := c.CreateChatCompletion(ctx(t), generation("Swahili", swahili))
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range []func(*openai.ChatCompletionRequest){
		func(r *openai.ChatCompletionRequest) { r.MaxTokens = 3 },
		func(r *openai.ChatCompletionRequest) { r.MaxCompletionTokens = 3 },
	} {
		req := generation("Swahili", swahili)
		set(&req)
		resp, err := c.CreateChatCompletion(ctx(t), req)
		if err != nil {
			t.Fatal(err)
		}
		ch := resp.Choices[0]
		if ch.FinishReason != openai.FinishReasonLength {
			t.Errorf("finish_reason %q, want length", ch.FinishReason)
		}
		// 3 tokens of 4 bytes: the first 12 bytes of the full answer.
		if want := full.Choices[0].Message.Content[:12]; ch.Message.Content != want {
			t.Errorf("cut content %q, want %q", ch.Message.Content, want)
		}
		if resp.Usage.CompletionTokens != 3 {
			t.Errorf("completion tokens %d, want 3", resp.Usage.CompletionTokens)
		}
	}
	// A limit the answer fits in changes nothing.
	req := generation("Swahili", swahili)
	req.MaxTokens = 1000
	resp, err := c.CreateChatCompletion(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if ch := resp.Choices[0]; ch.FinishReason != openai.FinishReasonStop || ch.Message.Content != full.Choices[0].Message.Content {
		t.Errorf("with room: %+v, want the full answer", ch)
	}
}

func TestChatMultiContent(t *testing.T) {
	_, c := start(t, llmtest.Options{})
	req := openai.ChatCompletionRequest{Model: "m", Messages: []openai.ChatCompletionMessage{{
		Role:         "user",
		MultiContent: []openai.ChatMessagePart{{Type: openai.ChatMessagePartTypeText, Text: "Text written in Turkish: FAKE_CONTENT_FILTER"}},
	}}}
	resp, err := c.CreateChatCompletion(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Choices[0].FinishReason != openai.FinishReasonContentFilter {
		t.Errorf("finish_reason %q: the marker in a text part was missed", resp.Choices[0].FinishReason)
	}
}

func TestChatInvalidRequests(t *testing.T) {
	_, c := start(t, llmtest.Options{})
	for name, req := range map[string]openai.ChatCompletionRequest{
		"no messages": {Model: "m"},
		"n too large": {Model: "m", N: 1000, Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}}},
		"bad format": {Model: "m", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}},
			ResponseFormat: &openai.ChatCompletionResponseFormat{Type: "yaml"}},
	} {
		_, err := c.CreateChatCompletion(ctx(t), req)
		var apiErr *openai.APIError
		if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 400 || apiErr.Type != "invalid_request_error" {
			t.Errorf("%s: err = %v, want a 400 invalid_request_error", name, err)
		}
	}
}

func TestMarkers(t *testing.T) {
	s, c := start(t, llmtest.Options{})
	call := func(marker string) (openai.ChatCompletionResponse, error) {
		return c.CreateChatCompletion(ctx(t), generation("Hindi", "भारत में मानसून "+marker+" जून से सितंबर तक रहता है।"))
	}

	_, err := call(llmtest.MarkerContextLength)
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("context length: err = %v (%T), want *openai.APIError", err, err)
	}
	if apiErr.HTTPStatusCode != 400 || apiErr.Code != "context_length_exceeded" || apiErr.Type != "invalid_request_error" ||
		apiErr.Param == nil || *apiErr.Param != "messages" || !strings.HasPrefix(apiErr.Message, "This model's maximum context length is") {
		t.Errorf("context length: %+v", apiErr)
	}

	_, err = call(llmtest.MarkerBadRequest)
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 400 || apiErr.Type != "invalid_request_error" {
		t.Errorf("bad request: err = %v, want a 400 invalid_request_error", err)
	}

	for range 2 { // every time, unlike a transient fault
		resp, err := call(llmtest.MarkerContentFilter)
		if err != nil {
			t.Fatal(err)
		}
		if ch := resp.Choices[0]; ch.FinishReason != openai.FinishReasonContentFilter || ch.Message.Content != "" {
			t.Errorf("content filter: %+v", ch)
		}
		resp, err = call(llmtest.MarkerTruncate)
		if err != nil {
			t.Fatal(err)
		}
		if ch := resp.Choices[0]; ch.FinishReason != openai.FinishReasonLength || ch.Message.Content == "" {
			t.Errorf("truncate: %+v", ch)
		}
	}
	if st := s.Stats(); st.ByStatus[400] != 2 || st.ByStatus[200] != 4 || len(st.Faults) != 0 {
		t.Errorf("stats = %+v", st)
	}
}

// TestFaults checks how each transient fault reaches a go-openai caller.
func TestFaults(t *testing.T) {
	for _, tc := range []struct {
		kind  llmtest.ErrorKind
		check func(t *testing.T, resp openai.ChatCompletionResponse, err error)
	}{
		{llmtest.Kind500, func(t *testing.T, _ openai.ChatCompletionResponse, err error) {
			apiErr := wantAPIError(t, err, 500)
			if apiErr.Type != "server_error" || apiErr.Code != 0 { // OpenAI sends "code": null; go-openai reads it as 0
				t.Errorf("500: %+v", apiErr)
			}
		}},
		{llmtest.Kind503, func(t *testing.T, _ openai.ChatCompletionResponse, err error) {
			apiErr := wantAPIError(t, err, 503)
			if apiErr.Type != "service_unavailable" || apiErr.Code != "overloaded" {
				t.Errorf("503: %+v", apiErr)
			}
		}},
		{llmtest.Kind429, func(t *testing.T, resp openai.ChatCompletionResponse, err error) {
			apiErr := wantAPIError(t, err, 429)
			if apiErr.Type != "requests" || apiErr.Code != "rate_limit_exceeded" {
				t.Errorf("429: %+v", apiErr)
			}
			// go-openai sets the response's headers before it looks at the status, so the
			// response value returned with the error still has them.
			if h := resp.Header(); h.Get("Retry-After") != "1" || h.Get("retry-after-ms") != "250" {
				t.Errorf("429 headers: Retry-After %q, retry-after-ms %q; want 1 and 250", h.Get("Retry-After"), h.Get("retry-after-ms"))
			}
		}},
		{llmtest.KindMalformedBody, func(t *testing.T, _ openai.ChatCompletionResponse, err error) {
			var syntaxErr *json.SyntaxError
			if !errors.As(err, &syntaxErr) {
				t.Errorf("malformed body: err = %v (%T), want *json.SyntaxError", err, err)
			}
		}},
		{llmtest.KindEmptyChoices, func(t *testing.T, resp openai.ChatCompletionResponse, err error) {
			if err != nil || len(resp.Choices) != 0 {
				t.Errorf("empty choices: err = %v, %d choices; want no error and no choices", err, len(resp.Choices))
			}
		}},
		{llmtest.KindTruncated, func(t *testing.T, resp openai.ChatCompletionResponse, err error) {
			if err != nil || len(resp.Choices) != 1 || resp.Choices[0].FinishReason != openai.FinishReasonLength {
				t.Errorf("truncated: err = %v, resp = %+v; want finish_reason length", err, resp)
			}
		}},
		{llmtest.KindReset, func(t *testing.T, _ openai.ChatCompletionResponse, err error) {
			var urlErr *url.Error
			var apiErr *openai.APIError
			if !errors.As(err, &urlErr) || errors.As(err, &apiErr) {
				t.Errorf("reset: err = %v (%T), want a *url.Error from the transport", err, err)
			}
		}},
		{llmtest.KindTimeout, func(t *testing.T, _ openai.ChatCompletionResponse, err error) {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("timeout: err = %v (%T), want context.DeadlineExceeded", err, err)
			}
		}},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			s, c := start(t, llmtest.Options{ErrorRate: 1, ErrorKinds: []llmtest.ErrorKind{tc.kind}, RetryAfter: 250 * time.Millisecond})
			cctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			resp, err := c.CreateChatCompletion(cctx, generation("Tamil", "தமிழ்நாட்டில் பொங்கல் பண்டிகை மிகவும் முக்கியமானது."))
			tc.check(t, resp, err)

			st := waitStats(t, s, func(st llmtest.Stats) bool { return sum(st.ByStatus) == st.Requests })
			if st.Requests != 1 || st.Faults[tc.kind] != 1 || st.Completed != 0 {
				t.Errorf("stats = %+v, want one request, one %s fault, nothing completed", st, tc.kind)
			}
		})
	}
}

func wantAPIError(t *testing.T, err error, status int) *openai.APIError {
	t.Helper()
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v (%T), want *openai.APIError", err, err)
	}
	if apiErr.HTTPStatusCode != status {
		t.Errorf("status %d, want %d", apiErr.HTTPStatusCode, status)
	}
	return apiErr
}

func sum(m map[int]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// waitStats polls s until ok holds: a server notices a client that went away a little later.
func waitStats(t *testing.T, s *llmtest.Server, ok func(llmtest.Stats) bool) llmtest.Stats {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := s.Stats()
		if ok(st) || time.Now().After(deadline) {
			return st
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestFaultsPerArrival(t *testing.T) {
	// Which arrivals fail depends on the seed and the arrival's index only: the same
	// request, retried, succeeds, and two servers with the same seed fail alike.
	pattern := func(seed uint64) string {
		_, c := start(t, llmtest.Options{ErrorRate: 0.5, ErrorKinds: []llmtest.ErrorKind{llmtest.Kind500}, Seed: seed})
		var b strings.Builder
		for range 32 {
			_, err := c.CreateChatCompletion(ctx(t), generation("Urdu", "لاہور پاکستان کا ایک تاریخی شہر ہے۔"))
			if err != nil {
				wantAPIError(t, err, 500)
				b.WriteByte('x')
			} else {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	a, b, other := pattern(7), pattern(7), pattern(8)
	if a != b {
		t.Errorf("same seed, different faults:\n%s\n%s", a, b)
	}
	if a == other {
		t.Errorf("seeds 7 and 8 fail alike: %s", a)
	}
	if n := strings.Count(a, "x"); n < 6 || n > 26 { // binomial(32, 0.5): mean 16, sd 2.8
		t.Errorf("%d of 32 failed at rate 0.5: %s", n, a)
	}
	if !strings.Contains(a, ".") {
		t.Errorf("the same request never succeeded: %s", a)
	}
}

func TestEmbeddingFaults(t *testing.T) {
	req := openai.EmbeddingRequestStrings{Input: []string{"one", "two", "three"}, Model: "m"}
	for kind, check := range map[llmtest.ErrorKind]func(openai.EmbeddingResponse, error) bool{
		llmtest.KindMalformedBody: func(_ openai.EmbeddingResponse, err error) bool {
			var syntaxErr *json.SyntaxError
			return errors.As(err, &syntaxErr)
		},
		llmtest.KindEmptyChoices: func(r openai.EmbeddingResponse, err error) bool { return err == nil && len(r.Data) == 0 },
		llmtest.KindTruncated:    func(r openai.EmbeddingResponse, err error) bool { return err == nil && len(r.Data) == 2 },
		llmtest.Kind503: func(_ openai.EmbeddingResponse, err error) bool {
			var apiErr *openai.APIError
			return errors.As(err, &apiErr) && apiErr.HTTPStatusCode == 503
		},
	} {
		_, c := start(t, llmtest.Options{ErrorRate: 1, ErrorKinds: []llmtest.ErrorKind{kind}})
		resp, err := c.CreateEmbeddings(ctx(t), req)
		if !check(resp, err) {
			t.Errorf("%s: resp %+v, err %v", kind, resp, err)
		}
	}
}

func TestMaxConcurrency(t *testing.T) {
	s, c := start(t, llmtest.Options{Latency: 100 * time.Millisecond, MaxConcurrency: 5})
	const n = 20
	var (
		wg       sync.WaitGroup
		startAll = make(chan struct{})
		mu       sync.Mutex
		ok       int
		limited  int
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startAll
			resp, err := c.CreateChatCompletion(ctx(t), generation("Bengali", fmt.Sprintf("ঢাকা বাংলাদেশের রাজধানী %d", i)))
			mu.Lock()
			defer mu.Unlock()
			var apiErr *openai.APIError
			switch {
			case err == nil:
				ok++
			case errors.As(err, &apiErr) && apiErr.HTTPStatusCode == 429:
				limited++
				if resp.Header().Get("Retry-After") == "" {
					t.Error("a 429 without Retry-After")
				}
			default:
				t.Errorf("request %d: %v", i, err)
			}
		}()
	}
	close(startAll)
	wg.Wait()
	if ok != 5 || limited != n-5 {
		t.Errorf("%d answered, %d limited; want 5 and %d", ok, limited, n-5)
	}
	st := s.Stats()
	if st.MaxInFlight > 5 || st.ByStatus[429] != n-5 || st.ByStatus[200] != 5 || st.Requests != n {
		t.Errorf("stats = %+v", st)
	}
}

func TestStats(t *testing.T) {
	s, base := baseURL(t, llmtest.Options{})
	post := func(path, body string) *http.Response {
		t.Helper()
		resp, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	before := time.Now()
	a := `{"model":"m","messages":[{"role":"user","content":"Text in Finnish: Kaupunki kasvoi."}]}`
	b := `{"model":"m","messages":[{"role":"user","content":"Text in Finnish: Kylä pieneni."}]}`
	post("/chat/completions", a)
	post("/chat/completions", a)
	post("/chat/completions", b)
	post("/embeddings", `{"input":"x","model":"e"}`)
	post("/nowhere", `{}`)
	after := time.Now()

	st := s.Stats()
	if st.Requests != 5 || st.Completed != 4 || st.ByStatus[200] != 4 || st.ByStatus[404] != 1 {
		t.Errorf("stats = %+v", st)
	}
	if got := st.CompletedByKey[llmtest.Fingerprint([]byte(a))]; got != 2 {
		t.Errorf("request a completed %d times, want 2", got)
	}
	if got := st.CompletedByKey[llmtest.Fingerprint([]byte(b))]; got != 1 {
		t.Errorf("request b completed %d times, want 1", got)
	}
	if st.FirstRequest.Before(before) || st.LastRequest.After(after) || !st.FirstRequest.Before(st.LastRequest) {
		t.Errorf("first %v, last %v: want both in [%v, %v], in order", st.FirstRequest, st.LastRequest, before, after)
	}
	if st.MaxInFlight != 1 {
		t.Errorf("max in flight %d, want 1 for sequential requests", st.MaxInFlight)
	}

	// The same through HTTP, as the README's demo reads it.
	resp, err := http.Get(strings.TrimSuffix(base, "/v1") + "/fake/stats")
	if err != nil {
		t.Fatal(err)
	}
	var got llmtest.Stats
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got.Requests != st.Requests || got.CompletedByKey[llmtest.Fingerprint([]byte(a))] != 2 || got.ByStatus[404] != 1 ||
		!got.FirstRequest.Equal(st.FirstRequest) {
		t.Errorf("/fake/stats = %+v, want %+v", got, st)
	}
	if resp.Header.Get("X-Fakellm") != "placeholder" {
		t.Error("/fake/stats without X-Fakellm")
	}

	resp, err = http.Post(strings.TrimSuffix(base, "/v1")+"/fake/reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if st := s.Stats(); st.Requests != 0 || len(st.CompletedByKey) != 0 || !st.FirstRequest.IsZero() {
		t.Errorf("after reset: %+v", st)
	}
}

func TestModels(t *testing.T) {
	_, c := start(t, llmtest.Options{Model: "fake-model"})
	list, err := c.ListModels(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Models) != 1 || list.Models[0].ID != "fake-model" || list.Models[0].Object != "model" {
		t.Errorf("models = %+v", list.Models)
	}
	if _, err := c.GetModel(ctx(t), "fake-model"); err != nil {
		t.Error(err)
	}
	_, err = c.GetModel(ctx(t), "gpt-5")
	if apiErr := wantAPIError(t, err, 404); apiErr.Code != "model_not_found" {
		t.Errorf("unknown model: %+v", apiErr)
	}
}

func TestNotFound(t *testing.T) {
	_, base := baseURL(t, llmtest.Options{})
	for _, path := range []string{base + "/completions/x", strings.TrimSuffix(base, "/v1") + "/elsewhere"} {
		resp, err := http.Get(path)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Error *openai.APIError }
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != 404 || err != nil || body.Error == nil || body.Error.Type != "invalid_request_error" {
			t.Errorf("GET %s: %d, %v, %+v", path, resp.StatusCode, err, body.Error)
		}
	}
}

func TestLatency(t *testing.T) {
	_, c := start(t, llmtest.Options{Latency: 50 * time.Millisecond, LatencyJitter: 50 * time.Millisecond})
	for range 3 {
		t0 := time.Now()
		if _, err := c.ListModels(ctx(t)); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(t0); d < 50*time.Millisecond || d > 2*time.Second {
			t.Errorf("took %v, want 50-100ms (and far under 2s)", d)
		}
	}
}

func TestParseErrorKinds(t *testing.T) {
	got, err := llmtest.ParseErrorKinds(" 500, reset ,timeout,")
	if err != nil || fmt.Sprint(got) != "[500 reset timeout]" {
		t.Errorf("got %v, %v", got, err)
	}
	for _, all := range []string{"", "all", "  "} {
		if got, err := llmtest.ParseErrorKinds(all); got != nil || err != nil {
			t.Errorf("%q: got %v, %v; want nil (every kind)", all, got, err)
		}
	}
	if _, err := llmtest.ParseErrorKinds("500,teapot"); err == nil {
		t.Error("an unknown kind parsed")
	}
}

func TestNewPanicsOnInvalidOptions(t *testing.T) {
	for _, o := range []llmtest.Options{
		{ErrorRate: 1.5},
		{ErrorRate: math.NaN()},
		{Latency: -1},
		{MaxConcurrency: -1},
		{ErrorKinds: []llmtest.ErrorKind{"418"}},
	} {
		if o.Validate() == nil {
			t.Errorf("Validate(%+v) = nil", o)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New(%+v) did not panic", o)
				}
			}()
			llmtest.New(o)
		}()
	}
}

func TestCloseReleasesHeldRequests(t *testing.T) {
	s, c := start(t, llmtest.Options{ErrorRate: 1, ErrorKinds: []llmtest.ErrorKind{llmtest.KindTimeout}})
	errc := make(chan error, 1)
	go func() {
		_, err := c.CreateChatCompletion(ctx(t), generation("Thai", "กรุงเทพมหานคร"))
		errc <- err
	}()
	waitStats(t, s, func(st llmtest.Stats) bool { return st.Requests == 1 })
	time.Sleep(20 * time.Millisecond)
	s.Close()
	select {
	case err := <-errc:
		if err == nil {
			t.Error("a held request got an answer after Close")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not release a held request")
	}
}

func TestTimeoutWithClientTimeout(t *testing.T) {
	s := llmtest.New(llmtest.Options{ErrorRate: 1, ErrorKinds: []llmtest.ErrorKind{llmtest.KindTimeout}})
	base, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cfg := openai.DefaultConfig("k")
	cfg.BaseURL = base
	cfg.HTTPClient = &http.Client{Timeout: 200 * time.Millisecond}
	_, err = openai.NewClientWithConfig(cfg).CreateChatCompletion(context.Background(), generation("Thai", "กรุงเทพมหานคร"))
	var urlErr *url.Error
	if !errors.As(err, &urlErr) || !urlErr.Timeout() {
		t.Errorf("err = %v (%T), want a *url.Error that is a timeout", err, err)
	}
	st := waitStats(t, s, func(st llmtest.Stats) bool { return st.ByStatus[0] == 1 })
	if st.ByStatus[0] != 1 || st.Faults[llmtest.KindTimeout] != 1 {
		t.Errorf("stats = %+v, want the held request counted under status 0", st)
	}
}
