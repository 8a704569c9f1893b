#!/usr/bin/env bash
# docker/execd/bootstrap.sh under every POSIX shell installed (dash, bash, busybox sh): the ways
# to give the command, its exit status and stdin, EXECD_ENVS, the pre-script, SIGTERM forwarding,
# and execd (here a stand-in that records its arguments and how it ended) started first and
# stopped last. Runs without privileges.
set -euo pipefail

bootstrap=$(cd "$(dirname "$0")/../.." && pwd)/docker/execd/bootstrap.sh
work=$(mktemp -d /tmp/bootstrap-test.XXXXXX)
# Every bootstrap runs in its own session (process group), noted in $work/groups; whatever a
# failed check left running is killed here.
cleanup() {
  local group
  while read -r group; do kill -KILL -- "-$group" 2>/dev/null || true; done <"$work/groups"
  rm -rf "$work"
}
: >"$work/groups"
trap cleanup EXIT
fail() { echo "FAIL [$shell_name]: $*" >&2; exit 1; }

# Stand-in for execd: records its arguments, then waits; records "terminated" on SIGTERM.
cat >"$work/fake-execd" <<'FAKE'
#!/bin/sh
trap 'echo terminated >>"$FAKE_LOG"; exit 0' TERM
echo "started $*" >"$FAKE_LOG"
while :; do sleep 0.1; done
FAKE
chmod +x "$work/fake-execd"

# run <shell> [args...]: bootstrap.sh under that shell with the stand-in; prints the status.
run() {
  local status=0
  setsid env EXECD="$work/fake-execd --port 1234" EXECD_ENVS="$work/env/.env" FAKE_LOG="$work/execd.log" \
    "$shell" "$bootstrap" "$@" >&2 &
  echo $! >>"$work/groups"
  wait $! || status=$?
  echo "$status"
}

wait_for_line() {
  for _ in $(seq 50); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  fail "no '$2' in $1: $(cat "$1" 2>/dev/null)"
}

check_shell() {
  rm -rf "$work/env" "$work/execd.log" "$work/out"
  # The command waits until execd started, so the stop that follows it can be seen.
  [[ $(run sh -c 'while [ ! -s "$FAKE_LOG" ]; do sleep 0.05; done; exit 5') == 5 ]] ||
    fail "a program's exit status is not passed on"
  wait_for_line "$work/execd.log" "started --port 1234"
  wait_for_line "$work/execd.log" terminated
  [[ -f $work/env/.env ]] || fail "EXECD_ENVS file not created"

  [[ $(run -c 'echo "$EXECD_ENVS" >"'"$work/out"'"; exit 3') == 3 ]] || fail "-c command status"
  [[ $(cat "$work/out") == "$work/env/.env" ]] || fail "EXECD_ENVS not exported to the command"

  [[ $(BOOTSTRAP_CMD='exit 4' run) == 4 ]] || fail "BOOTSTRAP_CMD status"

  echo 'export PRE=from-pre-script' >"$work/pre.sh"
  [[ $(EXECD_BOOTSTRAP_PRE_SCRIPT=$work/pre.sh run sh -c 'test "$PRE" = from-pre-script') == 0 ]] ||
    fail "pre-script not sourced"

  local got
  got=$(echo piped | setsid env EXECD="$work/fake-execd" EXECD_ENVS="$work/env/.env" FAKE_LOG="$work/execd.log" \
    "$shell" "$bootstrap" cat)
  [[ $got == piped ]] || fail "the command did not get the bootstrap's stdin (got '$got')"

  rm -f "$work/out"
  setsid env EXECD="$work/fake-execd" EXECD_ENVS="$work/env/.env" FAKE_LOG="$work/execd.log" "$shell" "$bootstrap" \
    sh -c 'trap "echo got-term >'"$work/out"'; exit 9" TERM; echo ready >'"$work/out"'; while :; do sleep 0.1; done' &
  local pid=$! status=0
  echo "$pid" >>"$work/groups"
  wait_for_line "$work/out" ready
  kill -TERM "$pid"
  (sleep 10 && kill -KILL "$pid") 2>/dev/null &
  local watchdog=$!
  wait "$pid" || status=$?
  kill "$watchdog" 2>/dev/null || true
  [[ $status == 9 ]] || fail "after SIGTERM the bootstrap exited $status, want the command's 9"
  grep -q got-term "$work/out" || fail "SIGTERM did not reach the command"
  wait_for_line "$work/execd.log" terminated
  echo "ok: $shell_name"
}

shells=0
for candidate in dash bash "busybox sh"; do
  shell_name=$candidate
  read -r -a words <<<"$candidate"
  command -v "${words[0]}" >/dev/null || continue
  if [[ ${#words[@]} -gt 1 ]]; then
    printf '#!/bin/sh\nexec %s "$@"\n' "$candidate" >"$work/busybox-sh" && chmod +x "$work/busybox-sh"
    shell=$work/busybox-sh
  else
    shell=$(command -v "$candidate")
  fi
  check_shell
  shells=$((shells + 1))
done
[[ $shells -gt 0 ]] || { echo "SKIP: no POSIX shell found"; exit 77; }
echo PASS
