#!/usr/bin/env bash
# PTY keystroke echo round trip (p50/p99) against the real execd binary on loopback.
#
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-bench -j2 --target execd pty_echo_bench
#   bench/pty_echo_bench.sh [build-dir]          (default build-dir: build-bench)
# Environment: PORT (44791), ROUNDS (2000). A benchmark, not a test: it exits 0 whatever the figures.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-bench}
[[ $build = /* ]] || build="$PWD/$build"
PORT=${PORT:-44791}
ROUNDS=${ROUNDS:-2000}

"$build/execd/execd" --port "$PORT" --listen-address 127.0.0.1 --log-level 3 >/dev/null 2>&1 &
execd_pid=$!
trap 'kill $execd_pid 2>/dev/null; wait $execd_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$PORT/ping" >/dev/null && break
    sleep 0.05
done
"$build/bench/pty_echo_bench" "$PORT" "$ROUNDS"
