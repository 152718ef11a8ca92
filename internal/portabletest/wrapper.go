package portabletest

import "strings"

// wrapperScript is the command of the PROCESS environment. Prism runs it as
//
//	<script> --id='<worker id>' --provision_endpoint=localhost:<port>
//
// with literal quotes around the id, which Beam's boot loader would keep. The boot loader then
// reads every other endpoint from the provision service, downloads the worker binary into
// <semi_persist_dir>/staged, copies it to /tmp/bin<random>/worker (a fixed path), writes
// pipeline_options.json into its working directory, and runs the copy as
// "worker --worker=true --id=...".
//
// So the script strips the quotes, makes a fresh directory under $TMPDIR (prism's, in the test's
// temp dir) for the semi-persistent dir and working directory, and execs the boot loader in a
// process group of its own, which the worker joins. When the job ends prism SIGKILLs the boot
// loader but not the worker, and a Go worker never exits on its own (after the job it sleeps
// until killed); so before the exec the script leaves a watchdog that, once the boot loader or
// prism is gone, kills that process group and removes the worker's /tmp/bin* copy and the
// directory.
func wrapperScript(boot string) string {
	return strings.ReplaceAll(`#!/bin/sh
# Written by xinstruct's internal/portabletest: see wrapperScript there.
set -eu
id=
endpoint=
for arg do
	case $arg in
	--id=*) id=${arg#--id=}; id=${id#\'}; id=${id%\'} ;;
	--provision_endpoint=*) endpoint=${arg#--provision_endpoint=} ;;
	*) echo "portabletest wrapper: unexpected argument $arg" >&2; exit 2 ;;
	esac
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/beamworker.XXXXXX")
cd "$dir" # the boot loader writes pipeline_options.json here
self=$$ # the boot loader's pid after the exec, and its process group
parent=$PPID
(
	while kill -0 "$self" 2>/dev/null && kill -0 "$parent" 2>/dev/null; do
		sleep 1
	done
	copies=
	for p in $(pgrep -g "$self" || true); do
		exe=$(readlink "/proc/$p/exe" 2>/dev/null || true)
		case $exe in /tmp/bin*/worker) copies="$copies ${exe%/worker}" ;; esac
	done
	kill -KILL "-$self" 2>/dev/null || true
	if [ -z "$copies" ]; then # the worker exited by itself: find its copy by its bytes
		for c in /tmp/bin*/worker; do
			for s in "$dir"/staged/*; do
				if [ -f "$c" ] && [ "$c" -nt "$s" ] && cmp -s "$c" "$s"; then copies="$copies ${c%/worker}"; fi
			done
		done
	fi
	rm -rf $copies "$dir"
) </dev/null >/dev/null 2>&1 &
exec setsid @BOOT@ --id="$id" --provision_endpoint="$endpoint" --semi_persist_dir="$dir"
`, "@BOOT@", shellQuote(boot))
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
