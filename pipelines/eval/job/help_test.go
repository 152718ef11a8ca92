package job

import (
	"testing"

	"github.com/xinstruct/xinstruct/runners/launch"
	"github.com/xinstruct/xinstruct/runners/launch/launchtest"
)

// TestFlagGroupsComplete: every flag eval's main binds (ProjectFlags: BindFlags, the shared
// model flags and the launcher's) is in exactly one of FlagGroups, so none falls among Beam's
// in --help.
func TestFlagGroupsComplete(t *testing.T) {
	if err := launch.CheckGroups(ProjectFlags(), FlagGroups()); err != nil {
		t.Error(err)
	}
}

// TestBinaryHelp: the built binary's -help lists its groups before Beam's flags, and a
// mistyped flag is one line with the flag meant, exit code 2.
func TestBinaryHelp(t *testing.T) {
	bin := evalBinary(t)
	launchtest.CheckHelp(t, bin, "eval", FlagGroups())
	launchtest.CheckTypo(t, bin, "eval")
}
