#!/usr/bin/env bash
# execd filesystem benchmark: the figures of the filesystem issue, against the real binary on loopback.
#
#   upload / download   1 MiB and 1 GiB of random data through POST /files/upload and
#                       GET /files/download (curl), against cp of the same data in the same run
#                       (cp + fsync for uploads, which execd flushes to disk; plain cp for downloads)
#   upload p50          1 MiB uploads one after another on a keep-alive connection, UPLOADS times
#   /files/info p50     wrk, one connection, SECONDS_PER_RUN seconds
#
# Usage (as root or not; nothing outside loopback and a temporary directory is touched):
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-bench -j2 --target execd
#   bench/execd_files_bench.sh [build-dir]      (default build-dir: build-bench)
# Environment: PORT (44795), UPLOADS (200), SECONDS_PER_RUN (5), WORK_DIR (a new directory under
# $TMPDIR; needs about 3 GiB). Needs: curl, wrk, python3. It is a benchmark, not a test: it exits 0
# even when a goal is missed.
set -euo pipefail

bench_name=execd_files_bench
PORT=${PORT:-44795}
UPLOADS=${UPLOADS:-200}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
source "$(dirname "$0")/execd_bench_lib.sh"
execd_bench_setup "${1:-}"

now() { date +%s.%N; }
mib_per_s() { python3 -c "print('%.0f' % ($1 / 1048576 / ($3 - $2)))"; }

# Prints "<upload MiB/s> <cp+fsync MiB/s> <download MiB/s> <cp MiB/s>" for a file of $1 bytes.
throughput() {
  local bytes=$1 src="$work/src-$1" t0 t1 t2 t3 t4 t5 t6 t7
  head -c "$bytes" /dev/urandom >"$src"
  sync
  t0=$(now); cp "$src" "$work/cp-sync"; sync "$work/cp-sync"; t1=$(now)
  t2=$(now)
  curl -fsS -o /dev/null "$base/files/upload" \
    -F "metadata={\"path\":\"$work/uploaded\"};filename=metadata;type=application/json" \
    -F "file=@$src;filename=src"
  t3=$(now)
  cmp -s "$src" "$work/uploaded" || die "uploaded file differs"
  t4=$(now); cp "$src" "$work/cp-plain"; t5=$(now)
  t6=$(now); curl -fsS -o "$work/downloaded" "$base/files/download?path=$work/uploaded"; t7=$(now)
  cmp -s "$src" "$work/downloaded" || die "downloaded file differs"
  echo "$(mib_per_s "$bytes" "$t2" "$t3") $(mib_per_s "$bytes" "$t0" "$t1") $(mib_per_s "$bytes" "$t6" "$t7") $(mib_per_s "$bytes" "$t4" "$t5")"
  rm -f "$src" "$work/cp-sync" "$work/cp-plain" "$work/uploaded" "$work/downloaded"
}

upload_p50() {
  python3 - "$PORT" "$UPLOADS" "$work/p50" <<'PY'
import http.client, os, statistics, sys, time
port, count, target = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
boundary = "benchBoundary"
data = os.urandom(1 << 20)
body = (f'--{boundary}\r\nContent-Disposition: form-data; name="metadata"; filename="metadata"\r\n\r\n'
        f'{{"path":"{target}"}}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n'
        ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
connection = http.client.HTTPConnection("127.0.0.1", port)
times = []
for _ in range(count):
    start = time.perf_counter()
    connection.request("POST", "/files/upload", body, headers)
    response = connection.getresponse()
    response.read()
    times.append(time.perf_counter() - start)
    assert response.status == 200, response.status
times.sort()
print("%.2f %.2f" % (statistics.median(times) * 1000, times[int(len(times) * 0.99) - 1] * 1000))
PY
}

info_p50() {
  head -c 100 /dev/urandom >"$work/info-target"
  wrk -t1 -c1 -d"${SECONDS_PER_RUN}s" --latency "$base/files/info?path=$work/info-target" >"$work/wrk-info.txt"
  awk '/Requests\/sec/ {rps=$2} $1 == "50%" {p50=$2} $1 == "99%" {p99=$2} END {print p50, p99, rps}' "$work/wrk-info.txt"
}

main() {
  require_tools curl wrk python3
  mkdir -p "$work"
  start_execd
  log "machine: $(nproc) CPUs, $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) MiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
  read -r up1 cps1 down1 cp1 < <(throughput $((1 << 20)))
  echo "1 MiB   upload ${up1} MiB/s (cp+fsync ${cps1} MiB/s)   download ${down1} MiB/s (cp ${cp1} MiB/s)"
  read -r up2 cps2 down2 cp2 < <(throughput $((1 << 30)))
  echo "1 GiB   upload ${up2} MiB/s (cp+fsync ${cps2} MiB/s, $(python3 -c "print('%.0f' % (100 * $up2 / $cps2))")%)   download ${down2} MiB/s (cp ${cp2} MiB/s, $(python3 -c "print('%.0f' % (100 * $down2 / $cp2))")%)   goal >= 50% of cp"
  read -r p50 p99 < <(upload_p50)
  echo "1 MiB upload on a keep-alive connection: p50 ${p50} ms, p99 ${p99} ms over $UPLOADS   goal p50 <= 5 ms"
  read -r ip50 ip99 irps < <(info_p50)
  echo "/files/info one connection: p50 ${ip50}, p99 ${ip99}, ${irps} requests/s   goal p50 <= 200us"
}

main "$@"
