// Package testenv finds what tests read from outside their package: the repository's root
// and the shared fixtures (real corpora, eval questions) that sit beside it.
package testenv

import (
	"os"
	"path/filepath"
	"runtime"
)

// SharedEnv names the environment variable that points at the shared fixtures; unset, they
// are looked for at ../shared beside the repository's root, where CI puts them.
const SharedEnv = "XINSTRUCT_SHARED"

// RepoRoot returns the repository's root: the directory of go.mod above this file.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Shared returns the path of elem under the shared fixtures directory.
func Shared(elem ...string) string {
	dir := os.Getenv(SharedEnv)
	if dir == "" {
		dir = filepath.Join(RepoRoot(), "..", "shared")
	}
	return filepath.Join(append([]string{dir}, elem...)...)
}

// Testdata returns the path of elem under the repository's testdata directory.
func Testdata(elem ...string) string {
	return filepath.Join(append([]string{RepoRoot(), "testdata"}, elem...)...)
}
