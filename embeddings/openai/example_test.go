package openai_test

import (
	"context"
	"fmt"
	"os"

	"github.com/xinstruct/xinstruct/embeddings"
	"github.com/xinstruct/xinstruct/embeddings/openai"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

func Example() {
	srv := llmtest.New(llmtest.Options{}) // the project's fake endpoint; in a job, LLM.BaseURL is the provider's
	url, err := srv.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	dir, err := os.MkdirTemp("", "embeddings-store")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	cfg := openai.DefaultConfig()
	cfg.LLM.BaseURL, cfg.LLM.Store = url, dir
	cfg.Model, cfg.Dims = "text-embedding-3-small", 64
	e, err := openai.New(context.Background(), cfg)
	if err != nil {
		panic(err)
	}
	defer e.Close()

	texts := []string{
		"How do farmers in Tanzania prepare their fields before the rains?",
		"How do farmers in Kenya prepare their fields before the rains?",
		"Write a poem about a cat asleep on the roof.",
	}
	vs, err := e.Embed(context.Background(), texts)
	if err != nil {
		panic(err)
	}
	fmt.Println(e.Dims(), len(vs))
	fmt.Printf("similar %.2f, unrelated %.2f\n", embeddings.Cosine(vs[0], vs[1]), embeddings.Cosine(vs[0], vs[2]))
	e.Embed(context.Background(), texts) // again: from the store
	fmt.Printf("%+v\n", e.Usage())
	// Output:
	// 64 3
	// similar 0.89, unrelated -0.12
	// {Texts:6 Cached:3 Requests:1 Attempts:1 PromptTokens:44 Failed:0 Sent:3 SavedPromptTokens:44}
}
