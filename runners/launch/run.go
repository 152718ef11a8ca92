package launch

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/xinstruct/xinstruct/io/versions"
)

// Run names one launch of a job.
type Run struct {
	ID        string    // names the run's temporary directory and its report; unique per launch
	StartedAt time.Time // when the launcher started, UTC
	// Build is the launcher's program (commit, digest), for the manifest of the version
	// the run publishes: the launcher's binary, which workers need not have.
	Build versions.Build
}

// NewRunID returns a run id that sorts by time and does not collide between launches.
func NewRunID(now time.Time) string {
	var b [4]byte
	rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
