package dataset

import (
	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/io/publish"
)

func init() {
	register.Function1x1(ManifestFile)
}

// ManifestFiles lists the published dataset files (PCollection<File>, from Write) for
// the run's manifest: PCollection<publish.File>, for publish.Finalize.
func ManifestFiles(s beam.Scope, files beam.PCollection) beam.PCollection {
	s = s.Scope("dataset.ManifestFiles")
	return beam.ParDo(s, ManifestFile, files)
}

// ManifestFile is how the manifest lists a dataset file: its final path and its rows
// (none for the card).
func ManifestFile(f File) publish.File { return publish.File{Path: f.Path, Records: f.Records} }
