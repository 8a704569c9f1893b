#!/usr/bin/env bash
# DNS-to-nftables benchmark: dnsperf against resolvers that write every answer's address into an
# nftables set, in one run, so each goal is a ratio to figures measured under the same load:
#
#   dns             dnsperf -> egress, mode dns (no set written): the latency baseline
#   dns+nft         dnsperf -> egress, mode dns+nft: each answer's address is written to
#                   dyn_allow_v4 over netlink and the answer released after the kernel's ack
#   dnsmasq-nftset  dnsperf -> dnsmasq --nftset=/bench.test/4#inet#bench#learned_v4 (a timeout set
#                   like dyn_allow_v4), forwarding with --cache-size=0
#
# All three forward to one upstream (dnsmasq, authoritative for bench.test from a hosts file) over
# veth pairs. The method is that of bench/dns_proxy_bench.sh (same dnsperf settings, interleaved
# rounds, CPU time per query from /proc/<pid>/stat and dnsperf's getrusage, p50/p99 from dnsperf -v).
#
# Every name has its own address (n<N>.bench.test -> 198.18.x.y, NAMES of them) and both sets are
# flushed before every run and every second during it (a name comes back only after the whole list,
# which takes more than a second at the rates seen here), so every answer is a new element, not a
# refresh. The report shows the set's size after each run as a check, and the dns+nft sidecar's own
# histogram of answer -> kernel acknowledgement times at the fixed rate (its /metrics).
#
# Everything runs in network namespaces this script creates (osnftb-*) and removes on exit, even on
# failure or Ctrl-C; the machine's own network namespace is never changed and no packet leaves the
# namespaces. The whole script stops itself after BUDGET_SECONDS.
#
#   osnftb-up       upstream dnsmasq on 10.90.0.1:53
#   osnftb-dns      egress, mode dns, deny by default, allow *.bench.test; dnsperf      (10.91.0.2)
#   osnftb-nft      egress, mode dns+nft, same policy; dnsperf                          (10.92.0.2)
#   osnftb-dnsmasq  dnsmasq --nftset on 127.0.0.1:53 and table inet bench; dnsperf     (10.93.0.2)
#
# Usage (as root):
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-bench -j2 --target egress
#   bench/dns_nft_bench.sh [build-dir]          (default build-dir: build-bench)
# Environment: ROUNDS (2), RATE_SECONDS (5, per round), MAX_SECONDS (4, per round), RATE (2000),
#   MAX_OUTSTANDING (dnsperf -q at maximum load, 500), NAMES (60000; at most 65536, the sets' size),
#   BUDGET_SECONDS (420), KEEP_LOGS=1 (keep the work directory with every dnsperf output).
# Needs: dnsperf, dig, ip, nft, python3, dnsmasq built with nftset (Debian's dnsmasq-base is).
# It is a benchmark, not a test: it exits 0 even when a goal is missed.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-bench}
[[ $build = /* ]] || build="$PWD/$build"
ROUNDS=${ROUNDS:-2}
RATE_SECONDS=${RATE_SECONDS:-5}
MAX_SECONDS=${MAX_SECONDS:-4}
RATE=${RATE:-2000}
MAX_OUTSTANDING=${MAX_OUTSTANDING:-500}
NAMES=${NAMES:-60000}
BUDGET_SECONDS=${BUDGET_SECONDS:-420}

up=osnftb-up
namespaces=(osnftb-up osnftb-dns osnftb-nft osnftb-dnsmasq)
upstream_ip=10.90.0.1
egress_bin="$build/egress/egress"
# The wildcard guard runs (its cost is measured) with a budget wide enough for every query name.
policy='{"defaultAction":"deny","egress":[{"action":"allow","target":"*.bench.test"}],"wildcardGuard":{"newNamesPerMinute":1000000,"newNamesBurst":1000000}}'
work=$(mktemp -d /tmp/osnftb.XXXXXX)
pids=()
watchdog=
upstream_pid=
declare -A server_pid

log() { printf '%s\n' "$*" >&2; }
die() { log "dns_nft_bench: $*"; exit 1; }

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
  if [[ ${KEEP_LOGS:-0} = 1 ]]; then log "dns_nft_bench: logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'log "dns_nft_bench: interrupted"; exit 130' INT TERM HUP

check_tools() {
  [[ $(id -u) -eq 0 ]] || die "run as root (it creates network namespaces)"
  for tool in dnsperf dig ip nft python3 dnsmasq curl; do
    command -v "$tool" >/dev/null || die "$tool not found (scripts/setup.sh installs it)"
  done
  dnsmasq --version | grep -qw nftset || die "this dnsmasq was built without nftset support"
  ((NAMES >= 1 && NAMES <= 65536)) || die "NAMES must be 1..65536 (the sets hold 65536 elements)"
  [[ -x $egress_bin ]] || die "$egress_bin not built (see the usage comment)"
}

# The upstream namespace holds 10.90.0.1 on its loopback and one veth per client namespace.
make_namespaces() {
  local ns subnet=91
  for ns in "${namespaces[@]}"; do
    if ip netns list | grep -qE "^$ns( |$)"; then
      log "dns_nft_bench: removing $ns left by an earlier run"
      ip netns pids "$ns" | xargs -r kill -KILL 2>/dev/null || true
      ip netns del "$ns"
    fi
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    mkdir -p "/etc/netns/$ns"
    echo "nameserver $upstream_ip" >"/etc/netns/$ns/resolv.conf"
  done
  ip -n "$up" addr add "$upstream_ip/32" dev lo
  for ns in "${namespaces[@]:1}"; do
    ip -n "$ns" link add eth0 type veth peer name "to-${ns#osnftb-}" netns "$up"
    ip -n "$ns" addr add "10.$subnet.0.2/24" dev eth0
    ip -n "$up" addr add "10.$subnet.0.1/24" dev "to-${ns#osnftb-}"
    ip -n "$ns" link set eth0 up
    ip -n "$up" link set "to-${ns#osnftb-}" up
    ip -n "$ns" route add default via "10.$subnet.0.1"
    subnet=$((subnet + 1))
  done
}

# n<i>.bench.test -> 198.18.(i / 256).(i % 256), i = 1..NAMES: a distinct address per name.
make_names() {
  python3 - "$NAMES" "$work" <<'EOF'
import sys
names, work = int(sys.argv[1]), sys.argv[2]
with open(work + "/hosts", "w") as hosts, open(work + "/queries.txt", "w") as queries:
    for i in range(1, names + 1):
        hosts.write("198.18.%d.%d n%d.bench.test\n" % (i // 256, i % 256, i))
        queries.write("n%d.bench.test A\n" % i)
EOF
}

# Waits until server:port in namespace ns answers n1.bench.test; non-zero after about 5 s.
wait_for_dns() {
  local ns=$1 server=$2 port=$3 _
  for _ in $(seq 50); do
    ip netns exec "$ns" dig +short +time=1 +tries=1 @"$server" -p "$port" n1.bench.test 2>/dev/null |
      grep -q '^198\.18\.0\.1$' && return 0
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
  wait_for_dns osnftb-dns "$upstream_ip" 53 || die "upstream did not come up: $(cat "$work/upstream.log")"
}

# start_egress LABEL NS MODE: egress with the bench policy, waits until it answers.
start_egress() {
  local label=$1 ns=$2 mode=$3
  mkdir -p "$work/rules-$label"
  # As deployed, egress runs in a cgroup of its own (its own traffic is told apart by it, which adds
  # the own_traffic chain to every packet's path); `ip netns exec` hides the cgroup mounts, so the
  # wrapper mounts cgroup2 in the namespace's private mount namespace first.
  local cgroup=
  if [[ -n $cgroup_mount ]]; then
    cgroup=osnftb-${label//+/-}
    mkdir -p "$cgroup_mount/$cgroup"
    cgroups+=("$cgroup_mount/$cgroup")
  fi
  ip netns exec "$ns" sh -c '[ -z "$1" ] || { mount -t cgroup2 cgroup2 /sys/fs/cgroup && echo $$ >"/sys/fs/cgroup/$1/cgroup.procs"; }
    shift; exec "$@"' own-cgroup "$cgroup" \
    env OPENSANDBOX_EGRESS_MODE="$mode" OPENSANDBOX_EGRESS_RULES="$policy" \
    OPENSANDBOX_EGRESS_DNS_UPSTREAM="$upstream_ip" OPENSANDBOX_EGRESS_ALWAYS_RULES_DIR="$work/rules-$label" \
    OPENSANDBOX_EGRESS_LOG_LEVEL=error "$egress_bin" >"$work/egress-$label.log" 2>&1 &
  server_pid[$label]=$!
  pids+=("$!")
  wait_for_dns "$ns" 127.0.0.1 15353 || die "egress ($label) did not come up: $(tail -20 "$work/egress-$label.log")"
}

# dnsmasq as a forwarder that adds the A answers of bench.test to a timeout set like dyn_allow_v4.
start_dnsmasq_nftset() {
  local ns=osnftb-dnsmasq
  ip netns exec "$ns" nft -f - <<'EOF'
table inet bench {
  set learned_v4 { type ipv4_addr; flags timeout; timeout 360s; size 65536; }
}
EOF
  ip netns exec "$ns" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --pid-file \
    --user=root --log-facility=- --server="$upstream_ip" --listen-address=127.0.0.1 --bind-interfaces \
    -p 53 --cache-size=0 --dns-forward-max=1000 --nftset=/bench.test/4#inet#bench#learned_v4 \
    >"$work/dnsmasq-nftset.log" 2>&1 &
  server_pid[dnsmasq-nftset]=$!
  pids+=("$!")
  wait_for_dns "$ns" 127.0.0.1 53 || die "dnsmasq --nftset did not come up: $(cat "$work/dnsmasq-nftset.log")"
}

# The set each path writes: "namespace table set"; none for the dns path.
declare -A learned_set=(
  [dns+nft]="osnftb-nft opensandbox dyn_allow_v4"
  [dnsmasq-nftset]="osnftb-dnsmasq bench learned_v4"
)

flush_set() {
  local spec=${learned_set[$1]:-}
  [[ -n $spec ]] || return 0
  read -r ns table set <<<"$spec"
  ip netns exec "$ns" nft flush set inet "$table" "$set"
}

set_size() {
  local spec=${learned_set[$1]:-}
  [[ -n $spec ]] || { echo 0; return; }
  read -r ns table set <<<"$spec"
  ip netns exec "$ns" nft list set inet "$table" "$set" | awk '{ n += gsub(/expires/, "") } END { print n + 0 }'
}

# python3 -c "$with_cpu_time" FILE COMMAND...: runs COMMAND, writes its CPU time "user sys" (s) to FILE.
with_cpu_time='import resource, subprocess, sys
status = subprocess.call(sys.argv[2:])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%.3f %.3f\n" % (usage.ru_utime, usage.ru_stime))
sys.exit(status)'

# CPU time (utime stime, in clock ticks) of a process.
cpu_ticks() { awk '{print $14, $15}' "/proc/$1/stat" 2>/dev/null || echo "0 0"; }

# run_dnsperf LABEL NS PORT SECONDS RATE|max ROUND: flushes the path's set, runs dnsperf, saves
# its output, the CPU time of the server and the upstream during the run, and the set's size.
run_dnsperf() {
  local label=$1 ns=$2 port=$3 seconds=$4 load=$5 round=$6
  local base="$work/run@$label@$load@$round" args=() before up_before
  if [[ $load = max ]]; then args=(-c 1 -q "$MAX_OUTSTANDING"); else args=(-c 1 -q 100 -Q "$load"); fi
  if ((SECONDS > BUDGET_SECONDS - seconds - 30)); then
    log "dns_nft_bench: time budget used up, skipping $label at $load (round $round)"
    return 0
  fi
  log "dns_nft_bench: round $round: $label at $load q/s for ${seconds}s"
  flush_set "$label"
  write_metrics "$label" "$base.metrics-before"
  # Flushing every second keeps every answer a new element even when the run wraps around the names.
  (while sleep 1; do flush_set "$label"; done) </dev/null >/dev/null 2>&1 &
  local flusher=$!
  before=$(cpu_ticks "${server_pid[$label]}")
  up_before=$(cpu_ticks "$upstream_pid")
  timeout $((seconds + 10)) python3 -c "$with_cpu_time" "$base.client" ip netns exec "$ns" dnsperf -s 127.0.0.1 \
    -p "$port" -d "$work/queries.txt" -l "$seconds" -t 2 -v "${args[@]}" >"$base.txt" 2>&1 ||
    log "dns_nft_bench: dnsperf $label $load failed"
  echo "$before $(cpu_ticks "${server_pid[$label]}") $up_before $(cpu_ticks "$upstream_pid")" >"$base.cpu"
  kill "$flusher" 2>/dev/null || true
  wait "$flusher" 2>/dev/null || true
  set_size "$label" >"$base.set"
  write_metrics "$label" "$base.metrics-after"
}

# The dns+nft sidecar's histogram of answer -> kernel acknowledgement times, for the report.
write_metrics() {
  [[ $1 = dns+nft ]] || return 0
  ip netns exec osnftb-nft curl -s --max-time 2 http://127.0.0.1:18080/metrics |
    grep '^egress_nft_dynamic_write_seconds_bucket' >"$2" || true
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
  make_names
  start_upstream
  start_egress dns osnftb-dns dns
  start_egress dns+nft osnftb-nft dns+nft
  start_dnsmasq_nftset
  sleep 1

  # label namespace port
  local paths=(
    "dns osnftb-dns 15353"
    "dns+nft osnftb-nft 15353"
    "dnsmasq-nftset osnftb-dnsmasq 53"
  )
  local round path label ns port
  for ((round = 1; round <= ROUNDS; round++)); do
    for path in "${paths[@]}"; do
      read -r label ns port <<<"$path"
      run_dnsperf "$label" "$ns" "$port" "$RATE_SECONDS" "$RATE" "$round"
    done
    for path in "${paths[@]}"; do
      read -r label ns port <<<"$path"
      run_dnsperf "$label" "$ns" "$port" "$MAX_SECONDS" max "$round"
    done
  done
  for label in dns dns+nft dnsmasq-nftset; do
    kill -0 "${server_pid[$label]}" 2>/dev/null ||
      log "dns_nft_bench: $label (pid ${server_pid[$label]}) exited during the run; its figures are partial"
  done
  cut -d' ' -f1-3 /proc/loadavg >"$work/load-after"
  report
}

report() {
  python3 - "$work" "$RATE" "$(getconf CLK_TCK)" <<'EOF'
import glob, os, re, sys
work, rate, clk_tck = sys.argv[1], sys.argv[2], int(sys.argv[3])
nan = float("nan")
labels = ("dns", "dns+nft", "dnsmasq-nftset")

def parse(path):
    lat, stats, rcodes = [], {}, ""
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
                rcodes = m.group(1)
    return lat, stats, rcodes

rows, per_round = {}, {}
for path in sorted(glob.glob(os.path.join(work, "run@*.txt"))):
    _, label, load, rnd = os.path.basename(path)[:-4].split("@")
    lat, stats, rcodes = parse(path)
    r = rows.setdefault((label, load), dict(lat=[], completed=0, lost=0, runtime=0.0, cpu=[0, 0], up=[0, 0],
                                            rcodes={}, client=0.0, set_max=0))
    r["lat"] += lat
    r["completed"] += int(stats.get("completed", 0))
    r["lost"] += int(stats.get("lost", 0))
    r["runtime"] += stats.get("runtime", 0.0)
    if stats.get("runtime"):
        per_round.setdefault((label, load), []).append(stats.get("completed", 0) / stats["runtime"])
    for code, count in re.findall(r"([A-Z]+) (\d+)", rcodes):
        r["rcodes"][code] = r["rcodes"].get(code, 0) + int(count)
    try:
        r["client"] += sum(float(x) for x in open(path[:-4] + ".client").read().split()[-2:])
    except (OSError, ValueError):
        pass
    cpu = [int(x) for x in open(path[:-4] + ".cpu").read().split()]
    r["cpu"][0] += cpu[2] - cpu[0]
    r["cpu"][1] += cpu[3] - cpu[1]
    r["up"][0] += cpu[6] - cpu[4]
    r["up"][1] += cpu[7] - cpu[5]
    try:
        r["set_max"] = max(r["set_max"], int(open(path[:-4] + ".set").read().split()[0]))
    except (OSError, ValueError, IndexError):
        pass
for r in rows.values():
    r["lat"].sort()
    r["qps"] = r["completed"] / r["runtime"] if r["runtime"] else nan
    pct = lambda p: r["lat"][min(len(r["lat"]) - 1, int(p / 100.0 * len(r["lat"])))] * 1e6 if r["lat"] else nan
    r["p50"], r["p99"] = pct(50), pct(99)
    r["cpu_us"] = [t * 1e6 / clk_tck / r["completed"] if r["completed"] else nan for t in r["cpu"]]
    r["up_us"] = sum(r["up"]) * 1e6 / clk_tck / r["completed"] if r["completed"] else nan
    r["client_us"] = r["client"] * 1e6 / r["completed"] if r["completed"] else nan

def get(label, load, key):
    r = rows.get((label, load))
    return r[key] if r else nan

print()
print("load average (1, 5, 15 min) before: %s, after: %s" % (open(work + "/load-before").read().strip(),
      open(work + "/load-after").read().strip()))
print("CPU µs/query: CPU time (user+sys) the server under test spent per answered query; 'upstream' is the")
print("upstream's share, 'dnsperf' the load generator's own. 'set' is the largest number of elements in the")
print("path's set at the end of a run (flushed every second, so a check that answers were written, not a count).")
print()
print("%-14s %-5s %8s %8s %5s %8s %8s  %-17s %8s %8s %6s  %s" % ("path", "load", "q/s", "answered", "lost", "p50 µs",
      "p99 µs", "CPU µs/q usr+sys", "upstream", "dnsperf", "set", "responses"))
for label in labels:
    for load in (rate, "max"):
        r = rows.get((label, load))
        if not r:
            continue
        cpu = "%4.1f+%4.1f=%5.1f" % (r["cpu_us"][0], r["cpu_us"][1], sum(r["cpu_us"]))
        print("%-14s %-5s %8.0f %8d %5d %8.0f %8.0f  %-17s %8.1f %8.1f %6d  %s" % (label, load, r["qps"], r["completed"],
              r["lost"], r["p50"], r["p99"], cpu, r["up_us"], r["client_us"], r["set_max"],
              " ".join("%s %d" % kv for kv in sorted(r["rcodes"].items()))))
print()
print("Maximum q/s per round:")
for label in labels:
    print("  %-14s %s" % (label, "  ".join("%.0f" % q for q in per_round.get((label, "max"), []))))

def write_histogram(load):
    deltas = {}
    for before in glob.glob(os.path.join(work, "run@dns+nft@%s@*.metrics-before" % load)):
        after = before[:-len("before")] + "after"
        counts = {}
        for name, sign in ((before, -1), (after, 1)):
            try:
                for line in open(name):
                    m = re.match(r'.*le="([^"]+)"\} (\S+)', line)
                    if m:
                        counts[m.group(1)] = counts.get(m.group(1), 0) + sign * float(m.group(2))
            except OSError:
                pass
        for le, count in counts.items():
            deltas[le] = deltas.get(le, 0) + count
    total = deltas.get("+Inf", 0)
    if not total:
        return "no data"
    bounds = sorted((float(le), c) for le, c in deltas.items() if le != "+Inf")
    out = []
    for p in (50, 99):
        for bound, cumulative in bounds:
            if cumulative >= total * p / 100.0:
                out.append("p%d <= %.0f µs" % (p, bound * 1e6))
                break
        else:
            out.append("p%d > %.0f µs" % (p, bounds[-1][0] * 1e6))
    return "%s (%d answers)" % (", ".join(out), total)

print()
print("dns+nft: answer -> kernel acknowledgement (the sidecar's egress_nft_dynamic_write_seconds):")
print("  at %s q/s: %s" % (rate, write_histogram(rate)))
print("  at max:    %s" % write_histogram("max"))

def verdict(ok):
    return "met" if ok else "MISSED"

print()
print("Goals (each a ratio to figures measured in this run):")
nft_max, dnsmasq_max = get("dns+nft", "max", "qps"), get("dnsmasq-nftset", "max", "qps")
ratio = nft_max / dnsmasq_max if dnsmasq_max else nan
print("  dns+nft max >= 2x dnsmasq --nftset's:  %.0f / %.0f q/s = %.2fx  -> %s" % (nft_max, dnsmasq_max, ratio,
      verdict(ratio >= 2)))
added = get("dns+nft", rate, "p50") - get("dns", rate, "p50")
print("  at %s q/s, p50 added over dns <= 100 µs:  %+.0f µs (%.0f vs %.0f)  -> %s" % (rate, added,
      get("dns+nft", rate, "p50"), get("dns", rate, "p50"), verdict(added <= 100)))
print("  (for scale: dnsmasq --nftset p50 at %s q/s: %.0f µs; p99 dns %.0f, dns+nft %.0f, dnsmasq %.0f µs)" % (rate,
      get("dnsmasq-nftset", rate, "p50"), get("dns", rate, "p99"), get("dns+nft", rate, "p99"),
      get("dnsmasq-nftset", rate, "p99")))
EOF
}

main "$@"
exit 0
