package llm

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

// StandInURL is the base URL of the offline stand-in model: the project's fake server
// (llmtest), served inside each process that builds a Client for it. Unlike a 127.0.0.1
// URL of a server in the launcher, it means the same on every runner: each worker answers
// its own calls, with the same deterministic placeholder text.
const StandInURL = "fake://stand-in/v1"

// IsStandIn reports whether baseURL names the offline stand-in (scheme "fake").
func IsStandIn(baseURL string) bool { return strings.HasPrefix(baseURL, "fake://") }

var (
	standInOnce    sync.Once
	standInHandler http.Handler
)

// standInTransport serves requests with the stand-in's handler in this process: no
// socket, no port, nothing for a worker to reach.
func standInTransport() http.RoundTripper {
	standInOnce.Do(func() {
		standInHandler = llmtest.New(llmtest.Options{Model: StandInModel, Answerers: StandInAnswerers}).Handler()
	})
	return handlerTransport{standInHandler}
}

// StandInModel names the stand-in's model in outputs when no model is given.
const StandInModel = "xinstruct-placeholder"

// StandInAnswerers are the models the stand-in plays in the eval pipeline's offline
// demo: a candidate a little better than its baseline, which now and then answers in
// English, so that the demo's leaderboard, intervals and language figures show
// something. Their answers are placeholder text.
var StandInAnswerers = map[string]llmtest.Answerer{
	"xinstruct-placeholder-candidate": {Quality: 6},
	"xinstruct-placeholder-baseline":  {Quality: 5, WrongLanguageRate: 0.1},
}

type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}
