#!/usr/bin/env bash
# Eval throughput benchmark: the eval job (pipelines/eval) against the project's fake
# OpenAI-compatible server (io/llm/llmtest) with 100 ms latency and 64 concurrent
# requests (capacity 640 requests/s). 80 questions x 10 languages, models m1 and m2
# against the baseline base, both orders: 2,400 answer calls, then 3,200 judge calls.
# For each run it prints a summary (server counts, the two phases, dips in the server's
# in-flight count, the job's progress log), then one markdown table of all runs and the
# medians per runner. Binaries, job logs, /usr/bin/time reports, server stats and the
# polled series go to $BENCH_DIR.
#
#   internal/bench/evalbench/run.sh                       # direct and prism, twice each
#   RUNNERS=direct REPEAT=3 internal/bench/evalbench/run.sh
#
# Environment: BENCH_DIR (default /tmp/xinstruct-evalbench), RUNNERS ("direct prism"),
# REPEAT (2; runs alternate runners), PORT (18531), LATENCY (100ms), MAX_CONCURRENCY
# (64), MAX_IN_FLIGHT (64), ANSWERERS (m1=quality:7;m2=quality:6;base=quality:5),
# ACCURACY (0.8), QUESTIONS (/work/shared/eval/questions.en.jsonl), POLL (50ms),
# EXTRA_FLAGS (appended to the job's flags).
set -euo pipefail

BENCH_DIR=${BENCH_DIR:-/tmp/xinstruct-evalbench}
RUNNERS=${RUNNERS:-direct prism}
REPEAT=${REPEAT:-2}
PORT=${PORT:-18531}
LATENCY=${LATENCY:-100ms}
MAX_CONCURRENCY=${MAX_CONCURRENCY:-64}
MAX_IN_FLIGHT=${MAX_IN_FLIGHT:-64}
ANSWERERS=${ANSWERERS:-m1=quality:7;m2=quality:6;base=quality:5}
ACCURACY=${ACCURACY:-0.8}
QUESTIONS=${QUESTIONS:-/work/shared/eval/questions.en.jsonl}
POLL=${POLL:-50ms}
EXTRA_FLAGS=${EXTRA_FLAGS:-}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
BIN=$BENCH_DIR/bin
LOGS=$BENCH_DIR/logs
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
	go build -o "$BIN/eval" ./pipelines/eval
	go build -o "$BIN/fakellm" ./io/llm/llmtest/cmd/fakellm
	go build -o "$BIN/evalbench" ./internal/bench/evalbench
	go build -o "$BIN/llmbench" ./internal/bench/llm # its poll subcommand records the fake's stats over time
) >"$LOGS/build.log" 2>&1 || { cat "$LOGS/build.log" >&2; exit 1; }

echo "Questions: $(wc -l <"$QUESTIONS") in $QUESTIONS"
echo "Code: $(git -C "$ROOT" log -1 --format='%h %ci %s' 2>/dev/null | cut -c1-100 || echo unknown), $(git -C "$ROOT" status --porcelain 2>/dev/null | grep -vc '^??' || true) tracked files modified in the working tree"
echo "Machine: $(nproc) cores, load average $(awk '{ print $1, $2, $3 }' /proc/loadavg)"

# capacity = max concurrency / latency, in requests per second.
lat_s=$(awk -v l="$LATENCY" 'BEGIN {
	if (l ~ /ms$/) { sub(/ms$/, "", l); print l / 1000 } else if (l ~ /s$/) { sub(/s$/, "", l); print l + 0 } else print l + 0 }')
capacity=$(awk -v c="$MAX_CONCURRENCY" -v l="$lat_s" 'BEGIN { printf "%.0f", c / l }')

# discard moves a previous run's files aside; they are deleted when the script exits
# (deleting thousands of files just before a run slows the run's own file creation).
TRASH=()
discard() {
	local p t
	for p in "$@"; do
		if [[ -e "$p" ]]; then
			t=$(dirname "$p")/.trash.$$
			mkdir -p "$t"
			mv "$p" "$t/$(basename "$p").$RANDOM"
			TRASH+=("$t")
		fi
	done
}

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

wait_for() {
	for _ in $(seq 50); do
		curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "run.sh: $1 did not answer" >&2
	return 1
}

loadavg() { awk '{ print $1, $2, $3 }' /proc/loadavg; }

# 2. One server for all runs, reset before each.
if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then
	echo "run.sh: something already listens on 127.0.0.1:$PORT; set PORT" >&2
	exit 1
fi
"$BIN/fakellm" --addr="127.0.0.1:$PORT" --latency="$LATENCY" --max_concurrency="$MAX_CONCURRENCY" \
	--answerers="$ANSWERERS" --eval_judge_accuracy="$ACCURACY" >"$LOGS/fakellm.log" 2>&1 &
FAKE_PID=$!
wait_for "http://127.0.0.1:$PORT/fake/stats"
base="http://127.0.0.1:$PORT/v1"
models=()
IFS=';' read -ra answerers <<<"$ANSWERERS"
for a in "${answerers[@]}"; do
	m=${a%%=*}
	models+=("$m=$m@$base")
done
models_flag=$(IFS=,; echo "${models[*]}")
baseline=${models[-1]%%=*}

rows=()
declare -A byrunner
for ((rep = 1; rep <= REPEAT; rep++)); do
	for runner in $RUNNERS; do
		run=$BENCH_DIR/run-$runner-$rep
		discard "$run"
		mkdir -p "$run"
		# shellcheck disable=SC2206 # EXTRA_FLAGS is a list of flags
		job=("$BIN/eval" --runner="$runner" --questions="$QUESTIONS" --models="$models_flag" --baseline="$baseline"
			--judge_model=judge --judge_base_url="$base" --llm_base_url="$base" --max_in_flight="$MAX_IN_FLIGHT"
			--progress_every=5s --output="$run/out" --response_store="$run/store" --skip_preflight $EXTRA_FLAGS)
		printf '%q ' "${job[@]}" >"$run/command"

		# 3. Reset the server, poll it, run the job.
		curl -fsS -X POST -o /dev/null "http://127.0.0.1:$PORT/fake/reset" || curl -fsS -o /dev/null "http://127.0.0.1:$PORT/fake/reset"
		"$BIN/llmbench" poll --url="http://127.0.0.1:$PORT/fake/stats" --every="$POLL" --out="$run/series.tsv" 2>"$run/poll.log" &
		POLL_PID=$!
		load_before=$(loadavg)
		OPENAI_API_KEY=dummy /usr/bin/time -v -o "$run/job.time" "${job[@]}" >"$run/job.out" 2>"$run/job.err" &
		JOB_PID=$!
		if ! wait "$JOB_PID"; then
			JOB_PID=""
			echo "run.sh: the job on $runner failed; see $run/job.err" >&2
			exit 1
		fi
		JOB_PID=""
		sleep 0.2 # one more poll after the last answer
		kill "$POLL_PID" 2>/dev/null || true
		wait "$POLL_PID" 2>/dev/null || true
		POLL_PID=""
		curl -fsS "http://127.0.0.1:$PORT/fake/stats" >"$run/stats.json"

		# 4. Numbers.
		echo
		echo "## $runner, run $rep (load average before: $load_before; after: $(loadavg))"
		"$BIN/evalbench" summarize --format=text --runner="$runner" --stats="$run/stats.json" --series="$run/series.tsv" \
			--time="$run/job.time" --out="$run/out" --capacity="$capacity" --slots="$MAX_CONCURRENCY"
		echo "  job log:"
		grep -ho 'llm [a-z_0-9]*: done [^"]*' "$run/job.err" | sed 's/^/    /' || true
		row=$("$BIN/evalbench" summarize --format=row --runner="$runner" --stats="$run/stats.json" --series="$run/series.tsv" \
			--time="$run/job.time" --out="$run/out" --capacity="$capacity" --slots="$MAX_CONCURRENCY")
		rows+=("$row")
		byrunner[$runner]+="$row"$'\n'
	done
done

header="| runner | requests | answer calls | judge calls | max in flight | first→last s | req/s | of capacity (target ≥ 90% on direct) | answer phase s | req/s | of capacity | gap s | judge phase s | req/s | of capacity | job wall s | peak RSS MB | CPU s |"
sep="|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
echo
echo "fakellm: --latency=$LATENCY --max_concurrency=$MAX_CONCURRENCY (capacity $capacity requests/s) --answerers='$ANSWERERS' --eval_judge_accuracy=$ACCURACY; job: --max_in_flight=$MAX_IN_FLIGHT $EXTRA_FLAGS"
echo
echo "All runs:"
echo
echo "$header"
echo "$sep"
printf '%s\n' "${rows[@]}"
echo
echo "Medians per runner (each column on its own):"
echo
echo "$header"
echo "$sep"
for runner in $RUNNERS; do
	# The median of each numeric column; a '%' column keeps its sign.
	printf '%s' "${byrunner[$runner]}" | awk -F'|' -v r="$runner" '
		NF > 2 { n++; for (i = 3; i < NF; i++) { v = $i; gsub(/[ %]/, "", v); col[i, n] = v + 0; pct[i] = ($i ~ /%/); dec[i] = ($i ~ /\./) } ; nf = NF }
		END {
			line = "| " r " (median of " n ") |"
			for (i = 3; i < nf; i++) {
				for (a = 1; a <= n; a++) x[a] = col[i, a]
				for (a = 1; a <= n; a++) for (b = a + 1; b <= n; b++) if (x[b] < x[a]) { t = x[a]; x[a] = x[b]; x[b] = t }
				m = (n % 2) ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
				line = line sprintf(pct[i] ? " %.1f%% |" : (dec[i] ? " %.2f |" : " %.0f |"), m)
			}
			print line
		}'
done
