#!/usr/bin/env bash
# The longest time a client in the sandbox goes without a DNS answer while egress restarts
# (issue: no window across a restart). A client sends a query for an allowed name every 5 ms (each
# waiting at most 200 ms) through the port-53 redirect; egress (mode dns+nft) is stopped with
# SIGTERM and started again, then killed with SIGKILL and started again. Printed per restart: the
# longest gap between two answers, and the queries that got no answer or a wrong one (a restart
# must never let a query through unfiltered either: the denied name is asked too, and any answer
# for it counts as a leak).
#
# Usage (as root; dnsmasq, dig, python3, nft from scripts/setup.sh): bench/restart_gap_bench.sh BUILD
#   BUILD: a build directory with egress/egress (e.g. build).
# Environment: ROUNDS (3: restarts of each kind), TIMEOUT_MS (200: how long a query waits; a
# shorter wait shows the outage itself, a longer one what a client with a retry timer sees),
# OWN_CGROUP (1: egress runs in a cgroup of its own, as in its container, which lets its DNS
# listener keeper hold the listeners across the restart; 0: in the machine's root cgroup, no keeper).
set -euo pipefail

build=$(cd "${1:?usage: restart_gap_bench.sh BUILD}" && pwd)
ROUNDS=${ROUNDS:-3}
TIMEOUT_MS=${TIMEOUT_MS:-200}
OWN_CGROUP=${OWN_CGROUP:-1}
cgroup=$(findmnt -t cgroup2 -n -o TARGET | head -1)/osgap-egress
egress_bin=$build/egress/egress
sbx=osgap-sbx up=osgap-up upstream_ip=10.95.0.1
work=$(mktemp -d)
egress_pid=
log() { printf '%s\n' "$*" >&2; }
die() { log "restart_gap_bench: $*"; exit 1; }

cleanup() {
  trap '' INT TERM HUP
  for ns in "$sbx" "$up"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "/etc/netns/$ns"
  done
  if [[ -d $cgroup ]]; then
    xargs -r kill -KILL <"$cgroup/cgroup.procs" 2>/dev/null || true
    sleep 0.2
    rmdir "$cgroup" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

[[ $(id -u) -eq 0 ]] || die "run as root (it creates network namespaces)"
[[ -x $egress_bin ]] || die "$egress_bin not built"
for tool in dnsmasq dig python3 nft ip; do command -v "$tool" >/dev/null || die "$tool not found"; done

for ns in "$sbx" "$up"; do
  ip netns del "$ns" 2>/dev/null || true
  ip netns add "$ns"
  ip -n "$ns" link set lo up
done
ip -n "$sbx" link add eth0 type veth peer name to-sbx netns "$up"
ip -n "$sbx" addr add 10.95.1.2/24 dev eth0
ip -n "$up" addr add 10.95.1.1/24 dev to-sbx
ip -n "$up" addr add "$upstream_ip/32" dev lo
ip -n "$sbx" link set eth0 up
ip -n "$up" link set to-sbx up
ip -n "$sbx" route add default via 10.95.1.1
printf '198.18.0.10 www.gap.test\n198.18.0.11 blocked.gap.test\n' >"$work/hosts"
ip netns exec "$up" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --pid-file --user=root \
  --log-facility=- --addn-hosts="$work/hosts" --listen-address="$upstream_ip" --bind-interfaces -p 53 \
  >"$work/upstream.log" 2>&1 &

in_own_cgroup=()
if [[ $OWN_CGROUP == 1 ]]; then
  mkdir -p "$cgroup"
  # `ip netns exec` hides the host's cgroup mount; mount cgroup2 as a container runtime would.
  in_own_cgroup=(sh -c "mount -t cgroup2 cgroup2 /sys/fs/cgroup && echo \$\$ > /sys/fs/cgroup/${cgroup##*/}/cgroup.procs && exec \"\$@\"" egress)
fi

start_egress() {
  ip netns exec "$sbx" "${in_own_cgroup[@]}" env OPENSANDBOX_EGRESS_MODE=dns+nft \
    OPENSANDBOX_EGRESS_RULES='{"defaultAction":"deny","egress":[{"action":"allow","target":"www.gap.test"}]}' \
    OPENSANDBOX_EGRESS_DNS_UPSTREAM="$upstream_ip" OPENSANDBOX_EGRESS_ALWAYS_RULES_DIR="$work/rules" \
    OPENSANDBOX_EGRESS_LOG_LEVEL=error "$egress_bin" >>"$work/egress.log" 2>&1 &
  egress_pid=$!
}

mkdir -p "$work/rules"
start_egress
for _ in $(seq 100); do
  ip netns exec "$sbx" dig +short +time=1 +tries=1 @"$upstream_ip" www.gap.test 2>/dev/null | grep -q 198.18.0.10 && break
  sleep 0.05
done

# The client: prints one line per query: send time, outcome (ok, none, leak).
cat >"$work/client.py" <<'PYEOF'
import socket, struct, sys, time
server, duration, timeout = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]) / 1000
def query(name, qid):
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + labels + struct.pack(">HH", 1, 1)
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(timeout)
start, qid = time.monotonic(), 0
while time.monotonic() - start < duration:
    qid = (qid + 1) & 0xFFFF
    name = "blocked.gap.test" if qid % 10 == 0 else "www.gap.test"
    sent = time.monotonic()
    outcome = "none"
    try:
        sock.sendto(query(name, qid), (server, 53))
        while True:
            data = sock.recv(512)
            if struct.unpack(">H", data[:2])[0] != qid:
                continue
            rcode, answers = data[3] & 0x0F, struct.unpack(">H", data[6:8])[0]
            if name.startswith("blocked"):
                outcome = "leak" if answers > 0 else "ok"
            else:
                outcome = "ok" if rcode == 0 and answers > 0 else "none"
            break
    except (socket.timeout, OSError):
        pass
    print("%.4f %s %s %.4f" % (sent - start, name.split(".")[0], outcome, time.monotonic() - sent), flush=True)
    time.sleep(max(0.0, 0.005 - (time.monotonic() - sent)))
PYEOF

restart() {  # restart SIGNAL: stop egress with SIGNAL and start it again, noting when it stopped
  echo "$1 $(date +%s.%N)" >>"$work/events.txt"
  kill "-$1" "$egress_pid"
  wait "$egress_pid" 2>/dev/null || true
  start_egress
}

period=3
duration=$(( (2 * ROUNDS + 1) * period ))
ip netns exec "$sbx" python3 "$work/client.py" "$upstream_ip" "$duration" "$TIMEOUT_MS" >"$work/client.txt" &
client=$!
client_start=$(date +%s.%N)
: >"$work/events.txt"
for ((round = 1; round <= ROUNDS; round++)); do
  for signal in TERM KILL; do
    sleep "$period"
    restart "$signal"
  done
done
wait "$client"

python3 - "$work/client.txt" "$work/events.txt" "$client_start" "$period" <<'PYEOF'
import sys
lines = [l.split() for l in open(sys.argv[1])]
events = [l.split() for l in open(sys.argv[2])]
client_start, period = float(sys.argv[3]), float(sys.argv[4])
print("%-6s %8s %12s %13s %10s %6s" % ("signal", "stop s", "longest gap", "longest wait", "unanswered", "leaks"))
for signal, stopped in events:
    at = float(stopped) - client_start
    window = [l for l in lines if at - 0.5 <= float(l[0]) < at + period - 0.5]
    answered = sorted(float(l[0]) + float(l[3]) for l in window if l[1] == "www" and l[2] == "ok")
    waits = [float(l[3]) for l in window if l[1] == "www" and l[2] == "ok"]
    gaps = [b - a for a, b in zip(answered, answered[1:])]
    print("%-6s %8.2f %10.0f ms %10.0f ms %10d %6d" % (signal, at, 1000 * max(gaps or [0]), 1000 * max(waits or [0]),
          sum(1 for l in window if l[1] == "www" and l[2] != "ok"),
          sum(1 for l in window if l[2] == "leak")))
PYEOF
