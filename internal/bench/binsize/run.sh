#!/usr/bin/env bash
# Worker binary sizes: builds each pipeline as Dataflow and Flink get it (GOOS=linux
# GOARCH=amd64 CGO_ENABLED=0), plain and stripped (-trimpath -ldflags='-s -w'), under
# /usr/bin/time -v, then says what the plain binary's bytes are spent on (binsize: ELF
# sections, top modules with the import chain that pulls each in, top packages). It also
# builds the stripped binary with -tags disable_grpc_modules (cloud.google.com/go/storage
# without its gRPC transport, which nothing here uses; see README.md). With UPX=1 it
# compresses the stripped binary with upx and times `--help` of both.
#
#   internal/bench/binsize/run.sh
#   PIPELINES=eval UPX=1 internal/bench/binsize/run.sh
#
# Environment: OUT (default /tmp/xinstruct-binsize: binaries, time -v reports, nm listings,
# binsize reports, go version -m), PIPELINES ("generate eval"), TOP (15), UPX (0),
# KEEP (0: delete the binaries at the end; 1: keep them). A cold build takes about 4 minutes
# per binary on 2 idle cores (each of the two variants compiles everything once: -trimpath
# changes every package's build); a warm one is the link, under a minute.
set -euo pipefail

OUT=${OUT:-/tmp/xinstruct-binsize}
PIPELINES=${PIPELINES:-generate eval}
TOP=${TOP:-15}
UPX=${UPX:-0}
KEEP=${KEEP:-0}

cd "$(dirname "$0")/../../.."
if [[ $UPX == 1 ]] && ! command -v upx >/dev/null; then
	echo "run.sh: UPX=1 needs upx on PATH (Debian: upx-ucl, from trixie on)" >&2
	exit 2
fi
mkdir -p "$OUT"
export GOOS=linux GOARCH=amd64 CGO_ENABLED=0

mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
timeof() { # wall time and peak RSS from a time -v report
	awk -F': ' '/Elapsed/ { w = $2 } /Maximum resident/ { r = $2 } END { printf "%s, %.1f GB", w, r / 1e6 }' "$1"
}

go build -o "$OUT/binsize" ./internal/bench/binsize
rows=()
for p in $PIPELINES; do
	/usr/bin/time -v -o "$OUT/$p.plain.time" go build -o "$OUT/$p.plain" "./pipelines/$p"
	/usr/bin/time -v -o "$OUT/$p.stripped.time" go build -trimpath -ldflags='-s -w' -o "$OUT/$p.stripped" "./pipelines/$p"
	go build -trimpath -ldflags='-s -w' -tags disable_grpc_modules -o "$OUT/$p.nogrpc" "./pipelines/$p"
	go version -m "$OUT/$p.plain" >"$OUT/$p.modules"
	go tool nm -size -sort size "$OUT/$p.plain" >"$OUT/$p.nm"
	"$OUT/binsize" -pkg "./pipelines/$p" -top "$TOP" "$OUT/$p.plain" >"$OUT/$p.report"
	plain=$(stat -c %s "$OUT/$p.plain")
	stripped=$(stat -c %s "$OUT/$p.stripped")
	row="| $p | $(mb "$plain") | $(mb "$stripped") | $(mb "$(stat -c %s "$OUT/$p.nogrpc")") | $(timeof "$OUT/$p.plain.time") | $(timeof "$OUT/$p.stripped.time") |"
	if [[ $UPX == 1 ]]; then
		rm -f "$OUT/$p.upx"
		upx -q -o "$OUT/$p.upx" "$OUT/$p.stripped" >"$OUT/$p.upx.log"
		for b in stripped upx; do
			/usr/bin/time -v -o "$OUT/$p.$b.help.time" "$OUT/$p.$b" --help >/dev/null 2>&1 || true
		done
		row+=" $(mb "$(stat -c %s "$OUT/$p.upx")") | $(timeof "$OUT/$p.stripped.help.time") | $(timeof "$OUT/$p.upx.help.time") |"
	fi
	rows+=("$row")
done

for p in $PIPELINES; do
	echo "## $p"
	echo
	cat "$OUT/$p.report"
	echo
done
head='| binary | plain | stripped | stripped, -tags disable_grpc_modules | plain build (wall, peak RSS) | stripped build (wall, peak RSS) |'
line='| --- | ---: | ---: | ---: | --- | --- |'
if [[ $UPX == 1 ]]; then
	head+=' upx | --help, stripped (wall, peak RSS) | --help, upx (wall, peak RSS) |'
	line+=' ---: | --- | --- |'
fi
echo "$head"
echo "$line"
printf '%s\n' "${rows[@]}"
if [[ $KEEP != 1 ]]; then
	rm -f "$OUT"/*.plain "$OUT"/*.stripped "$OUT"/*.nogrpc "$OUT"/*.upx "$OUT/binsize"
fi
