#!/usr/bin/env bash
# execd-single, the one-file execd, copied ALONE into a root filesystem and started there, as the
# OpenSandbox server copies /execd into a user's image. One root per run:
#
#   busybox   nothing but a static busybox (no /lib, /usr or /etc)
#   musl      musl's loader/libc, a program linked against it, a static busybox, /etc/passwd,
#             /etc/group, /etc/hosts and an nsswitch.conf naming modules that do not exist; no
#             glibc file anywhere (checked)
#   noshell   nothing but the file itself: started directly, no shell to run commands with
#   debian    the machine's own Debian root (no chroot)
#
# execd_single_client.py then drives it over HTTP: /ping, commands and exit codes, upload and
# download, user switching (roots with /etc/passwd), a bash session (roots with bash), a PTY, SQL
# against a MariaDB server started in the namespace (the client is linked in), and in the musl and
# Debian roots a Python cell on a Jupyter server reached by host name (/etc/hosts). Without a shell,
# commands, sessions and PTYs must fail cleanly while everything else works.
#
# Everything happens in a throw-away network namespace and a private mount namespace (chroot,
# /proc, /dev/pts and the /dev nodes are mounted only there); all of it is removed on exit, failure
# or not. Needs root (skips with status 77 otherwise).
# Usage: execd_single_test.sh <execd-single> <busybox|musl|noshell|debian>
set -euo pipefail

readonly skip=77
execd_single=${1:?usage: $0 <execd-single> <busybox|musl|noshell|debian>}
kind=${2:?usage: $0 <execd-single> <busybox|musl|noshell|debian>}
here=$(cd "$(dirname "$0")" && pwd)
busybox=${BUSYBOX:-/bin/busybox}
musl_libc=/lib/x86_64-linux-musl/libc.so
python=/usr/bin/python3
mariadbd=/usr/sbin/mariadbd
jupyter=/usr/bin/jupyter-server

skip_test() { echo "SKIP: $*"; exit $skip; }
[[ $(id -u) -eq 0 ]] || skip_test "needs root (network and mount namespaces, chroot)"
case $kind in busybox | musl | noshell | debian) ;; *) echo "unknown root kind: $kind" >&2; exit 2 ;; esac
for tool in curl unshare chroot ip "$python"; do
  command -v "$tool" >/dev/null || skip_test "$tool not installed"
done
if [[ $kind == busybox || $kind == musl ]] && { [[ ! -x $busybox ]] || ldd "$busybox" >/dev/null 2>&1; }; then
  skip_test "$busybox is missing or not static (install busybox-static)"
fi
if [[ $kind == musl ]] && { [[ ! -f $musl_libc ]] || ! command -v musl-gcc >/dev/null; }; then
  skip_test "musl is not installed (install musl-tools)"
fi
# One file that needs nothing: no program interpreter, no shared library.
if readelf -lW "$execd_single" | grep -q 'program interpreter' || readelf -dW "$execd_single" | grep -q NEEDED; then
  echo "FAIL: $execd_single asks for a loader or shared libraries" >&2
  exit 1
fi

work=$(mktemp -d "/tmp/execd-single-$kind.XXXXXX")
netns=execd-single-$kind-$$
rootfs=$work/rootfs
execd_pid=
fail() {
  echo "FAIL [$kind]: $*" >&2
  [[ ! -f $work/execd.log ]] || { echo "--- execd log:" >&2; tail -n 30 "$work/execd.log" >&2; }
  exit 1
}
cleanup() {
  set +e
  ip netns pids "$netns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
  [[ -z $execd_pid ]] || wait "$execd_pid" 2>/dev/null
  ip netns del "$netns" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

in_netns() { ip netns exec "$netns" "$@"; }

# --- root filesystems -------------------------------------------------------------------------

base_rootfs() {
  mkdir -p "$rootfs"/{tmp,proc,dev/pts} && chmod 1777 "$rootfs/tmp"
  for node in null zero random urandom tty ptmx; do : >"$rootfs/dev/$node"; done
  cp "$execd_single" "$rootfs/execd"  # a regular file, alone: no bundle, no symlink
}

add_busybox() {
  mkdir -p "$rootfs/bin"
  cp "$busybox" "$rootfs/bin/busybox"
  chroot "$rootfs" /bin/busybox --install -s /bin
}

# Accounts the user-switching check uses; names resolved by execd itself, not by NSS.
add_accounts() {
  mkdir -p "$rootfs/etc" "$rootfs/home/alice"
  printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1234:1234:Alice:/home/alice:/bin/sh\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nalice:x:1234:\n# a comment\nbuilders:x:2345:bob,alice\n' >"$rootfs/etc/group"
  # Services that exist in no musl image: a static glibc that followed this file would try to dlopen
  # libnss_mymachines.so.2 and libnss_systemd.so.2; execd-single pins the built-in ones.
  printf 'passwd: files systemd\ngroup: files systemd\nhosts: files mymachines dns\n' >"$rootfs/etc/nsswitch.conf"
  printf '127.0.0.1 localhost jupyter.sandbox.test\n' >"$rootfs/etc/hosts"
}

add_musl() {
  mkdir -p "$rootfs/lib" "$rootfs/usr/bin"
  cp "$musl_libc" "$rootfs/lib/ld-musl-x86_64.so.1"  # loader and libc in one, as Alpine has it
  printf '#include <stdio.h>\nint main(void) { puts("hello from musl"); return 0; }\n' >"$work/hello.c"
  musl-gcc -O2 -o "$rootfs/usr/bin/musl-hello" "$work/hello.c"
}

# No file of glibc's may be in the root: its loader, libc, or any library at all besides musl's.
assert_no_glibc() {
  local found
  found=$(cd "$rootfs" && find . \( -name 'ld-linux*' -o -name 'libc.so.6' -o -name 'lib*.so*' \) \
    ! -name 'ld-musl-x86_64.so.1' -print)
  [[ -z $found ]] || fail "the $kind root holds other libraries: $found"
  for dir in usr/lib lib64 usr/lib64; do [[ ! -e $rootfs/$dir ]] || fail "the $kind root has /$dir"; done
}

make_rootfs() {
  case $kind in
    busybox) base_rootfs && add_busybox ;;
    musl) base_rootfs && add_busybox && add_accounts && add_musl && assert_no_glibc ;;
    noshell) base_rootfs ;;
    debian) mkdir -p "$work/tmp" && chmod 0755 "$work" && cp "$execd_single" "$work/execd" ;;
  esac
  if [[ $kind == busybox || $kind == noshell ]]; then
    for dir in lib lib64 usr etc; do [[ ! -e $rootfs/$dir ]] || fail "the $kind root unexpectedly has /$dir"; done
  fi
  if [[ $kind == noshell ]]; then
    [[ -z $(find "$rootfs" -type f ! -name execd ! -path "$rootfs/dev/*") ]] || fail "the noshell root holds more than execd"
  fi
}

# --- servers in the namespace ----------------------------------------------------------------

wait_for_port() {
  local port=$1 what=$2 pid=$3
  for _ in $(seq 300); do
    in_netns bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || fail "$what exited before listening"
    sleep 0.1
  done
  fail "$what did not listen on $port within 30 s"
}

# MariaDB on 127.0.0.1:3306 (execd's default), empty data directory, no grant tables.
start_mariadb() {
  [[ -x $mariadbd ]] || return 1
  mkdir -p "$work/mariadb/data"
  in_netns "$mariadbd" --no-defaults --user=root --datadir="$work/mariadb/data" \
    --socket="$work/mariadb/sock" --pid-file="$work/mariadb/pid" --port=3306 --bind-address=127.0.0.1 \
    --skip-grant-tables --skip-log-bin --innodb-buffer-pool-size=16M --log-error="$work/mariadb/log" \
    >>"$work/mariadb/log" 2>&1 &
  wait_for_port 3306 MariaDB $!
}

# Jupyter on 127.0.0.1:8888 with its state in the work directory.
start_jupyter() {
  [[ -x $jupyter ]] || return 1
  local home=$work/jupyter
  mkdir -p "$home"/{config,runtime,ipython,mpl}
  in_netns env HOME="$home" JUPYTER_CONFIG_DIR="$home/config" JUPYTER_RUNTIME_DIR="$home/runtime" \
    IPYTHONDIR="$home/ipython" MPLCONFIGDIR="$home/mpl" "$jupyter" --allow-root --no-browser \
    --ServerApp.ip=127.0.0.1 --ServerApp.port=8888 --ServerApp.port_retries=0 \
    --ServerApp.token=single-test --ServerApp.root_dir="$home" --ServerApp.allow_remote_access=True \
    >"$home/log" 2>&1 &
  wait_for_port 8888 Jupyter $!
}

# --- execd ------------------------------------------------------------------------------------

# In a private mount namespace: /proc, a devpts of its own and the /dev nodes, then the file itself
# (chroot starts it directly: the noshell root has nothing else).
start_execd() {
  local environment=(EXECD_LOG_FILE=)
  [[ -z ${jupyter_host:-} ]] || environment+=(JUPYTER_HOST="$jupyter_host" JUPYTER_TOKEN=single-test)
  if [[ $kind == debian ]]; then
    (cd "$work" && exec ip netns exec "$netns" unshare --mount --propagation private env "${environment[@]}" \
      "$work/execd") >"$work/execd.log" 2>&1 &
  else
    environment+=(PATH=/usr/bin:/bin)
    local mounts='mount -t proc proc "$1/proc" && mount -t devpts -o newinstance,ptmxmode=0666 devpts "$1/dev/pts" &&
      mount --bind "$1/dev/pts/ptmx" "$1/dev/ptmx" &&
      for n in null zero random urandom tty; do mount --bind /dev/$n "$1/dev/$n"; done'
    in_netns unshare --mount --propagation private sh -c "$mounts"' && root=$1 chroot=$2 && shift 2 && exec env "$@" "$chroot" "$root" /execd' \
      sh "$rootfs" "$(command -v chroot)" "${environment[@]}" >"$work/execd.log" 2>&1 &
  fi
  execd_pid=$!
  for _ in $(seq 100); do
    [[ $(in_netns curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:44772/ping 2>/dev/null || true) == 200 ]] && return 0
    kill -0 "$execd_pid" 2>/dev/null || fail "execd-single exited before answering /ping"
    sleep 0.1
  done
  fail "execd-single did not answer /ping within 10 s"
}

stop_execd() {
  kill -TERM "$execd_pid"
  local status=0
  wait "$execd_pid" || status=$?
  execd_pid=
  [[ $status -eq 0 || $status -eq 143 ]] || fail "execd-single exited $status on SIGTERM"
  echo "ok: execd-single stopped on SIGTERM"
}

# --- the run ----------------------------------------------------------------------------------

make_rootfs
ip netns add "$netns"
ip -n "$netns" link set lo up

client_args=(--port 44772)
sql_server=false
if start_mariadb; then client_args+=(--sql); sql_server=true; fi
jupyter_host=
if [[ $kind == musl || $kind == debian ]] && start_jupyter; then
  # By name: through the root's /etc/hosts (the musl root's also names absent NSS modules).
  [[ $kind == musl ]] && jupyter_host=http://jupyter.sandbox.test:8888 || jupyter_host=http://localhost:8888
  client_args+=(--jupyter "$jupyter_host")
fi

case $kind in
  busybox) client_args+=(--root "$rootfs" --shell busybox) ;;
  musl) client_args+=(--root "$rootfs" --shell busybox --root-name root --user 1234:1234:alice:/home/alice:builders:2345) ;;
  noshell) client_args+=(--root "$rootfs" --shell none) ;;
  debian)
    # The machine's own accounts (nobody and its primary group); files go to the work directory.
    IFS=: read -r _ _ uid gid _ home _ < <(getent passwd nobody) || skip_test "no user nobody"
    group=$(getent group "$gid" | cut -d: -f1)
    client_args+=(--root / --dir "$work/tmp" --shell bash --root-name root
      --user "$uid:$gid:nobody:$home:$group:$gid")
    ;;
esac

start_execd
echo "ok: execd-single answers /ping in the $kind root"
if [[ $kind == musl ]]; then
  in_netns curl -sS -N -H 'Content-Type: application/json' -d '{"command":"musl-hello"}' \
    http://127.0.0.1:44772/command >"$work/musl-hello"
  grep -q '"text":"hello from musl"' "$work/musl-hello" || fail "the musl program did not run: $(cat "$work/musl-hello")"
  echo "ok: a musl-linked program runs in the musl root"
fi
in_netns "$python" "$here/execd_single_client.py" "${client_args[@]}" || fail "client checks failed"
$sql_server || echo "note: $mariadbd not installed; SQL checked without a server"
stop_execd
echo "PASS [$kind]"
