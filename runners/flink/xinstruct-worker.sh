#!/bin/sh
# xinstruct's PROCESS environment command on a Flink TaskManager, installed as
# /opt/apache/beam/xinstruct-worker (--environment_config='{"command":"/opt/apache/beam/xinstruct-worker"}').
#
# Beam's Flink runner starts it once per SDK worker as
#   xinstruct-worker --id=<worker id> --provision_endpoint=localhost:<port> [--semi_persist_dir=<dir>]
# (runners/java-fn-execution ProcessEnvironmentFactory), with the TaskManager's environment
# plus the environment_config's "env" (ProcessManager: a ProcessBuilder, which inherits the
# JVM's environment), its output sent to /dev/null, and stops it with SIGTERM, then SIGKILL.
#
# It runs Beam's Go boot loader, /opt/apache/beam/boot, with these differences:
#  1. Each worker gets a fresh directory as its working directory and --semi_persist_dir.
#     The boot loader writes pipeline_options.json into its working directory and downloads
#     the worker binary into <semi_persist_dir>/staged, both under fixed names: two jobs'
#     workers on one TaskManager would overwrite each other's.
#  2. When the boot loader is gone (Flink stops it when the job's stage is done), or the
#     TaskManager is, the worker it started is killed. A Go worker does not exit after its
#     job ("Worker exited successfully!", then it sleeps until killed), and Flink stops only
#     the process it started.
#  3. The copy of the binary the boot loader makes as /tmp/bin<random>/worker (it may not
#     run from a noexec volume), about 200 MB, is removed then, and so is the directory.
# It also drops the quotes that prism (not Flink) puts around --id='<id>'.
set -eu
boot=${XINSTRUCT_BEAM_BOOT:-/opt/apache/beam/boot}
dir=$(mktemp -d "${TMPDIR:-/tmp}/xinstruct-worker.XXXXXX")
: >"$dir/.started" # older than the boot loader's copy of the binary

n=$#
for arg do
	case $arg in
	--id=*) id=${arg#--id=}; id=${id#\'}; id=${id%\'}; arg=--id=$id ;;
	--semi_persist_dir=*) continue ;; # replaced by the worker's own directory
	esac
	set -- "$@" "$arg"
done
shift "$n"

self=$$      # the boot loader's pid after the exec below
parent=$PPID # the TaskManager
(
	while kill -0 "$self" 2>/dev/null && kill -0 "$parent" 2>/dev/null; do
		sleep 2
	done
	if kill -0 "$self" 2>/dev/null; then # the TaskManager went first
		kill -KILL "$self" 2>/dev/null || true
	fi
	# The worker: a /tmp/bin*/worker whose command line has this directory, which the boot
	# loader passes it as --semi_persist_dir. Found only now, it cannot have been missed.
	found=
	for exe in /proc/[0-9]*/exe; do
		target=$(readlink "$exe" 2>/dev/null) || continue
		case $target in /tmp/bin*/worker*) ;; *) continue ;; esac
		pid=${exe#/proc/}
		pid=${pid%/exe}
		if tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -e "--semi_persist_dir=$dir"; then
			kill -KILL "$pid" 2>/dev/null || true
			rm -rf "${target%/worker*}"
			found=1
		fi
	done
	if [ -z "$found" ]; then # the worker exited by itself: find its copy by its bytes
		for copy in /tmp/bin*/worker; do
			[ "$copy" -nt "$dir/.started" ] || continue
			for staged in "$dir"/staged/*; do
				if cmp -s "$copy" "$staged"; then
					rm -rf "${copy%/worker}"
				fi
			done
		done
	fi
	rm -rf "$dir"
) </dev/null >/dev/null 2>&1 &

cd "$dir"
exec "$boot" "$@" --semi_persist_dir="$dir"
