#!/usr/bin/env bash
# execd bash-session benchmark: POST /session/{id}/run of `true`, one request at a time, each on a
# new connection, timed from sending the request to reading its terminal event. Prints p50/p99 over
# REQUESTS runs, and the same figures for POST /command of `true` (a fresh bash per command) as the
# baseline measured in the same run.
#
# Usage (as root or not; nothing outside loopback is touched):
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-bench -j2 --target execd
#   bench/execd_session_bench.sh [build-dir]          (default build-dir: build-bench)
# Environment: PORT (44791), REQUESTS (500). Needs: curl, python3.
# It is a benchmark, not a test: it exits 0 even when the goal is missed.
set -euo pipefail

bench_name=execd_session_bench
PORT=${PORT:-44791}
REQUESTS=${REQUESTS:-500}
source "$(dirname "$0")/execd_bench_lib.sh"
execd_bench_setup "${1:-}"
require_tools curl python3
start_execd

session=$(curl -fsS -X POST "$base/session" -d '{}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["session_id"])')

# Prints "p50_ms p99_ms" for REQUESTS posts of BODY to TARGET.
latency() {
  python3 - "$PORT" "$REQUESTS" "$1" "$2" <<'PY'
import socket, sys, time
port, requests, target, body = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4].encode()
request = (b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Content-Length: %d\r\n\r\n%s" % (target.encode(), len(body), body))
times = []
for i in range(requests + 20):
    start = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(request)
    data = b""
    while b'"execution_complete"' not in data:
        chunk = s.recv(65536)
        assert chunk, data[-300:]
        data += chunk
    if i >= 20:  # the first runs warm up
        times.append((time.perf_counter() - start) * 1000)
    s.close()
times.sort()
print("%.2f %.2f" % (times[len(times) // 2], times[int(len(times) * 0.99) - 1]))
PY
}

log "execd_session_bench: session run of true x $REQUESTS"
read -r session_p50 session_p99 <<<"$(latency "/session/$session/run" '{"command":"true"}')"
log "execd_session_bench: POST /command true x $REQUESTS"
read -r command_p50 command_p99 <<<"$(latency /command '{"command":"true"}')"

cat <<REPORT
machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), $(uname -r)
session run of true to terminal event:  p50 $session_p50 ms, p99 $session_p99 ms   (goal p50 <= 5 ms)
POST /command true (baseline):          p50 $command_p50 ms, p99 $command_p99 ms
REPORT
