#!/usr/bin/env bash
# execd benchmark: what resumable streams cost.
#
#   stream throughput  one command's output read whole by curl, A B A B over ROUNDS rounds:
#                        long lines   STREAM_MIB MiB as 1 000-byte lines (MB/s of stdout text)
#                        short lines  `seq 1 SHORT_LINES` (lines/s), where the eid is the largest
#                                     share of a frame
#                      for each execd binary given (e.g. the build before eids and this one), and
#                      for the last one also with the journal off (--stream-replay-bytes 0)
#   (command logs go to /dev/shm when it exists, so that disk writeback does not blur the figures)
#   memory held        execd's VmRSS after EXECUTIONS finished commands that each printed
#                      KEPT_KIB KiB (still resumable), minus the same with resuming off, per execution
#
# Usage (nothing outside loopback is touched):
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release && cmake --build build-bench -j2 --target execd
#   bench/execd_resume_bench.sh [execd-binary ...]     (default: build-bench/execd/execd)
# Environment: PORT (44795), ROUNDS (5), STREAM_MIB (256), SHORT_LINES (1000000), EXECUTIONS (100),
# KEPT_KIB (1024). Needs curl, python3. A benchmark, not a test: it prints figures and exits 0.
set -euo pipefail

bench_name=execd_resume_bench
PORT=${PORT:-44795}
ROUNDS=${ROUNDS:-5}
STREAM_MIB=${STREAM_MIB:-256}
SHORT_LINES=${SHORT_LINES:-1000000}
EXECUTIONS=${EXECUTIONS:-100}
KEPT_KIB=${KEPT_KIB:-1024}
source "$(dirname "$0")/execd_bench_lib.sh"
execd_bench_setup ""
binaries=("$@")
[[ ${#binaries[@]} -gt 0 ]] || binaries=("$execd_bin")
for binary in "${binaries[@]}"; do
  [[ -x $binary ]] || die "$binary is not an executable"
done
command -v curl >/dev/null || die "curl not found"
# Command logs on tmpfs when there is one: disk writeback of the logs is the noisiest part otherwise.
log_dir=$work/logs
[[ -d /dev/shm ]] && log_dir=$(mktemp -d /dev/shm/execd-resume-bench.XXXXXX)
trap 'execd_bench_cleanup; [[ $log_dir == /dev/shm/* ]] && rm -rf "$log_dir"' EXIT

# start_binary BINARY ARGS...: that execd on $PORT, waits for /ping.
start_binary() {
  execd_bin=$1
  shift
  start_execd --graceful-shutdown-timeout 0s --command-log-dir "$log_dir" "$@"
}

stop_binary() {
  kill -TERM "$execd_pid" 2>/dev/null || true
  wait "$execd_pid" 2>/dev/null || true
  execd_pid=
}

# run_command COMMAND: streams it to a file; prints the seconds curl took.
run_command() {
  curl -sS -o "$work/stream.txt" -w '%{time_total}\n' -H 'Content-Type: application/json' \
    -d "{\"command\":\"$1\"}" "$base/command"
  grep -q '"execution_complete"' "$work/stream.txt" || die "the stream did not complete"
}

# throughput BINARY ARGS...: prints "long-MB/s short-lines/s" for one execd.
throughput() {
  start_binary "$@"
  local lines=$((STREAM_MIB * 1024 * 1024 / 1000))
  local long_seconds short_seconds
  long_seconds=$(run_command "yes \$(printf '%0999d' 0) | head -n $lines")
  short_seconds=$(run_command "seq 1 $SHORT_LINES")
  stop_binary
  python3 -c "import sys; l,s=float(sys.argv[1]),float(sys.argv[2]); print('%.0f %.0f' % ($lines*1000/1e6/l, $SHORT_LINES/s))" \
    "$long_seconds" "$short_seconds"
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$execd_pid/status"; }

# held_rss BINARY ARGS...: VmRSS (kB) after EXECUTIONS finished commands of KEPT_KIB KiB each.
held_rss() {
  start_binary "$@"
  local lines=$((KEPT_KIB * 1024 / 100))
  for _ in $(seq "$EXECUTIONS"); do
    run_command "yes \$(printf '%099d' 0) | head -n $lines" >/dev/null
  done
  sleep 1
  rss_kb
  stop_binary
}

declare -A long short
labels=()
for i in "${!binaries[@]}"; do labels+=("$i"); done
labels+=("off")
for round in $(seq "$ROUNDS"); do
  log "$bench_name: round $round of $ROUNDS"
  for label in "${labels[@]}"; do
    if [[ $label == off ]]; then
      read -r l s <<<"$(throughput "${binaries[-1]}" --stream-replay-bytes 0)"
    else
      read -r l s <<<"$(throughput "${binaries[$label]}")"
    fi
    long[$label]+="$l "
    short[$label]+="$s "
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

echo "stream throughput (median of $ROUNDS alternating rounds; every round in brackets)"
for label in "${labels[@]}"; do
  if [[ $label == off ]]; then
    name="${binaries[-1]} --stream-replay-bytes 0"
  else
    name=${binaries[$label]}
  fi
  printf '  %-60s long lines %5s MB/s [%s]  short lines %8s lines/s [%s]\n' "$name" \
    "$(median <<<"${long[$label]}")" "${long[$label]% }" "$(median <<<"${short[$label]}")" "${short[$label]% }"
done

kept=$(held_rss "${binaries[-1]}")
off=$(held_rss "${binaries[-1]}" --stream-replay-bytes 0)
echo "memory held: VmRSS $kept kB with $EXECUTIONS finished resumable executions of $KEPT_KIB KiB output," \
  "$off kB with resuming off: $(((kept - off) / EXECUTIONS)) kB per execution"
