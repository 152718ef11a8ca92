package job

// The job reads and writes local paths and gs:// (its --input, --output and
// --response_store); a program that imports the job gets both filesystems, not only one
// that happens to import beamx.
import (
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/gcs"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
)
