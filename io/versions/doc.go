// Package versions keeps the history of what runs published at an output prefix, so
// that a scheduled regeneration adds a version instead of only replacing the last one.
//
// Layout below the output prefix:
//
//	versions/<id>/            one run's product, never changed once LATEST has named it
//	  manifest.json           what made it (Manifest), written last in the directory
//	  dataset/..., report/... copies of the run's published files (Spec.Include)
//	  diff.json, diff.md      what changed since the version LATEST named before (none for the first)
//	LATEST                    the Pointer to the newest version, replaced last and atomically
//
// A version id starts with the run's start time (ID), so ids sort by time. A run
// publishes its version (Make) before its _SUCCESS, points LATEST at it (Point) after,
// and only then removes the versions beyond the newest Keep (Prune): a reader that
// follows LATEST finds a complete version, and a run that fails or is killed before
// Point leaves LATEST and every earlier version as they were.
//
// io/publish calls these as part of its output contract; the package knows no
// pipeline's record types: a pipeline gives its counts and further files (a diff) as
// Facts, and what to copy as Spec.Include.
package versions
