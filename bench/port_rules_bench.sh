#!/usr/bin/env bash
# Port rules at 10 000 rules: the egress sidecar before port rules existed (baseline) against the
# current one (new), each with a 10 000-rule policy, in one run, interleaved baseline / new over
# ROUNDS rounds, so each goal is a ratio new / baseline of figures measured under the same load:
#
#   dns    dnsperf -> egress, mode dns+nft, names that match allow rules: q/s at maximum load,
#          p50/p99 at a fixed rate, CPU time of the sidecar per answered query. The baseline writes
#          one element per answer to dyn_allow_v4; the new sidecar's names are under rules limited
#          to ports 443 and 8443, so it writes two (address . tcp . 443 and . 8443) to
#          dyn_port_allow_v4. Both sets are flushed before every run and every second during it,
#          so every answer is a new element (as in bench/dns_nft_bench.sh).
#          With QUERIED=unscoped the new sidecar's queried names are instead under allow rules
#          without ports (one element per answer to dyn_allow_v4, as the baseline writes), while
#          its policy keeps the same port rules elsewhere: this separates the cost of port rules
#          being present from that of writing two elements per answer. The connects to learned
#          addresses then match in dyn_allow_v4 in both sidecars.
#   nft    new TCP connections per second (bench/connect_rate_bench) from the sandbox namespace to
#          a peer that refuses them (RST: no listener), so each connection is one SYN through the
#          whole filter chain: to learned addresses (the baseline matches them in dyn_allow, the
#          new sidecar in dyn_port_allow, after port_deny, deny and dyn_allow) and to addresses in
#          allowed CIDRs (baseline: allow_v4; new: port_allow_v4, the last set of the chain),
#          and the client's CPU time per connection; in short slices, the order of the two
#          sidecars alternating from slice to slice.
#   apply  POST /policy with the whole 10 000-rule policy and PATCH of one rule on top of it:
#          wall time of curl and the sidecar's own egress_nft_apply_seconds and
#          egress_policy_apply_seconds for that request (differences of its /metrics).
#
# The two policies have the same 10 000 rules (exact names, wildcards, CIDRs, addresses; allow
# and deny): in the new one 40 % of the allow names and of the CIDR and address rules carry
# "ports" (the queried names all do; with QUERIED=unscoped none of them does), and four rules are port-only denies (tcp 25, tcp 465+587,
# udp 161+162, tcp 23) where the baseline has ordinary rules (it cannot parse ports).
#
# Everything runs in network namespaces this script creates (osportb-*) and removes on exit, even
# on failure or Ctrl-C; the machine's own network namespace is never changed and no packet leaves
# the namespaces. The whole script stops itself after BUDGET_SECONDS.
#
#   osportb-up    upstream dnsmasq on 10.90.0.1:53 (authoritative for bench.test from a hosts
#                 file); 198.18.0.0/15 routed locally (answers' addresses and the allowed CIDRs)
#   osportb-base  baseline egress, mode dns+nft; dnsperf, connect_rate_bench, curl  (10.96.0.2)
#   osportb-new   new egress, same;                                                 (10.97.0.2)
#
# Usage (as root):
#   cmake -G Ninja -S <baseline-tree> -B <baseline-build> -DCMAKE_BUILD_TYPE=Release -DOPENSANDBOX_BUILD_BENCH=ON
#   cmake --build <baseline-build> -j2 --target egress
#   cmake -G Ninja -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DOPENSANDBOX_BUILD_BENCH=ON
#   cmake --build build-bench -j2 --target egress connect_rate_bench
#   bench/port_rules_bench.sh <baseline-build> build-bench
# Environment: ROUNDS (3), RATE_SECONDS (5, per round), MAX_SECONDS (4, per round), RATE (2000),
#   MAX_OUTSTANDING (dnsperf -q at maximum load, 500), NAMES (60000, at most 65000), RULES (10000),
#   CONNECT_SECONDS (1, per slice), CONNECT_SLICES (4 per destination kind and round),
#   CONCURRENCY (16 connections in flight), DESTINATIONS (16 addresses per kind), LEARNED (4000
#   names resolved before the connects), APPLY_REPEATS (5 POSTs and 5 PATCHes per round),
#   BUDGET_SECONDS (600; a run takes about 4 minutes), KEEP_LOGS=1 (keep the work directory),
#   QUERIED (scoped: the queried names are under the port-scoped allow rules, the default;
#   unscoped: under the allow rules without ports, see "dns" above).
# Needs: dnsperf, dig, ip, nft, python3, dnsmasq, curl.
# It is a benchmark, not a test: it exits 0 even when a goal is missed.
set -euo pipefail

[[ $# -eq 2 ]] || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
absolute() { [[ $1 = /* ]] && echo "$1" || echo "$PWD/$1"; }
declare -A build=([base]=$(absolute "$1") [new]=$(absolute "$2"))
ROUNDS=${ROUNDS:-3}
RATE_SECONDS=${RATE_SECONDS:-5}
MAX_SECONDS=${MAX_SECONDS:-4}
RATE=${RATE:-2000}
MAX_OUTSTANDING=${MAX_OUTSTANDING:-500}
NAMES=${NAMES:-60000}
RULES=${RULES:-10000}
CONNECT_SECONDS=${CONNECT_SECONDS:-1}
CONNECT_SLICES=${CONNECT_SLICES:-4}
CONCURRENCY=${CONCURRENCY:-16}
DESTINATIONS=${DESTINATIONS:-16}
LEARNED=${LEARNED:-4000}
APPLY_REPEATS=${APPLY_REPEATS:-5}
BUDGET_SECONDS=${BUDGET_SECONDS:-600}
QUERIED=${QUERIED:-scoped}

up=osportb-up
namespaces=(osportb-up osportb-base osportb-new)
declare -A ns_of=([base]=osportb-base [new]=osportb-new)
labels=(base new)
upstream_ip=10.90.0.1
token=bench-token
connect_bin="${build[new]}/bench/connect_rate_bench"
boot_policy='{"defaultAction":"deny","egress":[{"action":"allow","target":"boot.bench.test"}]}'
work=$(mktemp -d /tmp/osportb.XXXXXX)
pids=()
watchdog=
upstream_pid=
declare -A server_pid

log() { printf '%s\n' "$*" >&2; }
die() { log "port_rules_bench: $*"; exit 1; }

# Where cgroup v2 is mounted (empty: nowhere; egress then runs without a cgroup of its own).
cgroup_mount=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2" && $4 == "/") print $5; break } }' \
  /proc/self/mountinfo | head -n 1)
cgroups=()
cleanup() {
  trap '' INT TERM HUP
  [[ -z $watchdog ]] || kill "$watchdog" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 0.3
  for ns in "${namespaces[@]}"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "/etc/netns/$ns"
  done
  for cgroup in "${cgroups[@]}"; do rmdir "$cgroup" 2>/dev/null || true; done
  if [[ ${KEEP_LOGS:-0} = 1 ]]; then log "port_rules_bench: logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'log "port_rules_bench: interrupted"; exit 130' INT TERM HUP

check_tools() {
  [[ $(id -u) -eq 0 ]] || die "run as root (it creates network namespaces)"
  for tool in dnsperf dig ip nft python3 dnsmasq curl; do
    command -v "$tool" >/dev/null || die "$tool not found (scripts/setup.sh installs it)"
  done
  ((NAMES >= 1000 && NAMES <= 65000)) || die "NAMES must be 1000..65000 (one address of 198.18.0.0/16 each)"
  ((RULES >= 1000)) || die "RULES must be at least 1000"
  ((LEARNED >= DESTINATIONS && LEARNED <= 30000)) || die "LEARNED must be DESTINATIONS..30000"
  [[ $QUERIED = scoped || $QUERIED = unscoped ]] || die "QUERIED must be scoped or unscoped"
  for label in "${labels[@]}"; do
    [[ -x ${build[$label]}/egress/egress ]] || die "${build[$label]}/egress/egress not built (see the usage comment)"
  done
  [[ -x $connect_bin ]] || die "$connect_bin not built (target connect_rate_bench of the new build)"
}

# The upstream namespace holds 10.90.0.1 and 198.18.0.0/15 on its loopback and one veth per
# sandbox namespace.
make_namespaces() {
  local ns subnet=96
  for ns in "${namespaces[@]}"; do
    if ip netns list | grep -qE "^$ns( |$)"; then
      log "port_rules_bench: removing $ns left by an earlier run"
      ip netns pids "$ns" | xargs -r kill -KILL 2>/dev/null || true
      ip netns del "$ns"
    fi
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    mkdir -p "/etc/netns/$ns"
    echo "nameserver $upstream_ip" >"/etc/netns/$ns/resolv.conf"
  done
  ip -n "$up" addr add "$upstream_ip/32" dev lo
  ip -n "$up" route add local 198.18.0.0/15 dev lo
  for ns in "${namespaces[@]:1}"; do
    ip -n "$ns" link add eth0 type veth peer name "to-${ns#osportb-}" netns "$up"
    ip -n "$ns" addr add "10.$subnet.0.2/24" dev eth0
    ip -n "$up" addr add "10.$subnet.0.1/24" dev "to-${ns#osportb-}"
    ip -n "$ns" link set eth0 up
    ip -n "$up" link set "to-${ns#osportb-}" up
    ip -n "$ns" route add default via "10.$subnet.0.1"
    subnet=$((subnet + 1))
  done
}

# Writes the two policies, the upstream's hosts file, the dnsperf query list (names under
# port-scoped allow rules, or with QUERIED=unscoped under allow rules without ports, each with its
# own address 198.18.x.y), the names resolved before the
# connects, the connects' destinations and a summary of the policies.
make_inputs() {
  python3 - "$work" "$QUERIED" "$RULES" "$NAMES" "$LEARNED" "$DESTINATIONS" <<'EOF'
import json, sys
work, queried_kind, (rules, names, learned, destinations) = sys.argv[1], sys.argv[2], map(int, sys.argv[3:])
scoped = queried_kind == "scoped"

def ported(i):  # 40 % of the rules of each kind
    return (i // 8) % 5 < 2

# Rule i by i % 8: 0-1 exact allow name, 2-3 wildcard allow, 4 deny name, 5 deny /24 in 10/8,
# 6 allow /28 in 198.19/16 (the connects' CIDR destinations), 7 allow address in 172.16/12.
# New policy: the same rules, those with ported(i) limited to ports (names: tcp 443, 8443; deny
# CIDRs: tcp 22; allow CIDRs: tcp 22; addresses: udp 5000, 5001); the last four rules are
# port-only denies instead.
port_only = [{"action": "deny", "ports": [25]}, {"action": "deny", "ports": [465, 587]},
             {"action": "deny", "protocol": "udp", "ports": [161, 162]}, {"action": "deny", "ports": [23]}]
base, new = [], []
exact, zones, cidrs = [], [], []
allow_cidr = 0
for i in range(rules):
    kind = i % 8
    if kind in (0, 1):
        rule, ports = {"action": "allow", "target": "host%d.bench.test" % i}, {"ports": [443, 8443]}
    elif kind in (2, 3):
        rule, ports = {"action": "allow", "target": "*.zone%d.bench.test" % i}, {"ports": [443, 8443]}
    elif kind == 4:
        rule, ports = {"action": "deny", "target": "blocked%d.bench.test" % i}, None
    elif kind == 5:
        j = i // 8
        rule, ports = {"action": "deny", "target": "10.%d.%d.0/24" % (j // 256 % 256, j % 256)}, {"ports": [22]}
    elif kind == 6:
        j = allow_cidr
        allow_cidr += 1
        rule, ports = {"action": "allow", "target": "198.19.%d.%d/28" % (j // 16 % 256, j % 16 * 16)}, {"ports": [22]}
    else:
        j = i // 8
        rule, ports = ({"action": "allow", "target": "172.%d.%d.%d" % (16 + j // 65536 % 16, j // 256 % 256, j % 256)},
                       {"protocol": "udp", "ports": [5000, 5001]})
    base.append(rule)
    if i >= rules - len(port_only):
        new.append(port_only[rules - 1 - i])
        continue
    if ports and ported(i):
        new.append(dict(rule, **ports))
        if kind == 6:
            cidrs.append(rule["target"])
    else:
        new.append(rule)
    # The queried names: under the port-scoped allow rules, or (unscoped) under the others.
    if kind in (0, 1, 2, 3) and ported(i) == scoped:
        (exact if kind in (0, 1) else zones).append(rule["target"] if kind in (0, 1) else rule["target"][2:])
for label, egress in (("base", base), ("new", new)):
    with open("%s/policy-%s.json" % (work, label), "w") as f:
        # The wildcard guard's budget wide enough for every queried name (the baseline ignores it).
        guard = {"newNamesPerMinute": 1000000, "newNamesBurst": 1000000}
        json.dump({"defaultAction": "deny", "egress": egress, "wildcardGuard": guard}, f, separators=(",", ":"))

# Queried names: the exact names under the chosen rules, then n<k>.<zone> round robin over the
# chosen wildcard zones, NAMES in all; name m (from 1) answers 198.18.(m / 256).(m % 256).
queried = exact[:names]
k = 0
while len(queried) < names:
    queried.append("n%d.%s" % (k // len(zones), zones[k % len(zones)]))
    k += 1
with open(work + "/hosts", "w") as hosts, open(work + "/queries.txt", "w") as queries:
    for m, name in enumerate(queried, 1):
        hosts.write("198.18.%d.%d %s\n" % (m // 256, m % 256, name))
        queries.write("%s A\n" % name)
    hosts.write("198.18.255.254 boot.bench.test\n")
# Resolved before the connects: LEARNED names from the end of the list (any of them would do);
# the connects go to the addresses of the first DESTINATIONS of them.
start = names - learned + 1
with open(work + "/learn.txt", "w") as f:
    for m in range(start, names + 1):
        f.write("%s A\n" % queried[m - 1])
with open(work + "/dest-learned.txt", "w") as f:
    for m in range(start, start + destinations):
        f.write("198.18.%d.%d\n" % (m // 256, m % 256))
# CIDR destinations: the 5th address of DESTINATIONS port-scoped allow /28s spread over the list.
with open(work + "/dest-cidr.txt", "w") as f:
    step = max(1, len(cidrs) // destinations)
    for cidr in cidrs[::step][:destinations]:
        a, b, c, d = map(int, cidr.split("/")[0].split("."))
        f.write("%d.%d.%d.%d\n" % (a, b, c, d + 5))
is_name = lambda r: "target" in r and not r["target"][0].isdigit()
is_network = lambda r: "target" in r and r["target"][0].isdigit()
with open(work + "/summary", "w") as f:
    f.write("%d rules each; in the new policy, with ports: %d of %d name rules (%d exact, %d wildcards; deny names\n"
            "cannot have ports), %d of %d CIDR and address rules, %d port-only denies. %d queried names (%d exact,\n"
            "%d under wildcards), all under %s allow rules, each answered with its own address.\n" % (
                rules, sum(1 for r in new if is_name(r) and "ports" in r), sum(1 for r in new if is_name(r)),
                sum(1 for r in new if is_name(r) and "ports" in r and r["target"][0] != "*"),
                sum(1 for r in new if is_name(r) and "ports" in r and r["target"][0] == "*"), sum(1 for r in new if is_network(r) and "ports" in r),
                sum(1 for r in new if is_network(r)), len(port_only), names, min(len(exact), names),
                max(0, names - len(exact)), "port-scoped" if scoped else "(in both policies) port-less"))
EOF
  cp "$work/policy-base.json" "$work/policy-base.post"
  cp "$work/policy-new.json" "$work/policy-new.post"
  echo '[{"action":"allow","target":"patched.bench.test"}]' >"$work/patch-base.json"
  echo '[{"action":"allow","target":"patched.bench.test","ports":[443]}]' >"$work/patch-new.json"
}

# Waits until server:port in namespace ns answers boot.bench.test; non-zero after about 5 s.
wait_for_dns() {
  local ns=$1 server=$2 port=$3 _
  for _ in $(seq 50); do
    ip netns exec "$ns" dig +short +time=1 +tries=1 @"$server" -p "$port" boot.bench.test 2>/dev/null |
      grep -q '^198\.18\.255\.254$' && return 0
    sleep 0.1
  done
  return 1
}

start_upstream() {
  ip netns exec "$up" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --pid-file \
    --user=root --log-facility=- --addn-hosts="$work/hosts" --local-ttl=300 \
    --listen-address="$upstream_ip" --bind-interfaces -p 53 >"$work/upstream.log" 2>&1 &
  upstream_pid=$!
  pids+=("$upstream_pid")
  wait_for_dns osportb-base "$upstream_ip" 53 || die "upstream did not come up: $(cat "$work/upstream.log")"
}

# start_egress LABEL: egress of that build in its namespace, mode dns+nft, with a one-rule policy
# (the 10 000-rule one is far beyond what an environment variable may hold; it is POSTed next).
start_egress() {
  local label=$1 ns=${ns_of[$1]}
  mkdir -p "$work/rules-$label"
  # As deployed, egress runs in a cgroup of its own (its own traffic is told apart by it, which adds
  # the own_traffic chain to every packet's path); `ip netns exec` hides the cgroup mounts, so the
  # wrapper mounts cgroup2 in the namespace's private mount namespace first.
  local cgroup=
  if [[ -n $cgroup_mount ]]; then
    cgroup=osportb-$label
    mkdir -p "$cgroup_mount/$cgroup"
    cgroups+=("$cgroup_mount/$cgroup")
  fi
  ip netns exec "$ns" sh -c '[ -z "$1" ] || { mount -t cgroup2 cgroup2 /sys/fs/cgroup && echo $$ >"/sys/fs/cgroup/$1/cgroup.procs"; }
    shift; exec "$@"' own-cgroup "$cgroup" \
    env OPENSANDBOX_EGRESS_MODE=dns+nft OPENSANDBOX_EGRESS_RULES="$boot_policy" \
    OPENSANDBOX_EGRESS_DNS_UPSTREAM="$upstream_ip" OPENSANDBOX_EGRESS_ALWAYS_RULES_DIR="$work/rules-$label" \
    OPENSANDBOX_EGRESS_TOKEN=$token OPENSANDBOX_EGRESS_MAX_RULES=$((RULES * 2)) \
    OPENSANDBOX_EGRESS_LOG_LEVEL=error "${build[$label]}/egress/egress" >"$work/egress-$label.log" 2>&1 &
  server_pid[$label]=$!
  pids+=("$!")
  wait_for_dns "$ns" 127.0.0.1 15353 || die "egress ($label) did not come up: $(tail -20 "$work/egress-$label.log")"
}

# api LABEL METHOD FILE: sends FILE to /policy; prints "HTTP-code seconds".
api() {
  ip netns exec "${ns_of[$1]}" curl -s -o "$work/api-response" -w '%{http_code} %{time_total}\n' --max-time 60 \
    -X "$2" -H "OPENSANDBOX-EGRESS-AUTH: $token" -H 'Content-Type: application/json' \
    --data-binary "@$3" http://127.0.0.1:18080/policy
}

metrics() {
  ip netns exec "${ns_of[$1]}" curl -s --max-time 5 http://127.0.0.1:18080/metrics || true
}

# The sum of a histogram in the metrics text on stdin (0 when absent).
histogram_sum() { awk -v name="$1_sum" '$1 == name { print $2; found = 1 } END { if (!found) print 0 }'; }

# The learned sets each sidecar writes for the queried names (the new sidecar writes nothing to
# the other one for them: all are under port-scoped rules, or with QUERIED=unscoped none is).
declare -A learned_set=([base]=dyn_allow_v4 [new]=dyn_port_allow_v4)
[[ $QUERIED = scoped ]] || learned_set[new]=dyn_allow_v4

flush_learned() {
  ip netns exec "${ns_of[$1]}" nft flush set inet opensandbox "${learned_set[$1]}"
}

set_size() {
  { ip netns exec "${ns_of[$1]}" nft list set inet opensandbox "${learned_set[$1]}" || true; } |
    awk '{ n += gsub(/expires/, "") } END { print n + 0 }'
}

# python3 -c "$with_cpu_time" FILE COMMAND...: runs COMMAND, writes its CPU time "user sys" (s) to FILE.
with_cpu_time='import resource, subprocess, sys
status = subprocess.call(sys.argv[2:])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%.3f %.3f\n" % (usage.ru_utime, usage.ru_stime))
sys.exit(status)'

# CPU time (utime stime, in clock ticks) of a process.
cpu_ticks() { awk '{print $14, $15}' "/proc/$1/stat" 2>/dev/null || echo "0 0"; }

budget_left() { ((SECONDS <= BUDGET_SECONDS - $1 - 30)); }

# run_dnsperf LABEL SECONDS RATE|max ROUND: flushes the learned sets, runs dnsperf, saves its
# output, the CPU time of the sidecar during the run and the set's size after it.
run_dnsperf() {
  local label=$1 seconds=$2 load=$3 round=$4 ns=${ns_of[$1]}
  local base="$work/dns@$label@$load@$round" args=() before
  if [[ $load = max ]]; then args=(-c 1 -q "$MAX_OUTSTANDING"); else args=(-c 1 -q 100 -Q "$load"); fi
  budget_left "$seconds" || { log "port_rules_bench: time budget used up, skipping dns $label $load (round $round)"; return 0; }
  log "port_rules_bench: round $round: dns $label at $load q/s for ${seconds}s"
  flush_learned "$label"
  metrics "$label" | grep -E '^egress_nft_dynamic_(updates|write)' >"$base.metrics-before" || true
  # Flushing every second keeps every answer a new element even when the run wraps around the names.
  (while sleep 1; do flush_learned "$label"; done) </dev/null >/dev/null 2>&1 &
  local flusher=$!
  before=$(cpu_ticks "${server_pid[$label]}")
  timeout $((seconds + 10)) python3 -c "$with_cpu_time" "$base.client" ip netns exec "$ns" dnsperf -s 127.0.0.1 \
    -p 15353 -d "$work/queries.txt" -l "$seconds" -t 2 -v "${args[@]}" >"$base.txt" 2>&1 ||
    log "port_rules_bench: dnsperf $label $load failed"
  echo "$before $(cpu_ticks "${server_pid[$label]}")" >"$base.cpu"
  kill "$flusher" 2>/dev/null || true
  wait "$flusher" 2>/dev/null || true
  set_size "$label" >"$base.set"
  metrics "$label" | grep -E '^egress_nft_dynamic_(updates|write)' >"$base.metrics-after" || true
}

# learn_names LABEL ROUND: resolves LEARNED names once, so their addresses are in the learned set.
learn_names() {
  local label=$1 round=$2 ns=${ns_of[$1]}
  flush_learned "$label"
  ip netns exec "$ns" dnsperf -s 127.0.0.1 -p 15353 -d "$work/learn.txt" -n 1 -c 1 -q 100 -Q 5000 -t 2 \
    >"$work/learn@$label@$round.txt" 2>&1 || log "port_rules_bench: resolving the learned names failed ($label)"
  set_size "$label" >"$work/learn@$label@$round.set"
}

# run_connects LABEL KIND ROUND SLICE: connect_rate_bench for CONNECT_SECONDS to learned addresses
# on tcp 443 or to addresses in allowed CIDRs on tcp 22, with its CPU time.
run_connects() {
  local label=$1 kind=$2 round=$3 slice=$4 ns=${ns_of[$1]} port=443
  [[ $kind = learned ]] || port=22
  local base="$work/connect@$label@$kind@$round.$slice"
  budget_left "$CONNECT_SECONDS" || { log "port_rules_bench: time budget used up, skipping connects $label $kind (round $round)"; return 0; }
  python3 -c "$with_cpu_time" "$base.client" ip netns exec "$ns" "$connect_bin" -s "$CONNECT_SECONDS" \
    -c "$CONCURRENCY" -b 20000:1000 "$port" "$work/dest-$kind.txt" >"$base.txt" 2>&1 ||
    log "port_rules_bench: connect_rate_bench $label $kind failed: $(cat "$base.txt")"
}

# connect_round ROUND: CONNECT_SLICES slices per destination kind, baseline and new alternating
# (base new, new base, ...) so that a change of the machine's load hits both alike.
connect_round() {
  local round=$1 kind slice label order
  for label in "${labels[@]}"; do learn_names "$label" "$round"; done
  for kind in learned cidr; do
    log "port_rules_bench: round $round: connects to $kind addresses, ${CONNECT_SLICES} x ${CONNECT_SECONDS}s each"
    for ((slice = 1; slice <= CONNECT_SLICES; slice++)); do
      order=(base new)
      ((slice % 2)) || order=(new base)
      for label in "${order[@]}"; do run_connects "$label" "$kind" "$round" "$slice"; done
    done
  done
}

# run_apply LABEL ROUND: APPLY_REPEATS POSTs of the whole policy, then APPLY_REPEATS PATCHes of
# one rule on top of it; per request: HTTP code, curl's time and the sidecar's apply times.
run_apply() {
  local label=$1 round=$2 kind i code seconds nft_before policy_before nft_after policy_after text learned
  budget_left 20 || { log "port_rules_bench: time budget used up, skipping apply $label (round $round)"; return 0; }
  log "port_rules_bench: round $round: apply $label (${APPLY_REPEATS} POSTs, ${APPLY_REPEATS} PATCHes)"
  for kind in post patch; do
    for ((i = 1; i <= APPLY_REPEATS; i++)); do
      text=$(metrics "$label")
      nft_before=$(histogram_sum egress_nft_apply_seconds <<<"$text")
      policy_before=$(histogram_sum egress_policy_apply_seconds <<<"$text")
      learned=$(awk '$1 == "egress_nft_learned_addresses" { print $2 }' <<<"$text")
      if [[ $kind = post ]]; then
        read -r code seconds < <(api "$label" POST "$work/policy-$label.post")
      else
        read -r code seconds < <(api "$label" PATCH "$work/patch-$label.json")
      fi
      text=$(metrics "$label")
      nft_after=$(histogram_sum egress_nft_apply_seconds <<<"$text")
      policy_after=$(histogram_sum egress_policy_apply_seconds <<<"$text")
      [[ $code = 200 || $code = 204 ]] ||
        log "port_rules_bench: $kind $label answered $code: $(head -c 300 "$work/api-response")"
      echo "$code $seconds $nft_before $nft_after $policy_before $policy_after ${learned:-0}" \
        >>"$work/apply@$label@$kind@$round.txt"
    done
  done
}

main() {
  check_tools
  (
    sleep "$BUDGET_SECONDS" &
    trap 'kill $! 2>/dev/null; exit 0' TERM
    wait $!
    kill -TERM $$
  ) </dev/null >/dev/null 2>&1 &
  watchdog=$!
  cut -d' ' -f1-3 /proc/loadavg >"$work/load-before"
  make_namespaces
  make_inputs
  start_upstream
  local label round code seconds
  for label in "${labels[@]}"; do
    start_egress "$label"
    read -r code seconds < <(api "$label" POST "$work/policy-$label.json")
    [[ $code = 200 || $code = 204 ]] || die "POST of the $RULES-rule policy to $label answered $code: $(head -c 300 "$work/api-response")"
    log "port_rules_bench: $label: $RULES-rule policy applied in ${seconds}s"
    ip netns exec "${ns_of[$label]}" nft list ruleset >"$work/ruleset-$label.txt"
  done
  # A check that the first queried name is allowed and its answer written to the learned set.
  local first answer
  first=$(sed -n '1s/ A$//p' "$work/queries.txt")
  for label in "${labels[@]}"; do
    flush_learned "$label"
    answer=$(ip netns exec "${ns_of[$label]}" dig +short +time=2 +tries=1 @127.0.0.1 -p 15353 "$first" || true)
    log "port_rules_bench: $label: $first -> ${answer:-no answer}; ${learned_set[$label]} holds $(set_size "$label") element(s)"
    [[ -n $answer ]] || die "$label does not answer $first"
  done
  for ((round = 1; round <= ROUNDS; round++)); do
    for label in "${labels[@]}"; do run_dnsperf "$label" "$RATE_SECONDS" "$RATE" "$round"; done
    for label in "${labels[@]}"; do run_dnsperf "$label" "$MAX_SECONDS" max "$round"; done
    connect_round "$round"
    for label in "${labels[@]}"; do run_apply "$label" "$round"; done
  done
  for label in "${labels[@]}"; do
    kill -0 "${server_pid[$label]}" 2>/dev/null ||
      log "port_rules_bench: $label (pid ${server_pid[$label]}) exited during the run; its figures are partial"
    metrics "$label" >"$work/metrics-$label.txt" || true
  done
  cut -d' ' -f1-3 /proc/loadavg >"$work/load-after"
  report
}

report() {
  python3 - "$work" "$RATE" "$(getconf CLK_TCK)" "$QUERIED" <<'EOF'
import glob, os, re, statistics, sys
work, rate, clk_tck, queried_kind = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
nan = float("nan")
labels = ("base", "new")

def parse_dnsperf(path):
    lat, stats, rcodes = [], {}, {}
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("> "):
                fields = line.split()
                if fields[1] not in ("T", "I"):
                    try:
                        lat.append(float(fields[-1]))
                    except ValueError:
                        pass
                continue
            for key, pattern in (("completed", r"Queries completed:\s+(\d+)"), ("lost", r"Queries lost:\s+(\d+)"),
                                 ("runtime", r"Run time \(s\):\s+([\d.]+)")):
                m = re.search(pattern, line)
                if m:
                    stats[key] = float(m.group(1))
            m = re.search(r"Response codes:\s+(.*)", line)
            if m:
                for code, count in re.findall(r"([A-Z]+) (\d+)", m.group(1)):
                    rcodes[code] = rcodes.get(code, 0) + int(count)
    return lat, stats, rcodes

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100.0 * len(values)))] if values else nan

# Mean answer -> kernel acknowledgement time (µs) of a run, from the sidecar's histogram.
def write_mean(base):
    def read(name):
        values = {}
        try:
            for line in open(name):
                f = line.split()
                if len(f) == 2 and f[0].endswith(("_sum", "_count")):
                    values[f[0].rsplit("_", 1)[1]] = float(f[1])
        except OSError:
            pass
        return values
    before, after = read(base + ".metrics-before"), read(base + ".metrics-after")
    try:
        return (after["sum"] - before.get("sum", 0)) / (after["count"] - before.get("count", 0)) * 1e6
    except (KeyError, ZeroDivisionError):
        return nan

# dns[(label, load)] = per-round figures
dns = {}
for path in sorted(glob.glob(os.path.join(work, "dns@*.txt"))):
    _, label, load, rnd = os.path.basename(path)[:-4].split("@")
    lat, stats, rcodes = parse_dnsperf(path)
    cpu = [int(x) for x in open(path[:-4] + ".cpu").read().split()]
    completed = stats.get("completed", 0)
    try:
        set_size = int(open(path[:-4] + ".set").read().split()[0])
    except (OSError, ValueError, IndexError):
        set_size = -1
    dns.setdefault((label, load), []).append(dict(
        round=int(rnd), lat=lat, completed=completed, lost=stats.get("lost", 0), rcodes=rcodes,
        qps=completed / stats["runtime"] if stats.get("runtime") else nan,
        cpu_us=(cpu[2] + cpu[3] - cpu[0] - cpu[1]) * 1e6 / clk_tck / completed if completed else nan,
        sys_us=(cpu[3] - cpu[1]) * 1e6 / clk_tck / completed if completed else nan,
        write_us=write_mean(path[:-4]),
        set=set_size))

def dns_total(label, load, key):
    runs = dns.get((label, load), [])
    if not runs:
        return nan
    if key in ("p50", "p99"):
        return pct([x for r in runs for x in r["lat"]], int(key[1:])) * 1e6
    if key == "qps":
        return statistics.mean(r["qps"] for r in runs)
    if key == "cpu_us":
        total = sum(r["completed"] for r in runs)
        return sum(r["cpu_us"] * r["completed"] for r in runs if r["completed"]) / total if total else nan
    return nan

# connect[(label, kind)] = per-slice figures (round, slice, done, seconds, client CPU s, problems)
connect = {}
for path in sorted(glob.glob(os.path.join(work, "connect@*.txt"))):
    _, label, kind, rnd_slice = os.path.basename(path)[:-4].split("@")
    rnd, slc = map(int, rnd_slice.split("."))
    text = open(path).read()
    m = re.search(r"connects (\d+) seconds ([\d.]+) rate (\d+) refused (\d+) accepted (\d+) timeout (\d+) failed (\d+) errno(.*)", text)
    if not m:
        continue
    try:
        cpu = sum(float(x) for x in open(path[:-4] + ".client").read().split())
    except (OSError, ValueError):
        cpu = nan
    connect.setdefault((label, kind), []).append(dict(round=rnd, slice=slc, done=int(m.group(1)),
                                                      seconds=float(m.group(2)), cpu=cpu, timeout=int(m.group(6)),
                                                      failed=int(m.group(7)), errno=m.group(8).strip()))

def connect_runs(label, kind, rnd=None):
    return [r for r in connect.get((label, kind), []) if rnd is None or r["round"] == rnd]

def connect_rate(label, kind, rnd=None):
    runs = connect_runs(label, kind, rnd)
    seconds = sum(r["seconds"] for r in runs)
    return sum(r["done"] for r in runs) / seconds if seconds else nan

def connect_cpu(label, kind, rnd=None):
    runs = connect_runs(label, kind, rnd)
    done = sum(r["done"] for r in runs)
    return sum(r["cpu"] for r in runs) * 1e6 / done if done else nan

apply = {}
for path in sorted(glob.glob(os.path.join(work, "apply@*.txt"))):
    _, label, kind, rnd = os.path.basename(path)[:-4].split("@")
    for line in open(path):
        f = line.split()
        if len(f) != 7:
            continue
        code, wall, nb, na, pb, pa, learned = f[0], float(f[1]), *map(float, f[2:])
        a = apply.setdefault((label, kind), dict(codes=[], wall=[], nft=[], api=[], learned=[]))
        a["learned"].append(int(learned))
        a["codes"].append(code)
        a["wall"].append(wall * 1e3)
        a["nft"].append((na - nb) * 1e3)
        a["api"].append((pa - pb) * 1e3)

def apply_median(label, kind, key):
    a = apply.get((label, kind))
    return statistics.median(a[key]) if a and a[key] else nan

print()
print("load average (1, 5, 15 min) before: %s, after: %s" % (open(work + "/load-before").read().strip(),
      open(work + "/load-after").read().strip()))
print(open(work + "/summary").read().strip())
print("QUERIED=%s. base: the build before port rules (answers to dyn_allow_v4, 1 element each); new: the build" % queried_kind)
if queried_kind == "scoped":
    print("with them (answers to dyn_port_allow_v4, 2 elements each: address . tcp . 443 and . 8443).")
else:
    print("with them (answers to dyn_allow_v4 too, 1 element each: the queried names' rules have no ports).")

print()
print("DNS path, per round. CPU µs/query: the sidecar's CPU time (user+sys) per answered query, 'of it sys' its")
print("system time; write µs: mean answer -> kernel acknowledgement of the learned elements (the sidecar's")
print("egress_nft_dynamic_write_seconds); set after: elements in the learned set after the run (a check only).")
print("%-5s %-5s %5s %7s %7s %8s %8s %7s %9s %6s  %s" % ("", "load", "round", "q/s", "p50 µs", "p99 µs", "CPU µs/q",
      "of it sys", "write µs", "set", "responses, lost"))
for label in labels:
    for load in (rate, "max"):
        for r in sorted(dns.get((label, load), []), key=lambda r: r["round"]):
            print("%-5s %-5s %5d %7.0f %7.0f %8.0f %8.1f %9.1f %9.0f %6d  %s, lost %d" % (label, load, r["round"], r["qps"],
                  pct(r["lat"], 50) * 1e6, pct(r["lat"], 99) * 1e6, r["cpu_us"], r["sys_us"], r["write_us"], r["set"],
                  " ".join("%s %d" % kv for kv in sorted(r["rcodes"].items())), r["lost"]))
print()
print("Packet path: new TCP connections per second from the sandbox namespace (refused by the peer), and the")
print("client's CPU time per connection (user+sys: the SYN's way out, the filter chain included, runs in its system")
print("calls), per round (all slices of the round together):")
rounds = sorted({r["round"] for runs in connect.values() for r in runs})
for kind in ("learned", "cidr"):
    for label in labels:
        if not connect_runs(label, kind):
            continue
        learned = []
        for rnd in rounds:
            try:
                learned.append(open("%s/learn@%s@%d.set" % (work, label, rnd)).read().strip())
            except OSError:
                learned.append("?")
        problems = ["round %d.%d: %d timed out, %d failed %s" % (r["round"], r["slice"], r["timeout"], r["failed"],
                    r["errno"]) for r in connect_runs(label, kind) if r["timeout"] or r["failed"]]
        print("  %-7s %-4s connects/s %-23s client CPU µs/connect %-18s%s%s" % (kind, label,
              " / ".join("%.0f" % connect_rate(label, kind, rnd) for rnd in rounds),
              " / ".join("%.1f" % connect_cpu(label, kind, rnd) for rnd in rounds),
              ("  learned set: %s" % " / ".join(learned)) if kind == "learned" else "",
              ("  NOT ALL ALLOWED: " + "; ".join(problems)) if problems else ""))

print()
print("Policy apply, per request in ms, in order (sidecar's egress_nft_apply_seconds and egress_policy_apply_seconds")
print("for that request, curl's time_total), and the sidecar's learned addresses (egress_nft_learned_addresses) then:")
for label in labels:
    for kind in ("post", "patch"):
        a = apply.get((label, kind))
        if not a:
            continue
        bad = [c for c in a["codes"] if c not in ("200", "204")]
        print("  %-5s %-5s nft %s | api %s | curl %s | learned addresses %d-%d%s" % (label, kind,
              " ".join("%.0f" % x for x in a["nft"]), " ".join("%.0f" % x for x in a["api"]),
              " ".join("%.0f" % x for x in a["wall"]), min(a["learned"]), max(a["learned"]),
              ("  HTTP " + " ".join(bad)) if bad else ""))

rows = [
    ("DNS q/s at max load", dns_total("base", "max", "qps"), dns_total("new", "max", "qps"), True),
    ("DNS p50 µs at %s q/s" % rate, dns_total("base", rate, "p50"), dns_total("new", rate, "p50"), False),
    ("DNS p99 µs at %s q/s" % rate, dns_total("base", rate, "p99"), dns_total("new", rate, "p99"), False),
    ("DNS CPU µs/query at %s q/s" % rate, dns_total("base", rate, "cpu_us"), dns_total("new", rate, "cpu_us"), False),
    ("DNS CPU µs/query at max", dns_total("base", "max", "cpu_us"), dns_total("new", "max", "cpu_us"), False),
    ("connects/s, learned addresses", connect_rate("base", "learned"), connect_rate("new", "learned"), True),
    ("client CPU µs/connect, learned", connect_cpu("base", "learned"), connect_cpu("new", "learned"), False),
    ("connects/s, allowed CIDRs", connect_rate("base", "cidr"), connect_rate("new", "cidr"), True),
    ("client CPU µs/connect, CIDRs", connect_cpu("base", "cidr"), connect_cpu("new", "cidr"), False),
    ("POST 10k rules, nft apply ms", apply_median("base", "post", "nft"), apply_median("new", "post", "nft"), False),
    ("POST 10k rules, whole apply ms", apply_median("base", "post", "api"), apply_median("new", "post", "api"), False),
    ("POST 10k rules, curl ms", apply_median("base", "post", "wall"), apply_median("new", "post", "wall"), False),
    ("PATCH 1 rule, nft apply ms", apply_median("base", "patch", "nft"), apply_median("new", "patch", "nft"), False),
    ("PATCH 1 rule, whole apply ms", apply_median("base", "patch", "api"), apply_median("new", "patch", "api"), False),
    ("PATCH 1 rule, curl ms", apply_median("base", "patch", "wall"), apply_median("new", "patch", "wall"), False),
]
print()
print("Goal: every figure of new within 5 % of base (throughput >= 0.95x, time and CPU <= 1.05x):")
print("%-32s %10s %10s %8s  %s" % ("figure", "base", "new", "new/base", "within 5 %"))
for name, b, n, higher_better in rows:
    ratio = n / b if b else nan
    if ratio != ratio:
        verdict = "no data"
    elif higher_better:
        verdict = "yes" if ratio >= 0.95 else "NO"
    else:
        verdict = "yes" if ratio <= 1.05 else "NO"
    print("%-32s %10.1f %10.1f %8.3f  %s" % (name, b, n, ratio, verdict))
print("(p50/p99 over all responses of all rounds; q/s: mean of the rounds; connects/s and CPU: over all slices;")
print(" apply: median of all requests)")
EOF
}

main "$@"
exit 0
