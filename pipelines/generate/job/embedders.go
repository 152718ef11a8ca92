package job

// The embedding providers --embedder offers ("local", "openai"): each registers itself
// for embeddings.Open, which diversify.Embed calls on the workers.
import (
	_ "github.com/xinstruct/xinstruct/embeddings/local"
	_ "github.com/xinstruct/xinstruct/embeddings/openai"
)
