#!/usr/bin/env bash
# execd /proxy upload benchmark: request bodies streamed through /proxy/{port}/ to a local sink
# server, against the same uploads sent to the sink directly, in the same run.
#
#   upload MiB/s   curl -T of a SIZE-byte file (Content-Length), and the same bytes from stdin
#                  (chunked), RUNS times each, best run; direct and through the proxy
#   execd VmHWM    execd's peak resident memory after all the uploads
#
# The sink (python3, one thread per connection) reads each body in 1 MiB pieces, discards it and
# answers with its size, which the script checks.
#
# Usage (as root or not; nothing outside loopback and a temporary directory is touched):
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-bench -j2 --target execd
#   bench/execd_proxy_bench.sh [build-dir]      (default build-dir: build-bench)
# Environment: PORT (44796), SINK_PORT (44797), SIZE (1073741824), RUNS (3), WORK_DIR (a new
# directory under $TMPDIR; needs SIZE bytes). Needs: curl, python3. It is a benchmark, not a test:
# it exits 0 even when a goal is missed.
set -euo pipefail

bench_name=execd_proxy_bench
PORT=${PORT:-44796}
SINK_PORT=${SINK_PORT:-44797}
SIZE=${SIZE:-1073741824}
RUNS=${RUNS:-3}
source "$(dirname "$0")/execd_bench_lib.sh"
execd_bench_setup "${1:-}"
require_tools curl python3

sink_pid=
stop_sink() { [[ -z $sink_pid ]] || kill -TERM "$sink_pid" 2>/dev/null || true; }
trap 'stop_sink; execd_bench_cleanup' EXIT

cat >"$work/sink.py" <<'PY'
import http.server, socketserver, sys

class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def read_exact(self, size, piece):
        left = size
        while left:
            got = self.rfile.readinto(memoryview(piece)[:min(left, len(piece))])
            if not got:
                raise ConnectionError("body ended early")
            left -= got
    def do_POST(self):
        piece = bytearray(1 << 20)
        total = 0
        if self.headers.get("Transfer-Encoding", "").lower().endswith("chunked"):
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                self.read_exact(size, piece)
                total += size
                self.rfile.readline()
        else:
            total = int(self.headers.get("Content-Length", "0"))
            self.read_exact(total, piece)
        body = str(total).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
    do_PUT = do_POST

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

Server(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
PY

now() { date +%s.%N; }
mib_per_s() { python3 -c "print('%.0f' % ($1 / 1048576 / ($3 - $2)))"; }

# upload URL MODE: MiB/s of the best of RUNS uploads (MODE: length or chunked).
upload() {
  local url=$1 mode=$2 best=0 t0 t1 answer rate
  for _ in $(seq "$RUNS"); do
    t0=$(now)
    if [[ $mode = length ]]; then
      answer=$(curl -fsS -X POST -T "$work/payload" "$url")
    else
      answer=$(curl -fsS -X POST -T - -H 'Transfer-Encoding: chunked' "$url" <"$work/payload")
    fi
    t1=$(now)
    [[ $answer = "$SIZE" ]] || die "the sink received '$answer' bytes, not $SIZE ($mode, $url)"
    rate=$(mib_per_s "$SIZE" "$t0" "$t1")
    ((rate > best)) && best=$rate
  done
  echo "$best"
}

head -c "$SIZE" /dev/urandom >"$work/payload"
python3 "$work/sink.py" "$SINK_PORT" &
sink_pid=$!
start_execd
for _ in $(seq 100); do
  curl -fsS -o /dev/null -X POST -d x "http://127.0.0.1:$SINK_PORT/" 2>/dev/null && break
  sleep 0.05
done

direct_length=$(upload "http://127.0.0.1:$SINK_PORT/up" length)
proxy_length=$(upload "$base/proxy/$SINK_PORT/up" length)
direct_chunked=$(upload "http://127.0.0.1:$SINK_PORT/up" chunked)
proxy_chunked=$(upload "$base/proxy/$SINK_PORT/up" chunked)
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$execd_pid/status")

printf 'upload of %d MiB, best of %d     direct MiB/s   via /proxy MiB/s   proxy/direct\n' \
  $((SIZE / 1048576)) "$RUNS"
printf 'Content-Length body             %12s   %16s   %11s%%\n' "$direct_length" "$proxy_length" \
  $((100 * proxy_length / direct_length))
printf 'chunked body                    %12s   %16s   %11s%%\n' "$direct_chunked" "$proxy_chunked" \
  $((100 * proxy_chunked / direct_chunked))
printf 'execd VmHWM after the uploads   %s KiB\n' "$hwm"
