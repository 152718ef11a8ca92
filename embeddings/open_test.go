package embeddings_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/embeddings"
	_ "github.com/xinstruct/xinstruct/embeddings/local"
	_ "github.com/xinstruct/xinstruct/embeddings/openai"
)

func ExampleOpen() {
	// In a pipeline the Spec comes from flags and travels in a DoFn's field; the binary
	// imports the providers it offers (here embeddings/local).
	e, err := embeddings.Open(context.Background(), embeddings.Spec{Kind: "local", Dims: 64})
	if err != nil {
		panic(err)
	}
	vs, err := e.Embed(context.Background(), []string{"How do farmers prepare their fields?", "How do farmers prepare fields before the rains?"})
	if err != nil {
		panic(err)
	}
	fmt.Println(e.Dims(), len(vs), embeddings.Cosine(vs[0], vs[1]) > 0.5)
	// Output: 64 2 true
}

func TestProvidersRegisterThemselves(t *testing.T) {
	if got := embeddings.Kinds(); !slices.Equal(got, []string{"local", "openai"}) {
		t.Errorf("Kinds() = %v", got)
	}
}

func TestUnknownKindNamesTheRegisteredOnes(t *testing.T) {
	spec := embeddings.Spec{Kind: "word2vec"}
	for _, err := range []error{spec.Validate(), func() error { _, err := embeddings.Open(context.Background(), spec); return err }()} {
		if err == nil || !strings.Contains(err.Error(), `"word2vec"`) || !strings.Contains(err.Error(), "local, openai") {
			t.Errorf("error %v", err)
		}
	}
}

func TestLocalSpec(t *testing.T) {
	e, err := embeddings.Open(context.Background(), embeddings.Spec{Kind: "local"})
	if err != nil || e.Dims() != 256 {
		t.Fatalf("local with dims 0: %v, %v", e, err)
	}
	if err := (embeddings.Spec{Kind: "local", Dims: -1}).Validate(); err == nil {
		t.Error("negative dims validated")
	}
}

type nopProvider struct{}

func (nopProvider) Validate(embeddings.Spec) error { return nil }
func (nopProvider) Open(context.Context, embeddings.Spec) (embeddings.Embedder, error) {
	return nil, nil
}

func TestRegisterTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a second provider named local was accepted")
		}
	}()
	embeddings.Register("local", nopProvider{})
}
