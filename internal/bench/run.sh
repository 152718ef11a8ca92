#!/usr/bin/env bash
# Ingest benchmark: the generate job against a bare read-parse-write passthrough, on the
# direct and prism runners, over a synthetic corpus. Prints a markdown table on stdout;
# build output, job logs and /usr/bin/time reports go to $BENCH_DIR/logs.
#
#   internal/bench/run.sh                      # 200k docs, each job once per runner
#   REPEAT=3 internal/bench/run.sh             # median of 3 runs
#   RUNNERS=direct JOBS=ingest internal/bench/run.sh
#
# Environment: BENCH_DIR (default /tmp/xinstruct-bench), DOCS (200000), FILES (20), SEED (1),
# NEAR_DUPS (0: the share of near-duplicate records in the corpus, gencorpus --near_dups),
# REPEAT (1), RUNNERS ("direct prism"), JOBS ("passthrough ingest"), INGEST_FLAGS
# ("--stop_after=ingest": the generate job without its model stages). The corpus is
# generated once into $BENCH_DIR/corpus; delete that directory to generate it again.
set -euo pipefail

BENCH_DIR=${BENCH_DIR:-/tmp/xinstruct-bench}
DOCS=${DOCS:-200000}
FILES=${FILES:-20}
SEED=${SEED:-1}
NEAR_DUPS=${NEAR_DUPS:-0}
REPEAT=${REPEAT:-1}
RUNNERS=${RUNNERS:-direct prism}
JOBS=${JOBS:-passthrough ingest}
INGEST_FLAGS=${INGEST_FLAGS---stop_after=ingest}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=$BENCH_DIR/bin
LOGS=$BENCH_DIR/logs
mkdir -p "$BIN" "$LOGS"

if [[ ! -x /usr/bin/time ]]; then
	echo "run.sh: /usr/bin/time (GNU time) is required" >&2
	exit 1
fi

(
	cd "$ROOT"
	go build -o "$BIN/passthrough" ./internal/bench/passthrough
	go build -o "$BIN/ingest" ./pipelines/generate
	go build -o "$BIN/gencorpus" ./internal/bench/gencorpus
	go build -o "$BIN/ingestprof" ./internal/bench/ingestprof
) >"$LOGS/build.log" 2>&1 || { cat "$LOGS/build.log" >&2; exit 1; }

if [[ ! -f "$BENCH_DIR/corpus.stats" || ! -d "$BENCH_DIR/corpus" ]]; then
	rm -rf "$BENCH_DIR/corpus"
	(cd "$ROOT" && "$BIN/gencorpus" --out "$BENCH_DIR/corpus" --docs "$DOCS" --files "$FILES" --seed "$SEED" --near_dups "$NEAR_DUPS") \
		>"$BENCH_DIR/corpus.stats.tmp" 2>"$LOGS/gencorpus.log"
	mv "$BENCH_DIR/corpus.stats.tmp" "$BENCH_DIR/corpus.stats"
fi
# The corpus on disk decides the count, whatever DOCS says now.
docs=$(sed -n 's/^docs=\([0-9]*\).*/\1/p' "$BENCH_DIR/corpus.stats")
bytes=$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' "$BENCH_DIR/corpus.stats")

# seconds converts GNU time's "h:mm:ss" or "m:ss.ss" to seconds.
seconds() {
	awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }' <<<"$1"
}

# median prints the median of its arguments (the mean of the middle two for an even count).
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

declare -A wall rss cpu
for runner in $RUNNERS; do
	# Repetitions alternate the jobs, so that a passing load on the machine hits both alike.
	for ((rep = 1; rep <= REPEAT; rep++)); do
		for job in $JOBS; do
			out=$BENCH_DIR/out-$job-$runner
			log=$LOGS/$job-$runner-$rep
			extra=()
			if [[ $job == ingest ]]; then
				read -r -a extra <<<"$INGEST_FLAGS"
			fi
			rm -rf "$out"
			if ! /usr/bin/time -v -o "$log.time" "$BIN/$job" --runner="$runner" \
				--input="$BENCH_DIR/corpus/*.jsonl" --output="$out" "${extra[@]}" >"$log.out" 2>"$log.err"; then
				echo "run.sh: $job on $runner failed; see $log.err" >&2
				exit 1
			fi
			w=$(seconds "$(sed -n 's/.*Elapsed (wall clock) time.*: //p' "$log.time")")
			r=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$log.time")
			c=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$log.time")
			wall[$runner,$job]+="$w "
			rss[$runner,$job]+="$r "
			cpu[$runner,$job]+="$c "
		done
	done
done

echo "Corpus: $docs records, $((bytes / 1000000)) MB ($BENCH_DIR/corpus). Median of $REPEAT run(s)."
echo
echo "| runner | job | wall s | docs/s | peak RSS MB | CPU s |"
echo "|---|---|---:|---:|---:|---:|"
declare -A mw mr
for runner in $RUNNERS; do
	for job in $JOBS; do
		# shellcheck disable=SC2086 # word splitting of the lists is intended
		mw[$runner,$job]=$(median ${wall[$runner,$job]})
		# shellcheck disable=SC2086
		mr[$runner,$job]=$(median ${rss[$runner,$job]})
		# shellcheck disable=SC2086
		mc=$(median ${cpu[$runner,$job]})
		rate=$(awk -v d="$docs" -v w="${mw[$runner,$job]}" 'BEGIN { printf "%.0f", d / w }')
		printf '| %s | %s | %.2f | %s | %.0f | %.2f |\n' "$runner" "$job" "${mw[$runner,$job]}" "$rate" "${mr[$runner,$job]}" "$mc"
	done
done

if [[ " $JOBS " == *" passthrough "* && " $JOBS " == *" ingest "* ]]; then
	echo
	echo "| runner | wall ingest/passthrough (target ≤ 2.0) | RSS ingest/passthrough (target ≤ 1.5) |"
	echo "|---|---:|---:|"
	for runner in $RUNNERS; do
		awk -v r="$runner" -v wi="${mw[$runner,ingest]}" -v wp="${mw[$runner,passthrough]}" \
			-v ri="${mr[$runner,ingest]}" -v rp="${mr[$runner,passthrough]}" 'BEGIN {
				w = wi / wp; m = ri / rp
				printf "| %s | %.2f %s | %.2f %s |\n", r, w, (w <= 2.0 ? "ok" : "MISS"), m, (m <= 1.5 ? "ok" : "MISS")
			}'
	done
fi
