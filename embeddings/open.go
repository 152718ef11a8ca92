package embeddings

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// Spec says which Embedder to open, and how. It is plain data that a DoFn carries to the
// workers in an exported field (JSON), so it never holds a secret: a provider reads its
// credentials from the worker's environment when it opens.
//
// Kind names the provider, as it registered itself. Model, Dims and Batch are the knobs
// providers share; each ignores those it has no use for. Spec is a struct rather than a
// URL such as "openai://text-embedding-3-small?dims=64" because a provider that calls a
// service needs more than a URL holds: the OpenAI-compatible provider needs an
// llm.Config (endpoint, rate limits, retries, budget, response store), which Endpoint
// carries as JSON, so that this package depends on no provider's types.
type Spec struct {
	Kind  string `json:"kind"`            // the provider: "local", "openai", ...
	Model string `json:"model,omitempty"` // the model, for providers with several
	Dims  int    `json:"dims,omitempty"`  // vector length; 0 = the provider's (or the model's) own
	Batch int    `json:"batch,omitempty"` // texts per request to a service; 0 = the provider's default
	// Endpoint is the configuration of the service the provider calls, in the
	// provider's JSON ("openai": an llm.Config).
	Endpoint json.RawMessage `json:"endpoint,omitempty"`
}

// A Provider opens the Embedders of one Kind. Providers register themselves in their
// package's init, so a binary offers the providers it imports, e.g.
//
//	import _ "github.com/xinstruct/xinstruct/embeddings/openai"
type Provider interface {
	// Validate reports what is wrong with spec without opening anything, so that a
	// pipeline can refuse a bad spec at construction time.
	Validate(spec Spec) error
	// Open opens an Embedder for spec; a DoFn calls it (through Open) in Setup, on the
	// worker. An Embedder that holds resources implements io.Closer.
	Open(ctx context.Context, spec Spec) (Embedder, error)
}

var (
	providersMu sync.RWMutex
	providers   = map[string]Provider{}
)

// Register makes p the provider of kind. It panics if kind is empty or already
// registered: two packages claiming one name is a programming error.
func Register(kind string, p Provider) {
	providersMu.Lock()
	defer providersMu.Unlock()
	if kind == "" || p == nil {
		panic("embeddings: Register with an empty kind or a nil provider")
	}
	if providers[kind] != nil {
		panic(fmt.Sprintf("embeddings: provider %q registered twice", kind))
	}
	providers[kind] = p
}

// Kinds returns the registered kinds, sorted.
func Kinds() []string {
	providersMu.RLock()
	defer providersMu.RUnlock()
	return slices.Sorted(maps.Keys(providers))
}

func provider(kind string) (Provider, error) {
	providersMu.RLock()
	p := providers[kind]
	providersMu.RUnlock()
	if p == nil {
		return nil, fmt.Errorf("embeddings: no provider %q in this binary (it has %s); a binary imports the providers it offers, e.g. _ \"github.com/xinstruct/xinstruct/embeddings/%s\"",
			kind, strings.Join(Kinds(), ", "), kind)
	}
	return p, nil
}

// Validate reports what is wrong with s: an unregistered Kind, or what its provider
// refuses.
func (s Spec) Validate() error {
	p, err := provider(s.Kind)
	if err != nil {
		return err
	}
	return p.Validate(s)
}

// Open validates spec and opens an Embedder for it with the provider of spec.Kind. If
// the Embedder holds resources (a client, a response store) it implements io.Closer:
// close it when done, e.g. in the DoFn's Teardown. If it reports the usage of its calls
// it implements Metered.
func Open(ctx context.Context, spec Spec) (Embedder, error) {
	p, err := provider(spec.Kind)
	if err != nil {
		return nil, err
	}
	if err := p.Validate(spec); err != nil {
		return nil, err
	}
	return p.Open(ctx, spec)
}

// Usage is what one call of a Metered Embedder took from the service it calls.
type Usage struct {
	Requests     int // requests sent: batches the response store could not answer
	CacheHits    int // texts answered from the response store
	Retries      int // requests sent beyond one per batch
	Failures     int // batches that failed
	PromptTokens int // as the service counted them
	Inputs       int // texts sent to the service (distinct per request)
	// SavedPromptTokens adds up the prompt tokens the texts answered from the store took
	// when they were first asked: what the store saved
	SavedPromptTokens int
}

// A Metered Embedder reports what each call took. Providers that call a service
// implement it.
type Metered interface {
	Embedder
	// EmbedUsage is Embed, also returning what this call took.
	EmbedUsage(ctx context.Context, texts []string) ([][]float32, Usage, error)
}

// A Stored Embedder keeps the vectors it was given in a store and can answer from it
// without calling its service. A caller that batches texts looks each batch up first and
// sends only the misses, gathered into full requests: then the requests of a re-run
// depend on how many texts are new, not on how the new ones fall among the old.
type Stored interface {
	Metered
	// Lookup returns the stored vector of each text, as Embed would return it (nil where
	// the store has none), and what the hits saved (CacheHits, SavedPromptTokens). It
	// calls no service.
	Lookup(ctx context.Context, texts []string) ([][]float32, Usage, error)
}
