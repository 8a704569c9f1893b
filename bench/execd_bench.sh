#!/usr/bin/env bash
# execd benchmark: the figures of the execd core issue, against the real binary on loopback.
#
#   /ping             wrk, 2 threads, 8 and 256 connections: requests/s and p99
#   echo hi           POST /command {"command":"echo hi"} to the terminal event, one request at a
#                     time on a keep-alive connection: p50/p99 over REQUESTS requests
#   stream output     one command writing STREAM_MIB MiB to stdout as 1 000-byte lines, read whole
#                     by curl: MB/s of stdout text delivered
#   memory            execd's VmRSS idle, and with IDLE_STREAMS open streams of commands that sleep
#
# Usage (as root or not; nothing outside loopback is touched):
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-bench -j2 --target execd
#   bench/execd_bench.sh [build-dir]          (default build-dir: build-bench)
# Environment: PORT (44790), SECONDS_PER_RUN (5), REQUESTS (300), STREAM_MIB (1024), IDLE_STREAMS (1000).
# Needs: wrk, curl, python3. It is a benchmark, not a test: it exits 0 even when a goal is missed.
set -euo pipefail

bench_name=execd_bench
PORT=${PORT:-44790}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
REQUESTS=${REQUESTS:-300}
STREAM_MIB=${STREAM_MIB:-1024}
IDLE_STREAMS=${IDLE_STREAMS:-1000}
source "$(dirname "$0")/execd_bench_lib.sh"
execd_bench_setup "${1:-}"

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$execd_pid/status"; }

# ping_run CONNECTIONS: prints "requests/s p99".
ping_run() {
  wrk -t2 -c"$1" -d"${SECONDS_PER_RUN}s" --latency "$base/ping" >"$work/wrk-$1.txt"
  awk '/Requests\/sec/ {rps=$2} $1 == "99%" {p99=$2} END {print rps, p99}' "$work/wrk-$1.txt"
}

# echo hi, one request at a time, each on a new connection: the time from sending the request to
# reading its terminal event (the stream itself stays open for the grace window after it, as
# upstream's does). Prints "p50_ms p99_ms".
echo_latency() {
  python3 - "$PORT" "$REQUESTS" <<'EOF'
import socket, sys, time
port, requests = int(sys.argv[1]), int(sys.argv[2])
body = b'{"command":"echo hi"}'
request = (b"POST /command HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
times = []
for _ in range(requests):
    start = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(request)
    data = b""
    while b'"execution_complete"' not in data:
        chunk = s.recv(65536)
        assert chunk, data[-300:]
        data += chunk
    times.append((time.perf_counter() - start) * 1000)
    assert b'"hi"' in data, data[-300:]
    s.close()
times.sort()
print("%.2f %.2f" % (times[len(times) // 2], times[int(len(times) * 0.99) - 1]))
EOF
}

# Prints "MB/s of stdout text, seconds".
stream_throughput() {
  local lines=$((STREAM_MIB * 1048576 / 1000))
  local command="yes \$(printf '%0999d' 0) | head -n $lines"
  curl -sS -o "$work/stream.txt" -w '%{time_total}\n' -H 'Content-Type: application/json' \
    -d "{\"command\":\"$command\"}" "$base/command" >"$work/stream.time"
  grep -q '"execution_complete"' "$work/stream.txt" || die "the stream did not complete"
  local seconds
  seconds=$(cat "$work/stream.time")
  python3 -c "import sys; mb = $lines * 1000 / 1e6; print('%.0f %.2f' % (mb / $seconds, $seconds))"
}

# Opens IDLE_STREAMS streams of sleeping commands, prints execd's RSS with them open (kB).
idle_streams_rss() {
  python3 - "$PORT" "$IDLE_STREAMS" "$execd_pid" <<'EOF'
import socket, sys, time
port, count, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
body = b'{"command":"sleep 60"}'
request = (b"POST /command HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
sockets = []
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(request)
    sockets.append(s)
for s in sockets:  # every stream has started: its init event arrived
    s.settimeout(30)
    data = b""
    while b'"init"' not in data:
        data += s.recv(65536)
time.sleep(1)
with open("/proc/%s/status" % pid) as status:
    print(next(line.split()[1] for line in status if line.startswith("VmRSS:")))
for s in sockets:
    s.close()
EOF
}

main() {
  require_tools wrk curl python3
  # Idle streams need a descriptor each, plus their command's pipes.
  ulimit -n 65536 2>/dev/null || true
  start_execd
  sleep 1
  local idle_rss
  idle_rss=$(rss_kb)
  log "execd_bench: /ping"
  read -r rps8 p99_8 <<<"$(ping_run 8)"
  read -r rps256 p99_256 <<<"$(ping_run 256)"
  log "execd_bench: echo hi x $REQUESTS"
  read -r echo_p50 echo_p99 <<<"$(echo_latency)"
  log "execd_bench: $STREAM_MIB MiB of output"
  read -r stream_mbps stream_seconds <<<"$(stream_throughput)"
  log "execd_bench: $IDLE_STREAMS idle streams"
  local streams_rss
  streams_rss=$(idle_streams_rss)
  cat <<EOF

/ping, 8 connections:       $rps8 requests/s, p99 $p99_8
/ping, 256 connections:     $rps256 requests/s, p99 $p99_256   (goal >= 30 000 requests/s, p99 <= 2 ms)
echo hi to terminal event:  p50 $echo_p50 ms, p99 $echo_p99 ms   (goal p50 <= 5 ms)
stream output:              $stream_mbps MB/s ($STREAM_MIB MiB in $stream_seconds s)   (goal >= 300 MB/s)
RSS idle:                   $idle_rss kB   (goal <= 8 MB)
RSS with $IDLE_STREAMS idle streams: $streams_rss kB   (goal <= 64 MB)
EOF
}

main
