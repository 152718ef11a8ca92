//go:build !unix

package langid

import "time"

func cpuTime() (time.Duration, bool) { return 0, false }
