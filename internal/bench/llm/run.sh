#!/usr/bin/env bash
# LLM throughput benchmark: the generate job's generation stage against the project's fake
# OpenAI-compatible server (io/llm/llmtest) with 100 ms latency, 64 concurrent requests
# (capacity 640 requests/s) and 5% transient errors (500 and 503: both answer after the
# latency, without Retry-After), on the direct and prism runners. For each run it prints
# a summary (server counts, integrity checks, the server's in-flight profile, the job's
# CPU per second and progress log), then one markdown table of all runs. Binaries, job
# logs, /usr/bin/time reports, server stats and the polled series go to $BENCH_DIR.
#
#   internal/bench/llm/run.sh
#   RUNNERS=prism REPEAT=3 internal/bench/llm/run.sh
#   RUNNERS="raw client direct prism" internal/bench/llm/run.sh   # with the baselines
#
# The job runs with --rounds=0 when it has refinement, so that only generation calls the
# model. RUNNERS takes, besides Beam runners, baselines that run no pipeline and send the
# same documents' requests (distinct texts of the corpus, as many as DOCS_CLIENT):
#   raw     64 goroutines posting back to back with net/http, retrying at once: what the
#           fake server delivers on this machine to any client (the practical ceiling);
#   client  io/llm exactly as generateFn uses it (Client, response store, Pool of
#           2 x max_in_flight) in one process, no Beam: the llm layer's own ceiling;
#   client-fastretry  the same with Config.Backoff.Initial 25 ms instead of 250 ms.
#
# Environment: BENCH_DIR (default /tmp/xinstruct-llmbench), DOCS (10400 records, of which
# 10090 reach generation), DOCS_CLIENT (10090), FILES (8), SEED (1, corpus and faults),
# RUNNERS ("direct prism"), REPEAT (1; runs alternate runners), PORT (18431), LATENCY
# (100ms), MAX_CONCURRENCY (64), ERROR_RATE (0.05), ERROR_KINDS (500,503), MAX_IN_FLIGHT
# (64), POLL (250ms), CORPORA (/work/shared/corpora), EXTRA_FLAGS (appended to the job's
# flags), CLIENT_FLAGS (appended to the client baseline's, e.g. --backoff_initial=25ms),
# STORE_ROOT (where each run's fresh response store goes; default the run's
# directory; /dev/shm/... takes the disk out of the measurement), STORELAT (1: time the
# store's Put at 600/s before the runs; 0: skip). The corpus is generated
# once into $BENCH_DIR/corpus-$DOCS; delete it to generate it again.
set -euo pipefail

BENCH_DIR=${BENCH_DIR:-/tmp/xinstruct-llmbench}
DOCS=${DOCS:-10400}
DOCS_CLIENT=${DOCS_CLIENT:-10090}
FILES=${FILES:-8}
SEED=${SEED:-1}
RUNNERS=${RUNNERS:-direct prism}
REPEAT=${REPEAT:-1}
PORT=${PORT:-18431}
LATENCY=${LATENCY:-100ms}
MAX_CONCURRENCY=${MAX_CONCURRENCY:-64}
ERROR_RATE=${ERROR_RATE:-0.05}
ERROR_KINDS=${ERROR_KINDS:-500,503}
MAX_IN_FLIGHT=${MAX_IN_FLIGHT:-64}
POLL=${POLL:-250ms}
CORPORA=${CORPORA:-/work/shared/corpora}
EXTRA_FLAGS=${EXTRA_FLAGS:-}
CLIENT_FLAGS=${CLIENT_FLAGS:-}
STORE_ROOT=${STORE_ROOT:-}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
BIN=$BENCH_DIR/bin
LOGS=$BENCH_DIR/logs
CORPUS=$BENCH_DIR/corpus-$DOCS
mkdir -p "$BIN" "$LOGS"

for tool in /usr/bin/time curl; do
	if ! command -v "$tool" >/dev/null; then
		echo "run.sh: $tool is required" >&2
		exit 1
	fi
done

# 1. Binaries.
(
	cd "$ROOT"
	go build -o "$BIN/generate" ./pipelines/generate
	go build -o "$BIN/fakellm" ./io/llm/llmtest/cmd/fakellm
	go build -o "$BIN/gencorpus" ./internal/bench/gencorpus
	go build -o "$BIN/llmbench" ./internal/bench/llm
) >"$LOGS/build.log" 2>&1 || { cat "$LOGS/build.log" >&2; exit 1; }

# discard moves a previous run's files aside; they are deleted when the script exits. On
# ext4 without a journal (as here), creating a file skips every inode deleted in the last
# 60 to 360 seconds, one buffer-cache lookup each: deleting a 10,000-entry store just
# before a run makes every Put of that run slower.
TRASH=()
discard() {
	local p t
	for p in "$@"; do
		if [[ -e "$p" ]]; then
			t=$(dirname "$p")/.trash.$$ # same filesystem: a rename, not a copy
			mkdir -p "$t"
			mv "$p" "$t/$(basename "$p").$RANDOM"
			TRASH+=("$t")
		fi
	done
}

# 2. Corpus.
if [[ ! -f "$CORPUS.stats" || ! -d "$CORPUS" ]]; then
	rm -rf "$CORPUS"
	"$BIN/gencorpus" --out "$CORPUS" --docs "$DOCS" --files "$FILES" --seed "$SEED" --corpora "$CORPORA" \
		>"$CORPUS.stats.tmp" 2>"$LOGS/gencorpus.log"
	mv "$CORPUS.stats.tmp" "$CORPUS.stats"
fi
echo "Corpus: $(cat "$CORPUS.stats") ($CORPUS)"
echo "Code: $(git -C "$ROOT" log -1 --format='%h %ci %s' 2>/dev/null || echo unknown), $(git -C "$ROOT" status --porcelain 2>/dev/null | grep -vc '^??' || true) tracked files modified in the working tree"
echo "Machine: $(nproc) cores, load average $(awk '{ print $1, $2, $3 }' /proc/loadavg)"
# The response store's Put latency on the store's filesystem, now: the client holds a
# request's concurrency slot until its answer is stored, so this adds to every request.
if [[ "${STORELAT:-1}" == 1 ]]; then
	probe=${STORE_ROOT:-$BENCH_DIR}/storelat
	discard "$probe"
	"$BIN/llmbench" storelat --store="$probe" --n=3000 --workers="$MAX_IN_FLIGHT" --rate=600
	discard "$probe"
fi

# Only the generation stage's requests: a job that also refines (judge, rewrite) is told
# to skip it.
GEN_FLAGS=()
if "$BIN/generate" --help 2>&1 | grep -q -e '-rounds'; then
	GEN_FLAGS+=(--rounds=0)
fi

# capacity = max concurrency / latency, in requests per second.
lat_s=$(awk -v l="$LATENCY" 'BEGIN {
	if (l ~ /ms$/) { sub(/ms$/, "", l); print l / 1000 } else if (l ~ /s$/) { sub(/s$/, "", l); print l + 0 } else print l + 0 }')
capacity=$(awk -v c="$MAX_CONCURRENCY" -v l="$lat_s" 'BEGIN { printf "%.0f", c / l }')

FAKE_PID=""
POLL_PID=""
JOB_PID=""
cleanup() {
	if [[ -n "$JOB_PID" ]]; then
		pkill -TERM -P "$JOB_PID" 2>/dev/null || true # the job under /usr/bin/time
		wait "$JOB_PID" 2>/dev/null || true
	fi
	if [[ -n "$POLL_PID" ]]; then kill "$POLL_PID" 2>/dev/null || true; wait "$POLL_PID" 2>/dev/null || true; fi
	if [[ -n "$FAKE_PID" ]]; then kill "$FAKE_PID" 2>/dev/null || true; wait "$FAKE_PID" 2>/dev/null || true; fi
	JOB_PID="" POLL_PID="" FAKE_PID=""
}
trap 'cleanup; if ((${#TRASH[@]})); then rm -rf "${TRASH[@]}"; fi' EXIT

# wait_for polls URL until it answers (5 s at most).
wait_for() {
	for _ in $(seq 50); do
		curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "run.sh: $1 did not answer" >&2
	return 1
}

loadavg() { awk '{ print $1, $2, $3 }' /proc/loadavg; }

rows=()
for ((rep = 1; rep <= REPEAT; rep++)); do
	for runner in $RUNNERS; do
		run=$BENCH_DIR/run-$runner-$rep
		store=${STORE_ROOT:-$run}/store-$runner-$rep
		discard "$run" "$store"
		mkdir -p "$run"
		base="http://127.0.0.1:$PORT/v1"
		case $runner in
		raw)
			job=("$BIN/llmbench" client --raw --corpus="$CORPUS/*.jsonl" --n="$DOCS_CLIENT" --base_url="$base"
				--max_in_flight="$MAX_IN_FLIGHT")
			;;
		client | client-fastretry)
			# shellcheck disable=SC2206 # CLIENT_FLAGS is a list of flags
			job=("$BIN/llmbench" client --corpus="$CORPUS/*.jsonl" --n="$DOCS_CLIENT" --base_url="$base"
				--max_in_flight="$MAX_IN_FLIGHT" --store="$store" $CLIENT_FLAGS)
			if [[ $runner == client-fastretry ]]; then job+=(--backoff_initial=25ms); fi
			;;
		*)
			# shellcheck disable=SC2206 # EXTRA_FLAGS is a list of flags
			job=("$BIN/generate" --runner="$runner" --input="$CORPUS/*.jsonl" --output="$run/out"
				--response_store="$store" --llm_base_url="$base" --generator_model=bench
				--max_in_flight="$MAX_IN_FLIGHT" --progress_every=5s "${GEN_FLAGS[@]}" $EXTRA_FLAGS)
			;;
		esac

		# 3. Server, poller, job. A server left on the port would answer in place of ours
		# and add its counts to the run's.
		if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then
			echo "run.sh: something already listens on 127.0.0.1:$PORT; set PORT" >&2
			exit 1
		fi
		"$BIN/fakellm" --addr="127.0.0.1:$PORT" --latency="$LATENCY" --max_concurrency="$MAX_CONCURRENCY" \
			--error_rate="$ERROR_RATE" --error_kinds="$ERROR_KINDS" --seed="$SEED" >"$run/fakellm.log" 2>&1 &
		FAKE_PID=$!
		wait_for "http://127.0.0.1:$PORT/fake/stats"
		kill -0 "$FAKE_PID" 2>/dev/null || { echo "run.sh: fakellm exited; see $run/fakellm.log" >&2; exit 1; }
		load_before=$(loadavg)
		/usr/bin/time -v -o "$run/job.time" "${job[@]}" >"$run/job.out" 2>"$run/job.err" &
		JOB_PID=$!
		"$BIN/llmbench" poll --url="http://127.0.0.1:$PORT/fake/stats" --every="$POLL" --out="$run/series.tsv" \
			--ppid="$JOB_PID" 2>"$run/poll.log" &
		POLL_PID=$!
		if ! wait "$JOB_PID"; then
			JOB_PID=""
			echo "run.sh: the job on $runner failed; see $run/job.err" >&2
			exit 1
		fi
		JOB_PID=""
		sleep 0.5 # one more poll after the last answer
		curl -fsS "http://127.0.0.1:$PORT/fake/stats" >"$run/stats.json"
		cleanup
		entries=$({ find "$store" -type f -name '*.json' 2>/dev/null || true; } | wc -l)
		if [[ -n "$STORE_ROOT" ]]; then discard "$store"; fi

		# 4. Numbers.
		funnel=() disk=()
		if [[ -f "$run/out/report/funnel.json" ]]; then
			funnel=(--funnel="$run/out/report/funnel.json")
			disk=(--output="$run/out")
		fi
		echo
		echo "## $runner, run $rep (load average before: $load_before; after: $(loadavg))"
		"$BIN/llmbench" summarize --format=text --runner="$runner" --stats="$run/stats.json" "${funnel[@]}" "${disk[@]}" \
			--time="$run/job.time" --series="$run/series.tsv" --capacity="$capacity" --slots="$MAX_CONCURRENCY"
		echo "  response store: $entries entries"
		echo "  job log:"
		grep -ho -e 'llm generate: done [^"]*' -e '^client.*' "$run/job.err" "$run/job.out" | sed 's/^/    /' || true
		rows+=("$("$BIN/llmbench" summarize --format=row --runner="$runner" --stats="$run/stats.json" \
			"${funnel[@]}" --time="$run/job.time" --capacity="$capacity")")
	done
done

echo
echo "fakellm: --latency=$LATENCY --max_concurrency=$MAX_CONCURRENCY (capacity $capacity requests/s) --error_rate=$ERROR_RATE --error_kinds=$ERROR_KINDS --seed=$SEED; job: --max_in_flight=$MAX_IN_FLIGHT ${GEN_FLAGS[*]} $EXTRA_FLAGS; client: $CLIENT_FLAGS; response stores under ${STORE_ROOT:-$BENCH_DIR/run-*}"
echo
echo "| runner | docs to generate | completed | distinct | duplicates | 429s | 5xx injected | first→last s | rate/s | fraction of capacity (target ≥ 90%) | lost | job wall s | peak RSS MB |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
