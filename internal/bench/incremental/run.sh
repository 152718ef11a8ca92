#!/usr/bin/env bash
# Incremental-cost benchmark (issue #14): what a re-run on a changed corpus pays.
#
# v1 is the shared corpora (all ten languages by default) less a held-out tenth; v2 is
# v1 with 10% of its documents new (the held-out ones) and 5% removed. The generate job
# runs v1, then v2 with the same configuration and response store, then v2's new
# documents alone into an empty store (what they need), then v2 again with another
# --per_language (which should ask nothing). All against the project's fake
# OpenAI-compatible server: generation, two judge rounds with a rewrite between, and
# --embedder=openai, so that every model stage calls it. It prints one markdown table:
# per stage, v1's calls, v2's, the new documents' need, the bound (need + 1%) and what
# v2 saved, with its cost at --price. It exits 1 if a stage is over its bound.
#
#   internal/bench/incremental/run.sh
#   LANGS=fi,sw,ta RUNNER=direct internal/bench/incremental/run.sh
#
# Environment: BENCH_DIR (default /tmp/xinstruct-incremental), CORPORA
# (/work/shared/corpora, or $XINSTRUCT_SHARED/corpora), LANGS (every corpus), ADD (0.10),
# REMOVE (0.05), RUNNER (prism), PORT (18541), PRICE (0.15,0.60), EXTRA_FLAGS (appended
# to every run's flags). Binaries, corpora, outputs, stores and logs go to $BENCH_DIR.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/xinstruct-incremental}
CORPORA=${CORPORA:-${XINSTRUCT_SHARED:-$ROOT/../shared}/corpora}
LANGS=${LANGS:-}
ADD=${ADD:-0.10}
REMOVE=${REMOVE:-0.05}
RUNNER=${RUNNER:-prism}
PORT=${PORT:-18541}
PRICE=${PRICE:-0.15,0.60}
EXTRA_FLAGS=${EXTRA_FLAGS:-}

BIN=$BENCH_DIR/bin
LOGS=$BENCH_DIR/logs
rm -rf "$BENCH_DIR/corpus" "$BENCH_DIR/runs"
mkdir -p "$BIN" "$LOGS" "$BENCH_DIR/runs"

if ! command -v curl >/dev/null; then
	echo "run.sh: curl is required" >&2
	exit 1
fi

# 1. Binaries.
(
	cd "$ROOT"
	go build -o "$BIN/generate" ./pipelines/generate
	go build -o "$BIN/fakellm" ./io/llm/llmtest/cmd/fakellm
	go build -o "$BIN/incremental" ./internal/bench/incremental
) >"$LOGS/build.log" 2>&1 || { cat "$LOGS/build.log" >&2; exit 1; }

# 2. The two versions.
"$BIN/incremental" split --corpora="$CORPORA" --langs="$LANGS" --add="$ADD" --remove="$REMOVE" --out="$BENCH_DIR/corpus"

# 3. The fake server.
FAKE_PID=""
trap 'if [[ -n "$FAKE_PID" ]]; then kill "$FAKE_PID" 2>/dev/null || true; wait "$FAKE_PID" 2>/dev/null || true; fi' EXIT
if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then
	echo "run.sh: something already listens on 127.0.0.1:$PORT; set PORT" >&2
	exit 1
fi
"$BIN/fakellm" --addr="127.0.0.1:$PORT" >"$LOGS/fakellm.log" 2>&1 &
FAKE_PID=$!
for _ in $(seq 50); do
	curl -fsS -o /dev/null "http://127.0.0.1:$PORT/fake/stats" 2>/dev/null && break
	sleep 0.1
done

# 4. The runs. A run is its name, its input version, its store, and extra flags.
languages=$(ls "$BENCH_DIR/corpus/v1" | sed 's/\.jsonl$//' | paste -sd, -)
run() {
	local name=$1 version=$2 store=$3
	shift 3
	# shellcheck disable=SC2206 # EXTRA_FLAGS is a list of flags
	local cmd=("$BIN/generate" --runner="$RUNNER" --input="$BENCH_DIR/corpus/$version/*.jsonl" --languages="$languages"
		--output="$BENCH_DIR/runs/$name" --response_store="$store" --llm_base_url="http://127.0.0.1:$PORT/v1"
		--generator_model=gen --judge_model=judge --rounds=2 --embedder=openai --embedding_model=embed --embedding_dims=64
		--per_language=100 --clusters=20 --price="$PRICE" --skip_preflight --progress_every=0 "$@" $EXTRA_FLAGS)
	printf '%q ' "${cmd[@]}" >"$LOGS/$name.command"
	local start=$SECONDS
	if ! OPENAI_API_KEY=dummy "${cmd[@]}" >"$LOGS/$name.out" 2>"$LOGS/$name.err"; then
		echo "run.sh: the $name run failed; see $LOGS/$name.err" >&2
		exit 1
	fi
	echo "$name: $((SECONDS - start)) s ($(grep -m1 '^model calls' "$LOGS/$name.out" | sed 's/  */ /g'))"
}
run v1 v1 "$BENCH_DIR/runs/store"
run v2 v2 "$BENCH_DIR/runs/store"
run needed added "$BENCH_DIR/runs/store-needed"
run per-language v2 "$BENCH_DIR/runs/store" --per_language=80

echo
echo "runner $RUNNER; $languages; v2 = v1 + ${ADD} new - ${REMOVE} removed; --price=$PRICE"
echo
"$BIN/incremental" table --v1="$BENCH_DIR/runs/v1" --v2="$BENCH_DIR/runs/v2" --needed="$BENCH_DIR/runs/needed" --rerun="$BENCH_DIR/runs/per-language"
