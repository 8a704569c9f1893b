#!/usr/bin/env bash
# The execd bundle runs in a root filesystem that holds nothing but a static busybox: no libc, no
# bash, no /etc/passwd. The bundle is made by scripts/bundle_execd.sh from the built binary and
# started through its bootstrap.sh (execd through a /execd symlink), as the OpenSandbox server
# starts it in a user's image. The test drives it over HTTP from outside: /ping, a command's
# stream and exit code (run by busybox sh), a file upload when POST /files/upload exists, a SQL cell
# (the bundled MariaDB client loads; no server is running, so the run reports it cannot connect), then
# SIGTERM to the bootstrap, which must reach the workload and come back as its exit status.
#
# Everything happens in a throw-away network namespace and a private mount namespace (chroot,
# /proc and the /dev nodes are mounted only there); all of it is removed on exit, failure or not.
# Needs root (skips with status 77 otherwise). Usage: execd_busybox_test.sh <execd binary>
set -euo pipefail

readonly skip=77
execd_binary=${1:?usage: $0 <execd binary>}
root=$(cd "$(dirname "$0")/../.." && pwd)
busybox=${BUSYBOX:-/bin/busybox}

if [[ $(id -u) -ne 0 ]]; then echo "SKIP: needs root (network and mount namespaces, chroot)"; exit $skip; fi
for tool in curl unshare chroot ip; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit $skip; }
done
if [[ ! -x $busybox ]] || ldd "$busybox" >/dev/null 2>&1; then
  echo "SKIP: $busybox is missing or not static (install busybox-static)"
  exit $skip
fi

work=$(mktemp -d /tmp/execd-busybox.XXXXXX)
netns=execd-bb-$$
rootfs=$work/rootfs
bootstrap_pid=
fail() { echo "FAIL: $*" >&2; exit 1; }
cleanup() {
  set +e
  ip netns pids "$netns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
  [[ -n $bootstrap_pid ]] && wait "$bootstrap_pid" 2>/dev/null
  ip netns del "$netns" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

make_rootfs() {
  mkdir -p "$rootfs"/{bin,tmp,proc,dev,opt} && chmod 1777 "$rootfs/tmp"
  cp "$busybox" "$rootfs/bin/busybox"
  chroot "$rootfs" /bin/busybox --install -s /bin
  for node in null zero random urandom; do : >"$rootfs/dev/$node"; done
  "$root/scripts/bundle_execd.sh" "$execd_binary" "$rootfs/opt/opensandbox"
  ln -s /opt/opensandbox/execd "$rootfs/execd"  # started through it, as the image's /execd
  # Nothing but busybox and the bundle: no system library directory exists to fall back on.
  for dir in lib lib64 usr etc; do [[ ! -e $rootfs/$dir ]] || fail "rootfs unexpectedly has /$dir"; done
}

# The workload prints its pid, exits 7 on SIGTERM; bootstrap.sh is the "container's" entry point.
start_sandbox() {
  ip netns add "$netns"
  ip -n "$netns" link set lo up
  local mounts='mount -t proc proc "$1/proc" && for n in null zero random urandom; do mount --bind /dev/$n "$1/dev/$n"; done'
  EXECD=/execd ip netns exec "$netns" unshare --mount --propagation private \
    sh -c "$mounts"' && exec chroot "$1" /opt/opensandbox/bootstrap.sh /bin/sh -c "$2"' sh "$rootfs" \
    'echo $$ >/tmp/workload.pid; trap "exit 7" TERM; while :; do sleep 1 & wait $!; done' \
    >"$work/sandbox.log" 2>&1 &
  bootstrap_pid=$!
}

in_netns() { ip netns exec "$netns" "$@"; }
api() { in_netns curl -sS --max-time 10 "$@"; }

wait_for_ping() {
  for _ in $(seq 100); do
    [[ $(api -o /dev/null -w '%{http_code}' http://127.0.0.1:44772/ping 2>/dev/null || true) == 200 ]] && return 0
    kill -0 "$bootstrap_pid" 2>/dev/null || { cat "$work/sandbox.log" >&2; fail "bootstrap exited before execd answered"; }
    sleep 0.1
  done
  cat "$work/sandbox.log" >&2
  fail "execd did not answer /ping within 10 s"
}

# Runs a command through POST /command; prints "<stdout lines joined by |> <terminal event>".
# Plain shell rather than a JSON library: interpreter start-up is slow on a busy CI machine, and
# execd writes each event on one line with "type" and "text" first.
run_command() {
  local escaped=${1//\\/\\\\}
  escaped=${escaped//\"/\\\"}
  api -N -H 'Content-Type: application/json' -d "{\"command\":\"$escaped\"}" \
    http://127.0.0.1:44772/command >"$work/stream"
  head -1 "$work/stream" | grep -q '^{"eid":1,"type":"init"' || fail "stream does not start with init: $(cat "$work/stream")"
  local out terminal
  out=$(sed -n 's/^{"eid":[0-9]*,"type":"stdout","text":"\(.*\)","timestamp":[0-9]*}$/\1/p' "$work/stream" | paste -sd '|')
  if grep -q '^{"eid":[0-9]*,"type":"execution_complete"' "$work/stream"; then
    terminal=complete
  else
    terminal=exit=$(sed -n 's/^{"eid":[0-9]*,"type":"error".*"evalue":"\([^"]*\)".*/\1/p' "$work/stream")
  fi
  echo "$out $terminal"
}

check_commands() {
  local result
  result=$(run_command 'echo hello; readlink /proc/$$/exe; ls /opt/opensandbox')
  [[ $result == "hello|/bin/busybox|bootstrap.sh|execd|lib|libexec complete" ]] ||
    fail "command through busybox sh: got '$result'"
  result=$(run_command 'echo partial; exit 3')
  [[ $result == "partial exit=3" ]] || fail "non-zero exit: got '$result'"
  echo "ok: commands run by busybox sh, output streamed, exit codes reported"
}

check_upload() {
  printf 'uploaded through execd\n' >"$work/upload.txt"
  local status
  status=$(api -o "$work/upload.out" -w '%{http_code}' \
    -F 'metadata={"path":"/tmp/uploaded.txt","mode":644};type=application/json' \
    -F "file=@$work/upload.txt;type=application/octet-stream" http://127.0.0.1:44772/files/upload)
  if [[ $status == 404 ]]; then
    echo "SKIPPED STEP: POST /files/upload answers 404 (this execd has no file endpoints yet)"
    return 0
  fi
  [[ $status == 200 ]] || fail "upload answered $status: $(cat "$work/upload.out")"
  cmp "$work/upload.txt" "$rootfs/tmp/uploaded.txt" || fail "uploaded file differs"
  local result
  result=$(run_command 'cat /tmp/uploaded.txt')
  [[ $result == "uploaded through execd complete" ]] || fail "uploaded file read back as '$result'"
  echo "ok: file uploaded into the busybox root filesystem"
}

# execd opens libmariadb.so.3 on the first SQL run; the bundle's copy must load in a root filesystem
# without any system library. No database server runs here, so the client's own "can't connect"
# error is the sign that it loaded.
check_sql_client() {
  api -N -H 'Content-Type: application/json' -d '{"context":{"language":"sql"},"code":"SELECT 1"}' \
    http://127.0.0.1:44772/code >"$work/sql"
  grep -q '"ename":"DBInitError"' "$work/sql" || fail "SQL run without a server: $(cat "$work/sql")"
  if grep -q 'cannot load' "$work/sql"; then fail "the bundled MariaDB client did not load: $(cat "$work/sql")"; fi
  grep -qi "connect" "$work/sql" || fail "SQL run did not report the missing server: $(cat "$work/sql")"
  echo "ok: the bundled MariaDB client loads on the first SQL run"
}

check_sigterm_forwarding() {
  local workload_pid status=0
  workload_pid=$(cat "$rootfs/tmp/workload.pid")
  kill -0 "$workload_pid" || fail "workload is not running"
  kill -TERM "$bootstrap_pid"
  wait "$bootstrap_pid" || status=$?
  bootstrap_pid=
  [[ $status == 7 ]] || { cat "$work/sandbox.log" >&2; fail "bootstrap exited $status, want the workload's 7"; }
  for _ in $(seq 50); do
    [[ -z $(ip netns pids "$netns") ]] && break
    sleep 0.1
  done
  [[ -z $(ip netns pids "$netns") ]] || fail "processes left after the bootstrap exited: $(ip netns pids "$netns" | tr '\n' ' ')"
  if grep -q 'Sanitizer' "$work/sandbox.log"; then cat "$work/sandbox.log" >&2; fail "sanitizer report from execd"; fi
  echo "ok: SIGTERM reached the workload, its status came back, execd stopped"
}

make_rootfs
start_sandbox
wait_for_ping
echo "ok: execd bundle answers /ping inside a busybox-only root filesystem"
check_commands
check_upload
check_sql_client
check_sigterm_forwarding
echo "PASS"
