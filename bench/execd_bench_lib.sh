# Shared by the execd benchmark scripts: sourced, not run. Before sourcing, set `bench_name` (for
# messages) and `PORT`; pass the script's first argument (the build dir) to execd_bench_setup.
# Provides: root, build, execd_bin, base, work, execd_pid, log, die, require_tools, start_execd,
# and an EXIT trap that stops execd and removes `work`.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

log() { printf '%s\n' "$*" >&2; }
die() { log "$bench_name: $*"; exit 1; }

# execd_bench_setup [build-dir]: default build-bench; a relative dir is taken from the caller's cwd.
execd_bench_setup() {
  build=${1:-$root/build-bench}
  [[ $build = /* ]] || build="$PWD/$build"
  execd_bin="$build/execd/execd"
  base="http://127.0.0.1:$PORT"
  work=${WORK_DIR:-$(mktemp -d)}
  execd_pid=
  trap execd_bench_cleanup EXIT
}

execd_bench_cleanup() {
  [[ -z $execd_pid ]] || kill -TERM "$execd_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}

# require_tools TOOL...: each must be on PATH, and execd must be built.
require_tools() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool not found (scripts/setup.sh installs it)"
  done
  [[ -x $execd_bin ]] || die "$execd_bin not built (see the usage comment)"
}

# start_execd [ARGS...]: starts $execd_bin on 127.0.0.1:$PORT with ARGS and waits until /ping answers.
start_execd() {
  "$execd_bin" --listen-address 127.0.0.1 --port "$PORT" --log-level 3 "$@" >"$work/execd.log" 2>&1 &
  execd_pid=$!
  for _ in $(seq 100); do
    curl -fsS "$base/ping" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  die "execd did not start (log: $(tail -3 "$work/execd.log"))"
}
