package versions

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
)

// Build says which program made a version.
type Build struct {
	GitCommit   string `json:"git_commit"`   // the build's vcs.revision; Unknown when it was built without (go run, go test)
	GitModified bool   `json:"git_modified"` // the build's vcs.modified: the tree had uncommitted changes
	GoVersion   string `json:"go_version"`
	// BinarySHA256 is of the launcher's executable (workers may run a copy built for
	// them, --worker_binary); Unknown when it could not be read.
	BinarySHA256 string `json:"binary_sha256"`
}

// CurrentBuild describes this process's program: call it in the launcher, once (it
// reads the whole executable to hash it), and hand the result to the job.
func CurrentBuild() Build {
	b := Build{GitCommit: Unknown, GoVersion: runtime.Version(), BinarySHA256: Unknown}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.GitCommit = s.Value
			case "vcs.modified":
				b.GitModified = s.Value == "true"
			}
		}
	}
	if exe, err := os.Executable(); err == nil {
		if sum, err := fileSHA256(exe); err == nil {
			b.BinarySHA256 = sum
		}
	}
	return b
}

// orUnknown says Unknown for what a job built without the launcher was not told.
func (b Build) orUnknown() Build {
	if b.GitCommit == "" {
		b.GitCommit = Unknown
	}
	if b.BinarySHA256 == "" {
		b.BinarySHA256 = Unknown
	}
	if b.GoVersion == "" {
		b.GoVersion = runtime.Version()
	}
	return b
}

// ConfigHash is the SHA-256 (hex) of cfg's JSON with every key named in operational
// removed, at any depth, and the rest in a canonical form (object keys sorted). Keys
// match case-insensitively and without underscores, so "progress_every" also drops a
// struct field serialized as "ProgressEvery". Name the settings that do not change what
// a run publishes (where it writes, its run id, limits, timeouts, budgets, prices):
// two runs with the same hash were asked for the same thing. A field added later is in
// the hash until it is named here, which errs on the side of "the settings changed".
func ConfigHash(cfg any, operational ...string) (string, error) {
	b, err := json.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("versions: the config: %v", err)
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // a uint64 seed must not round through a float64
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("versions: the config: %v", err)
	}
	drop := make([]string, len(operational))
	for i, k := range operational {
		drop[i] = normKey(k)
	}
	v = strip(v, drop)
	if b, err = json.Marshal(v); err != nil { // encoding/json writes map keys sorted
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

func normKey(k string) string { return strings.ToLower(strings.ReplaceAll(k, "_", "")) }

func strip(v any, drop []string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if slices.Contains(drop, normKey(k)) {
				delete(x, k)
				continue
			}
			x[k] = strip(e, drop)
		}
	case []any:
		for i, e := range x {
			x[i] = strip(e, drop)
		}
	}
	return v
}
