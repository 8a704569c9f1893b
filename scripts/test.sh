#!/usr/bin/env bash
# The project's test command: installs what is missing, then builds and runs every test three ways:
#   1. build/        the normal build, warnings as errors
#   2. build-asan/   the same suites under AddressSanitizer + UBSan, except those labelled `heavy`
#                    (they move gigabytes or run for many seconds; the normal build runs them)
#   3. build-fuzz/   clang + libFuzzer targets, each run over its corpus for a bounded number of inputs
# Integration tests need root (network namespaces, nftables); run this as root.
# Usage: scripts/test.sh [--quick]                   --quick: only the normal build
#        scripts/test.sh --repeat N [REGEX]          the integration suites (those matching REGEX)
#                                                    N times in the ASan build, beside a CPU hog on
#                                                    every core; lists every test that ever failed
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)
quick=false
repeat=0
repeat_pattern=""
case ${1:-} in
  --quick) quick=true ;;
  --repeat)
    repeat=${2:-}
    repeat_pattern=${3:-}
    if ! [[ $repeat =~ ^[1-9][0-9]*$ ]]; then
      echo "usage: scripts/test.sh --repeat N [REGEX]   (N: how many runs, at least 1)" >&2
      exit 2
    fi
    ;;
  "") ;;
  *)
    echo "usage: scripts/test.sh [--quick | --repeat N [REGEX]]" >&2
    exit 2
    ;;
esac

"$root/scripts/setup.sh"

total_passed=0
total_failed=0

# Every build uses Ninja; cmake cannot switch generators in place, so a directory configured earlier
# for another generator starts afresh.
forget_other_generator() {
  local cache=$root/$1/CMakeCache.txt
  if [[ -f $cache ]] && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$cache"; then
    rm -rf "${root:?}/$1"
  fi
}

configure_and_build() {
  local dir=$1
  shift
  forget_other_generator "$dir"
  cmake -G Ninja -S "$root" -B "$root/$dir" -DOPENSANDBOX_WERROR=ON "$@" >/dev/null
  cmake --build "$root/$dir" -j"$jobs"
}

# Runs ctest in a build dir and adds its counts to the totals; a failure does not stop later suites.
run_suite() {
  local dir=$1
  shift
  local log="$root/$dir/ctest.log"
  local status=0
  ctest --test-dir "$root/$dir" --output-on-failure -j"$jobs" "$@" 2>&1 | tee "$log" || status=1
  local summary
  summary=$(grep -E '[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1 || true)
  if [[ -z $summary ]]; then
    echo "test.sh: no ctest summary in $dir" >&2
    total_failed=$((total_failed + 1))
    return
  fi
  local failed all
  failed=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$summary")
  all=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"$summary")
  total_passed=$((total_passed + all - failed))
  total_failed=$((total_failed + failed))
  if [[ $status -ne 0 && $failed -eq 0 ]]; then
    total_failed=$((total_failed + 1))
  fi
}

configure_asan_build() {
  # -O0 (Debug) keeps the second full compile short; the tests are I/O bound, not CPU bound.
  configure_and_build build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DCMAKE_C_FLAGS_DEBUG=-g1 \
    -DOPENSANDBOX_SANITIZE=ON -DOPENSANDBOX_BUILD_BENCH=OFF
}

asan_options=detect_leaks=1:abort_on_error=1
ubsan_options=print_stacktrace=1:halt_on_error=1

# --repeat: a test that passes only on a quiet machine is a defect, so every run shares the machine
# with one busy loop per core.
repeat_under_load() {
  configure_asan_build
  local hogs=() failures
  failures=$(mktemp)
  for _ in $(seq "$jobs"); do
    (while :; do :; done) &
    hogs+=($!)
  done
  trap 'kill "${hogs[@]}" 2>/dev/null || true' EXIT
  local selection=(-L integration -LE heavy)
  [[ -n $repeat_pattern ]] && selection+=(-R "$repeat_pattern")
  for run in $(seq "$repeat"); do
    echo "=== run $run of $repeat (ASan, ${#hogs[@]} CPU hogs) ==="
    local log="$root/build-asan/repeat-$run.log"
    ASAN_OPTIONS=$asan_options UBSAN_OPTIONS=$ubsan_options ctest --test-dir "$root/build-asan" --output-on-failure -j"$jobs" "${selection[@]}" >"$log" 2>&1 || true
    grep -E '[0-9]+% tests passed' "$log" || echo "run $run: no ctest summary (see $log)"
    sed -n '/The following tests FAILED:/,$p' "$log" | grep -E '^\s+[0-9]+ - ' |
      sed -E "s/^\s+[0-9]+ - ([^ ]+).*/\1/; s/$/ (run $run)/" >>"$failures" || true
  done
  kill "${hogs[@]}" 2>/dev/null || true
  if [[ ! -s $failures ]]; then
    echo "repeat: no test failed in $repeat runs"
    return 0
  fi
  echo "repeat: tests that failed (logs: build-asan/repeat-N.log):"
  sort "$failures" | sed 's/^/  /'
  return 1
}

if [[ $repeat -gt 0 ]]; then
  repeat_under_load
  exit $?
fi

# The test builds carry no debug information (normal) or line tables only (sanitizers): full debug
# information is most of the compile and link time, and the reports need no more than line numbers.
echo "=== normal build ==="
configure_and_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG"
run_suite build

if [[ $quick == false ]]; then
  echo "=== ASan + UBSan build ==="
  configure_asan_build
  ASAN_OPTIONS=$asan_options UBSAN_OPTIONS=$ubsan_options run_suite build-asan -LE heavy

  echo "=== fuzz targets (clang + libFuzzer) ==="
  forget_other_generator build-fuzz
  CC=clang CXX=clang++ cmake -G Ninja -S "$root" -B "$root/build-fuzz" -DOPENSANDBOX_WERROR=ON -DOPENSANDBOX_FUZZ=ON \
    -DOPENSANDBOX_BUILD_BENCH=OFF >/dev/null
  cmake --build "$root/build-fuzz" -j"$jobs" --target fuzz_targets
  run_suite build-fuzz -L fuzz
fi

echo "total: ${total_passed} passed, ${total_failed} failed"
[[ $total_failed -eq 0 ]]
