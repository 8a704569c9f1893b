#!/usr/bin/env bash
# What the self-contained execd bundle costs: its size, and execd's start (exec to the first
# answered /ping) and idle RSS when started through the bundle's launcher and loader compared with
# the plain binary using the system's libraries.
#
# Usage: bench/execd_bundle_bench.sh [build-dir]   (default build-dir: build-bench, Release)
# Environment: PORT (44791), RUNS (20). Needs curl. Prints figures; asserts nothing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-bench}
[[ $build = /* ]] || build="$PWD/$build"
PORT=${PORT:-44791}
RUNS=${RUNS:-20}
work=$(mktemp -d)
pid=
cleanup() {
  [[ -z $pid ]] || kill -KILL "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$root/scripts/bundle_execd.sh" "$build/execd/execd" "$work/bundle" >/dev/null

# Starts execd, polls /ping every millisecond; prints "<ms to first 200> <VmRSS kB>".
start_once() {
  local begin end
  begin=$(date +%s%N)
  "$@" --port "$PORT" --listen-address 127.0.0.1 >/dev/null 2>&1 &
  pid=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$PORT/ping" 2>/dev/null; do sleep 0.001; done
  end=$(date +%s%N)
  sleep 0.2
  local rss
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
  echo "$(((end - begin) / 1000)) $rss"
}

# Prints "median_ms p90_ms median_rss_kB" over RUNS starts.
measure() {
  for _ in $(seq "$RUNS"); do start_once "$@"; done >"$work/samples"
  local n=$RUNS
  local median p90 rss
  median=$(sort -n -k1 "$work/samples" | awk -v i=$(((n + 1) / 2)) 'NR == i {printf "%.1f", $1 / 1000}')
  p90=$(sort -n -k1 "$work/samples" | awk -v i=$(((n * 9 + 9) / 10)) 'NR == i {printf "%.1f", $1 / 1000}')
  rss=$(sort -n -k2 "$work/samples" | awk -v i=$(((n + 1) / 2)) 'NR == i {print $2}')
  echo "$median $p90 $rss"
}

strip -o "$work/execd.stripped" "$build/execd/execd"
echo "execd bundle: $(du -sb "$work/bundle" | cut -f1) bytes in all, lib/ $(du -sb "$work/bundle/lib" | cut -f1) bytes ($(ls "$work/bundle/lib" | wc -l) files), binary $(stat -c %s "$work/bundle/libexec/execd") bytes ($(stat -c %s "$work/execd.stripped") stripped, as in the image)"
printf '%-28s %12s %10s %12s\n' "start" "median ms" "p90 ms" "RSS idle kB"
read -r m p r < <(measure "$build/execd/execd")
printf '%-28s %12s %10s %12s\n' "binary, system libraries" "$m" "$p" "$r"
read -r m p r < <(measure "$work/bundle/execd")
printf '%-28s %12s %10s %12s\n' "bundle launcher" "$m" "$p" "$r"
