package job

import (
	"fmt"

	"github.com/xinstruct/xinstruct/embeddings/local"
	"github.com/xinstruct/xinstruct/io/dataset"
	"github.com/xinstruct/xinstruct/transforms/diversify"
)

// card is what the dataset card says of this run's configuration.
func (c Config) card() dataset.CardInfo {
	d := c.Diversify
	info := dataset.CardInfo{RunID: c.RunID, Generator: c.Generate.LLM.Model, Rounds: c.Refine.Rounds,
		Clusters: d.Clusters, PerLanguage: d.PerLanguage, FitSample: d.FitSample, Seed: d.Seed, WithinCluster: d.WithinCluster,
		Placeholder: c.Generate.LLM.Placeholder, License: c.License}
	if c.Refine.Rounds > 0 {
		info.Judge = c.judgeLLM().Model
	}
	switch d.Embedder.Kind {
	case diversify.EmbedderLocal:
		dims := d.Embedder.Dims
		if dims == 0 {
			dims = local.DefaultDims
		}
		info.Embedder = fmt.Sprintf("local (hashed word and character n-grams, seeded random projection to %d dimensions)", dims)
	case diversify.EmbedderOpenAI:
		info.Embedder = fmt.Sprintf("`%s` at an OpenAI-compatible endpoint", d.Embedder.Model)
		if d.Embedder.Dims > 0 {
			info.Embedder += fmt.Sprintf(", %d dimensions", d.Embedder.Dims)
		}
	}
	return info
}
