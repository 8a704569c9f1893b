#!/usr/bin/env bash
# Credential proxy benchmark: what interception costs a workload, side by side in one run.
#
#   direct       egress dns+nft without the credential proxy: the workload's TLS goes straight out
#   opaque       egress with the proxy, to a host no binding names: the proxy relays the bytes
#   intercepted  egress with the proxy, to a bound host: decrypted, credential added, re-encrypted
#
# Per path and round: latency of an HTTPS GET with a new TCP+TLS connection per request and on one
# kept-alive connection (Python http.client, p50/p99/mean over REQUESTS requests), and a DOWNLOAD_MIB
# download with curl (MB/s) with egress's CPU time for it (/proc/<pid>/stat). Rounds interleave the
# paths (A B C A B C ...). The origin is tests/integration/credential_vault/origin_server.py (Python)
# behind a test CA; both egresses trust that CA as their "system" store.
#
# Namespaces (removed on exit, even on failure; nothing touches the machine's own namespace):
#   oscpb-up      origin (HTTPS 443, HTTP 80) on 198.51.100.10 and .20, dnsmasq on 10.96.0.1:53
#   oscpb-direct  egress without the proxy; clients          (10.97.0.2)
#   oscpb-proxy   egress with the proxy and a vault binding for api.bound.test; clients (10.98.0.2)
#
# Usage (as root):
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release && cmake --build build-bench -j2 --target egress
#   bench/credential_proxy_bench.sh [build-dir]      (default build-dir: build-bench)
# Environment: ROUNDS (3), REQUESTS (300), DOWNLOAD_MIB (1024), BUDGET_SECONDS (600), KEEP_LOGS=1.
# It is a benchmark, not a test: it exits 0 whatever the figures.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-bench}
[[ $build = /* ]] || build="$PWD/$build"
ROUNDS=${ROUNDS:-3}
REQUESTS=${REQUESTS:-300}
DOWNLOAD_MIB=${DOWNLOAD_MIB:-1024}
BUDGET_SECONDS=${BUDGET_SECONDS:-600}

up=oscpb-up
namespaces=(oscpb-up oscpb-direct oscpb-proxy)
dns_ip=10.96.0.1
egress_bin="$build/egress/egress"
origin="$root/tests/integration/credential_vault/origin_server.py"
client="$root/bench/credential_proxy_client.py"
token=bench-token
policy='{"defaultAction":"deny","egress":[{"action":"allow","target":"*.bound.test"},{"action":"allow","target":"*.open.test"}]}'
work=$(mktemp -d /tmp/oscpb.XXXXXX)
pids=()
declare -A egress_pid

log() { printf '%s\n' "$*" >&2; }
die() { log "credential_proxy_bench: $*"; exit 1; }

cleanup() {
  trap '' INT TERM HUP
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 0.3
  for ns in "${namespaces[@]}"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "/etc/netns/$ns"
  done
  if [[ ${KEEP_LOGS:-0} = 1 ]]; then log "credential_proxy_bench: logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'log "credential_proxy_bench: interrupted"; exit 130' INT TERM HUP
(sleep "$BUDGET_SECONDS" && log "credential_proxy_bench: over budget" && kill -TERM $$) 2>/dev/null &
pids+=("$!")

check_tools() {
  [[ $(id -u) -eq 0 ]] || die "run as root (it creates network namespaces)"
  for tool in ip nft python3 dnsmasq curl openssl; do
    command -v "$tool" >/dev/null || die "$tool not found (scripts/setup.sh installs it)"
  done
  [[ -x $egress_bin ]] || die "$egress_bin not built (see the usage comment)"
}

make_namespaces() {
  local ns subnet=97
  for ns in "${namespaces[@]}"; do
    ip netns del "$ns" 2>/dev/null || true
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    mkdir -p "/etc/netns/$ns"
    echo "nameserver $dns_ip" >"/etc/netns/$ns/resolv.conf"
  done
  for address in "$dns_ip/32" 198.51.100.10/32 198.51.100.20/32; do ip -n "$up" addr add "$address" dev lo; done
  for ns in "${namespaces[@]:1}"; do
    ip -n "$ns" link add eth0 type veth peer name "to-${ns#oscpb-}" netns "$up"
    ip -n "$ns" addr add "10.$subnet.0.2/24" dev eth0
    ip -n "$up" addr add "10.$subnet.0.1/24" dev "to-${ns#oscpb-}"
    ip -n "$ns" link set eth0 up
    ip -n "$up" link set "to-${ns#oscpb-}" up
    ip -n "$ns" route add default via "10.$subnet.0.1"
    subnet=$((subnet + 1))
  done
}

make_pki() {
  mkdir -p "$work/pki/trust"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench public CA" \
    -keyout "$work/pki/ca.key" -out "$work/pki/trust/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=origin" \
    -keyout "$work/pki/origin.key" -out "$work/pki/origin.csr" 2>/dev/null
  echo "subjectAltName=DNS:*.bound.test,DNS:*.open.test" >"$work/pki/san.ext"
  openssl x509 -req -in "$work/pki/origin.csr" -CA "$work/pki/trust/ca.pem" -CAkey "$work/pki/ca.key" \
    -CAcreateserial -days 1 -extfile "$work/pki/san.ext" -out "$work/pki/origin.pem" 2>/dev/null
}

start_upstream() {
  printf '198.51.100.10 api.bound.test\n198.51.100.20 www.open.test\n' >"$work/hosts"
  ip netns exec "$up" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --pid-file --user=root \
    --log-facility=- --addn-hosts="$work/hosts" --local-ttl=300 --listen-address="$dns_ip" --bind-interfaces \
    -p 53 >"$work/dnsmasq.log" 2>&1 &
  pids+=("$!")
  ip netns exec "$up" python3 "$origin" --cert "$work/pki/origin.pem" --key "$work/pki/origin.key" \
    >"$work/origin.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 100); do grep -q serving "$work/origin.log" && return 0; sleep 0.1; done
  die "origin did not start: $(cat "$work/origin.log")"
}

# start_egress LABEL NS [extra env...]
start_egress() {
  local label=$1 ns=$2
  shift 2
  mkdir -p "$work/rules-$label"
  ip netns exec "$ns" env OPENSANDBOX_EGRESS_MODE=dns+nft OPENSANDBOX_EGRESS_RULES="$policy" \
    OPENSANDBOX_EGRESS_TOKEN="$token" OPENSANDBOX_EGRESS_ALWAYS_RULES_DIR="$work/rules-$label" \
    OPENSANDBOX_EGRESS_LOG_LEVEL=error "$@" "$egress_bin" >"$work/egress-$label.log" 2>&1 &
  egress_pid[$label]=$!
  pids+=("$!")
  for _ in $(seq 100); do
    ip netns exec "$ns" curl -s -o /dev/null http://127.0.0.1:18080/healthz && return 0
    sleep 0.1
  done
  die "egress ($label) did not start: $(tail -5 "$work/egress-$label.log")"
}

start_proxy_egress() {
  start_egress proxy oscpb-proxy OPENSANDBOX_EGRESS_MITMPROXY_TRANSPARENT=true \
    OPENSANDBOX_EGRESS_MITMPROXY_UPSTREAM_TRUST_DIR="$work/pki/trust" \
    OPENSANDBOX_EGRESS_CREDENTIAL_PROXY_STATE_DIR="$work/proxy-state" \
    OPENSANDBOX_EGRESS_CREDENTIAL_PROXY_CA_FILE="$work/proxy-ca.pem"
  cat "$work/pki/trust/ca.pem" "$work/proxy-ca.pem" >"$work/trust.pem"
  local vault='{"credentials":[{"name":"tok","source":{"value":"bench-secret"}}],
    "bindings":[{"name":"api","match":{"hosts":["api.bound.test"]},"auth":{"type":"bearer","credential":"tok"}}]}'
  ip netns exec oscpb-proxy curl -sf -o /dev/null -H "OPENSANDBOX-EGRESS-AUTH: $token" -X POST \
    --data "$vault" http://127.0.0.1:18080/credential-vault || die "creating the vault failed"
}

declare -A path_ns=([direct]=oscpb-direct [opaque]=oscpb-proxy [intercepted]=oscpb-proxy)
declare -A path_host=([direct]=api.bound.test [opaque]=www.open.test [intercepted]=api.bound.test)
declare -A path_egress=([direct]=direct [opaque]=proxy [intercepted]=proxy)
paths=(direct opaque intercepted)

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# measure PATH: appends "path new_p50 new_p99 new_mean ka_p50 ka_p99 ka_mean bytes_per_s cpu_ticks" to results
measure() {
  local path=$1 ns=${path_ns[$1]} host=${path_host[$1]} pid=${egress_pid[${path_egress[$1]}]}
  local trust=$work/pki/trust/ca.pem
  [[ $path = direct ]] || trust=$work/trust.pem
  local new keepalive speed before after bytes=$((DOWNLOAD_MIB * 1048576))
  new=$(ip netns exec "$ns" python3 "$client" "$host" "$trust" new "$REQUESTS")
  keepalive=$(ip netns exec "$ns" python3 "$client" "$host" "$trust" keepalive "$REQUESTS")
  before=$(cpu_ticks "$pid")
  speed=$(ip netns exec "$ns" curl -sS --cacert "$trust" -o /dev/null -w '%{speed_download}' \
    "https://$host/download?bytes=$bytes")
  after=$(cpu_ticks "$pid")
  echo "$path $new $keepalive $speed $((after - before))" >>"$work/results"
}

report() {
  python3 - "$work/results" "$ROUNDS" "$REQUESTS" "$DOWNLOAD_MIB" "$(getconf CLK_TCK)" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
rounds, requests, mib, ticks = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
paths = ["direct", "opaque", "intercepted"]
by = {p: [list(map(float, r[1:])) for r in rows if r[0] == p] for p in paths}
for row in (r for p in paths for r in by[p]):
    row[6] /= 1e6                               # MB/s
    row[7] = row[7] * 1000 / ticks / (mib / 1024)  # egress CPU ms per GiB
def med(p, i):
    return statistics.median(r[i] for r in by[p])
print(f"credential proxy: {rounds} rounds, {requests} requests per latency figure, {mib} MiB download")
print("| path | new conn p50 µs | p99 µs | keep-alive p50 µs | p99 µs | download MB/s | egress CPU ms/GiB |")
print("|---|---:|---:|---:|---:|---:|---:|")
for p in paths:
    print(f"| {p} | {med(p,0):.0f} | {med(p,1):.0f} | {med(p,3):.0f} | {med(p,4):.0f} | {med(p,6):.1f} | {med(p,7):.0f} |")
for p in ["opaque", "intercepted"]:
    print(f"{p} vs direct: new connection +{med(p,0)-med('direct',0):.0f} µs (p50), keep-alive "
          f"+{med(p,3)-med('direct',3):.0f} µs (p50), download {med(p,6)/med('direct',6):.2f}x "
          "(per-round ratios: " + ", ".join(f"{a[6]/b[6]:.2f}" for a, b in zip(by[p], by['direct'])) + ")")
EOF
}

check_tools
make_namespaces
make_pki
start_upstream
start_egress direct oscpb-direct
start_proxy_egress
: >"$work/results"
for round in $(seq "$ROUNDS"); do
  for path in "${paths[@]}"; do
    log "round $round: $path"
    measure "$path"
  done
done
report
