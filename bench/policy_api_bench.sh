#!/usr/bin/env bash
# Policy API benchmark: the egress sidecar (mode dns+nft) with 1 000 rules in a throw-away network
# namespace; wrk inside the namespace drives the API on 127.0.0.1:18080.
#
#   GET    wrk GET /policy (the 1 000-rule policy as JSON) at maximum rate
#   PATCH  wrk PATCH /policy of one rule (always the same target, so the policy stays at 1 001
#          rules; every request is a full apply: validation, nft transaction, DNS snapshot)
#   enforcement  curl PATCHes that flip an allow/deny of one name and one address, each followed
#          at once by a DNS query and a TCP connect that must already see the new policy: the
#          time from sending the PATCH to enforcement in both layers is the PATCH's latency
#   memory VmRSS of the sidecar at idle and after 100 000 allowed DNS queries (dnsperf)
#
# The machine's own namespace is never touched. Usage (root):
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DOPENSANDBOX_BUILD_BENCH=ON
#   cmake --build build-bench -j2 --target egress fake-dns-upstream
#   bench/policy_api_bench.sh [build-dir]     (DURATION=5 seconds per wrk run)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-bench}
duration=${DURATION:-5}
ns=osbench-api
peer=osbench-api-net
work=$(mktemp -d /tmp/osbench-api.XXXXXX)
token=bench-token
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for name in "$ns" "$peer"; do
    ip netns pids "$name" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$name" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
in_ns() { ip netns exec "$ns" "$@"; }

# The sidecar's namespace and a peer holding the DNS upstream (10.85.0.1) and a web server
# (198.51.100.10, the address the policy flips), joined by a veth pair.
ip netns add "$ns"
ip netns add "$peer"
ip -n "$ns" link add eth0 type veth peer name uplink netns "$peer"
for name in "$ns" "$peer"; do ip -n "$name" link set lo up; done
ip -n "$ns" addr add 10.85.0.2/24 dev eth0
ip -n "$peer" addr add 10.85.0.1/24 dev uplink
ip -n "$peer" addr add 198.51.100.10/32 dev lo
ip -n "$ns" link set eth0 up
ip -n "$peer" link set uplink up
ip -n "$ns" route add default via 10.85.0.1

# 1 000 rules: domains, wildcards and CIDRs; the default is deny.
{
  printf '{"defaultAction":"deny","egress":['
  for i in $(seq 1 1000); do
    case $((i % 4)) in
      0) printf '{"action":"allow","target":"host%d.bench.test"},' "$i" ;;
      1) printf '{"action":"allow","target":"*.zone%d.bench.test"},' "$i" ;;
      2) printf '{"action":"deny","target":"10.%d.%d.0/24"},' $((i / 256)) $((i % 256)) ;;
      3) printf '{"action":"allow","target":"172.16.%d.%d"},' $((i / 256)) $((i % 256)) ;;
    esac
  done
  printf '{"action":"allow","target":"*.load.test"}]}'
} >"$work/policy.json"

"$build/tests/harness/fake-dns-upstream" --netns "$peer" --listen 10.85.0.1:53 --ttl 300 \
  --record flip.bench.test=198.51.100.10 --record www.load.test=198.51.100.10 >"$work/upstream.log" 2>&1 &
pids+=($!)
in_ns env OPENSANDBOX_EGRESS_MODE=dns+nft OPENSANDBOX_EGRESS_RULES="$(cat "$work/policy.json")" \
  OPENSANDBOX_EGRESS_DNS_UPSTREAM=10.85.0.1 OPENSANDBOX_EGRESS_TOKEN=$token \
  OPENSANDBOX_EGRESS_ALWAYS_RULES_DIR="$work/rules" OPENSANDBOX_EGRESS_LOG_LEVEL=warn \
  "$build/egress/egress" >"$work/egress.log" 2>&1 &
pids+=($!)
(cd "$work" && ip netns exec "$peer" /usr/bin/python3 -m http.server 80 --bind 198.51.100.10 >/dev/null 2>&1) &
pids+=($!)
for _ in $(seq 50); do in_ns curl -fs http://127.0.0.1:18080/healthz >/dev/null 2>&1 && break; sleep 0.1; done
sleep 1
egress_pid=$(pgrep -n -x egress)
rss() { awk '/VmRSS/ {print $2}' "/proc/$egress_pid/status"; }
echo "egress pid $egress_pid, policy with $(grep -o '"action"' "$work/policy.json" | wc -l) rules"
echo "RSS idle: $(rss) kB"

cat >"$work/patch.lua" <<LUA
wrk.method = "PATCH"
wrk.body = '[{"action":"allow","target":"patched.bench.test"}]'
wrk.headers["OPENSANDBOX-EGRESS-AUTH"] = "$token"
wrk.headers["Content-Type"] = "application/json"
LUA
cat >"$work/get.lua" <<LUA
wrk.headers["OPENSANDBOX-EGRESS-AUTH"] = "$token"
LUA
for run in get patch; do
  echo "== wrk $run (-t1 -c4 -d${duration}s)"
  in_ns wrk -t1 -c4 -d"${duration}s" --latency -s "$work/$run.lua" http://127.0.0.1:18080/policy |
    grep -E "Requests/sec|Latency |50%|90%|99%|Non-2xx|requests in"
done

echo "== PATCH to enforcement (each PATCH followed at once by a DNS query and a connect)"
api() { in_ns curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -X PATCH -H "OPENSANDBOX-EGRESS-AUTH: $token" \
  --data-binary "$1" http://127.0.0.1:18080/policy; }
resolves() { in_ns dig +short +time=1 +tries=1 @127.0.0.1 -p 15353 flip.bench.test | grep -q 198.51.100.10; }
connects() { in_ns curl -s -o /dev/null --max-time 1 http://198.51.100.10/; }
late=0
times=()
for i in $(seq 1 25); do
  read -r code seconds < <(api '[{"action":"allow","target":"flip.bench.test"},{"action":"allow","target":"198.51.100.10"}]')
  times+=("$seconds")
  { resolves && connects; } || late=$((late + 1))
  read -r code seconds < <(api '[{"action":"deny","target":"flip.bench.test"},{"action":"deny","target":"198.51.100.10"}]')
  times+=("$seconds")
  { ! resolves && ! connects; } || late=$((late + 1))
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "PATCH latency (curl time_total) over %d flips: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", NR, a[int(NR*0.5)]*1000, a[int(NR*0.99)]*1000, a[NR]*1000}'
echo "checks that did not yet see the new policy right after the response: $late of 50"

echo "== memory after 100 000 allowed queries"
for _ in $(seq 100); do echo "www.load.test A"; done >"$work/queries.txt"
in_ns dnsperf -s 127.0.0.1 -p 15353 -d "$work/queries.txt" -n 1000 -c 1 -q 100 -Q 20000 2>&1 |
  grep -E "Queries sent|Queries completed|Queries per second"
echo "RSS after load: $(rss) kB"
grep -E "RssAnon|RssFile" "/proc/$egress_pid/status" | tr -s ' ' | paste -sd' '
