#!/usr/bin/env bash
# DNS proxy benchmark: dnsperf against the egress sidecar's DNS proxy and its baselines, all in
# one run, so that every goal is checked as a ratio to figures measured under the same load:
#
#   direct     dnsperf -> upstream (no proxy in the path)
#   dnsmasq    dnsperf -> dnsmasq as a plain forwarder (--cache-size=0) -> upstream
#   allow      dnsperf -> egress proxy, mode dns, allow-all policy -> upstream
#   deny       dnsperf -> egress proxy, mode dns, every queried name denied (NXDOMAIN, not forwarded)
#   nft-allow  dnsperf -> egress proxy, mode dns+nft, allowed names (each answer's addresses are
#              written to the nft dynamic-allow set before the answer is released) -> upstream
#
# Every path is measured at a fixed 2 000 q/s and at maximum load, reporting queries/s and p50/p99
# latency, plus the proxy's memory idle and after the maximum-load runs, and the CPU time each
# server spent per query. Latency percentiles come from dnsperf -v, which prints every response's
# latency; they are computed over all responses of a path. To keep the comparison fair on a shared,
# noisy machine, all servers run side by side (idle ones cost nothing) and the runs are interleaved:
# ROUNDS rounds, each running every path once at the fixed rate and once at maximum load.
#
# Everything runs in network namespaces this script creates (osbench-*) and removes on exit, even
# on failure or Ctrl-C; the machine's own network namespace is never changed and no packet leaves
# the namespaces. Each dnsperf run is bounded; the whole script stops itself after 5 minutes.
#
#   osbench-up     the upstream DNS server at 10.80.0.1:53: the faster of dnsmasq (authoritative
#                  for bench.test) and the repo's fake-dns-upstream, measured at the start
#   osbench-ref    dnsperf direct to the upstream; dnsmasq forwarder on 127.0.0.1:53   (10.81.0.2)
#   osbench-allow  egress, mode dns, allow-all, 127.0.0.1:15353; dnsperf              (10.82.0.2)
#   osbench-deny   egress, mode dns, deny by default, allow *.bench.test; dnsperf     (10.83.0.2)
#   osbench-nft    egress, mode dns+nft, same policy as deny; dnsperf                 (10.84.0.2)
#
# Queries: 1 000 distinct A names a<N>.bench.test (answer 198.51.100.10), or x<N>.denied.test for
# the deny path. Fixed rate: dnsperf -Q RATE -c 1 -q 100. Maximum load: dnsperf -c 1 -q 500 (no
# rate limit; one socket, up to 500 queries outstanding). dnsperf, the server under test and the
# upstream share the machine's CPUs: the maximum is that of the whole setup, not of the server alone.
#
# Usage (as root):
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DOPENSANDBOX_BUILD_TESTS=ON
#   cmake --build build-bench -j2 --target egress fake-dns-upstream
#   bench/dns_proxy_bench.sh [build-dir]          (default build-dir: build-bench)
# Environment: ROUNDS (2), RATE_SECONDS (5, per round), MAX_SECONDS (4, per round), RATE (2000),
#   MAX_OUTSTANDING (dnsperf -q at maximum load, 500), MAX_THREADS (dnsperf -T and -c at maximum
#   load, 1), UPSTREAM=auto|dnsmasq|fake (auto),
#   KEEP_LOGS=1 (keep the work directory with every dnsperf output), LOG_LEVEL (egress's
#   OPENSANDBOX_EGRESS_LOG_LEVEL, error; info writes the rate-limited per-query event lines).
# Needs: dnsperf, dig, ip, nft, python3, dnsmasq (Debian package dnsmasq-base).
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
MAX_THREADS=${MAX_THREADS:-1}
UPSTREAM=${UPSTREAM:-auto}
LOG_LEVEL=${LOG_LEVEL:-error}
NAMES=1000
BUDGET_SECONDS=300

up=osbench-up
ref=osbench-ref
namespaces=(osbench-up osbench-ref osbench-allow osbench-deny osbench-nft)
upstream_ip=10.80.0.1
egress_bin="$build/egress/egress"
fake_bin="$build/tests/harness/fake-dns-upstream"
work=$(mktemp -d /tmp/osbench.XXXXXX)
pids=()
watchdog=
upstream_pid=
declare -A server_pid

log() { printf '%s\n' "$*" >&2; }
die() { log "dns_proxy_bench: $*"; exit 1; }

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
  if [[ ${KEEP_LOGS:-0} = 1 ]]; then log "dns_proxy_bench: logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'log "dns_proxy_bench: interrupted"; exit 130' INT TERM HUP

check_tools() {
  [[ $(id -u) -eq 0 ]] || die "run as root (it creates network namespaces)"
  for tool in dnsperf dig ip nft python3 dnsmasq; do
    command -v "$tool" >/dev/null || die "$tool not found (scripts/setup.sh installs it)"
  done
  [[ -x $egress_bin ]] || die "$egress_bin not built (see the usage comment)"
  [[ -x $fake_bin ]] || die "$fake_bin not built (see the usage comment)"
}

# The upstream namespace holds 10.80.0.1 on its loopback and one veth per client namespace.
make_namespaces() {
  local ns subnet=81
  for ns in "${namespaces[@]}"; do
    if ip netns list | grep -qE "^$ns( |$)"; then
      log "dns_proxy_bench: removing $ns left by an earlier run"
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
    ip -n "$ns" link add eth0 type veth peer name "to-${ns#osbench-}" netns "$up"
    ip -n "$ns" addr add "10.$subnet.0.2/24" dev eth0
    ip -n "$up" addr add "10.$subnet.0.1/24" dev "to-${ns#osbench-}"
    ip -n "$ns" link set eth0 up
    ip -n "$up" link set "to-${ns#osbench-}" up
    ip -n "$ns" route add default via "10.$subnet.0.1"
    subnet=$((subnet + 1))
  done
}

make_query_files() {
  local i
  for ((i = 0; i < NAMES; i++)); do echo "a$i.bench.test A"; done >"$work/allowed.txt"
  for ((i = 0; i < NAMES; i++)); do echo "x$i.denied.test A"; done >"$work/denied.txt"
}

# Waits until server:port in namespace ns answers a1.bench.test; non-zero after about 5 s.
wait_for_dns() {
  local ns=$1 server=$2 port=$3 _
  for _ in $(seq 50); do
    ip netns exec "$ns" dig +short +time=1 +tries=1 @"$server" -p "$port" a1.bench.test 2>/dev/null |
      grep -q '^198\.51\.100\.10$' && return 0
    sleep 0.1
  done
  return 1
}

start_upstream() {
  local kind=$1
  if [[ $kind = dnsmasq ]]; then
    ip netns exec "$up" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --pid-file \
      --user=root --log-facility=- --address=/bench.test/198.51.100.10 \
      --listen-address="$upstream_ip" --bind-interfaces -p 53 --cache-size=0 \
      >"$work/upstream-$kind.log" 2>&1 &
  else
    local records=() i
    for ((i = 0; i < NAMES; i++)); do records+=(--record "a$i.bench.test=198.51.100.10"); done
    "$fake_bin" --netns "$up" --listen "$upstream_ip:53" --ttl 300 "${records[@]}" \
      >"$work/upstream-$kind.log" 2>&1 &
  fi
  upstream_pid=$!
  pids+=("$upstream_pid")
  wait_for_dns "$ref" "$upstream_ip" 53 || die "upstream $kind did not come up: $(cat "$work/upstream-$kind.log")"
}

stop_pid() {
  local pid=$1 _
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# python3 -c "$with_cpu_time" FILE COMMAND...: runs COMMAND, writes its CPU time "user sys" (s) to FILE.
with_cpu_time='import resource, subprocess, sys
status = subprocess.call(sys.argv[2:])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%.3f %.3f\n" % (usage.ru_utime, usage.ru_stime))
sys.exit(status)'

# CPU time (utime stime, in clock ticks) of a process.
cpu_ticks() { awk '{print $14, $15}' "/proc/$1/stat" 2>/dev/null || echo "0 0"; }

# Memory of a process: VmRSS RssAnon RssFile (from status) and Pss (smaps_rollup), in kB.
memory_kb() {
  local rss anon file pss
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$1/status")
  anon=$(awk '/^RssAnon:/ {print $2}' "/proc/$1/status")
  file=$(awk '/^RssFile:/ {print $2}' "/proc/$1/status")
  pss=$(awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup")
  echo "$rss $anon $file $pss"
}

# run_dnsperf LABEL NS SERVER PORT QUERYFILE SECONDS RATE|max ROUND
# Saves dnsperf's output (with -v: one line per response) and the CPU time the server under
# test (server_pid[LABEL]) and the upstream spent during the run.
run_dnsperf() {
  local label=$1 ns=$2 server=$3 port=$4 queries=$5 seconds=$6 load=$7 round=$8
  local base="$work/run@$label@$load@$round" args=() before up_before
  if [[ $load = max ]]; then
    args=(-T "$MAX_THREADS" -c "$MAX_THREADS" -q "$MAX_OUTSTANDING")
  else
    args=(-c 1 -q 100 -Q "$load")
  fi
  if ((SECONDS > BUDGET_SECONDS - seconds - 20)); then
    log "dns_proxy_bench: time budget used up, skipping $label at $load (round $round)"
    return 0
  fi
  log "dns_proxy_bench: round $round: $label at $load q/s for ${seconds}s"
  before=$(cpu_ticks "${server_pid[$label]}")
  up_before=$(cpu_ticks "$upstream_pid")
  # with_cpu_time writes dnsperf's own CPU time (user and sys seconds) to $base.client
  timeout $((seconds + 10)) python3 -c "$with_cpu_time" "$base.client" ip netns exec "$ns" dnsperf -s "$server" \
    -p "$port" -d "$queries" -l "$seconds" -t 2 -v "${args[@]}" >"$base.txt" 2>&1 ||
    log "dns_proxy_bench: dnsperf $label $load failed"
  echo "$before $(cpu_ticks "${server_pid[$label]}") $up_before $(cpu_ticks "$upstream_pid")" >"$base.cpu"
}

choose_upstream() {
  if [[ $UPSTREAM != auto ]]; then
    start_upstream "$UPSTREAM"
    echo "$UPSTREAM" >"$work/upstream"
    return
  fi
  local kind best=fake best_qps=-1 qps
  for kind in fake dnsmasq; do
    start_upstream "$kind"
    server_pid[upstream-$kind]=$upstream_pid
    run_dnsperf "upstream-$kind" "$ref" "$upstream_ip" 53 "$work/allowed.txt" 4 max 1
    qps=$(awk '/Queries per second:/ {print int($4)}' "$work/run@upstream-$kind@max@1.txt")
    if ((${qps:-0} > best_qps)); then best=$kind best_qps=${qps:-0}; fi
    stop_pid "$upstream_pid"
  done
  echo "$best" >"$work/upstream"
  start_upstream "$best"
}

# start_egress LABEL NS MODE POLICY: starts egress in ns, waits until it answers.
start_egress() {
  local label=$1 ns=$2 mode=$3 policy=$4
  mkdir -p "$work/rules-$label"
  ip netns exec "$ns" env OPENSANDBOX_EGRESS_MODE="$mode" OPENSANDBOX_EGRESS_RULES="$policy" \
    OPENSANDBOX_EGRESS_DNS_UPSTREAM="$upstream_ip" OPENSANDBOX_EGRESS_ALWAYS_RULES_DIR="$work/rules-$label" \
    OPENSANDBOX_EGRESS_LOG_LEVEL="$LOG_LEVEL" "$egress_bin" >"$work/egress-$label.log" 2>&1 &
  server_pid[$label]=$!
  pids+=("$!")
  # every policy here allows a1.bench.test, the name the readiness check asks for
  wait_for_dns "$ns" 127.0.0.1 15353 || die "egress ($label) did not come up: $(tail -20 "$work/egress-$label.log")"
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
  make_namespaces
  make_query_files
  choose_upstream
  server_pid[direct]=$upstream_pid

  ip netns exec "$ref" dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --pid-file \
    --user=root --log-facility=- --server="$upstream_ip" --listen-address=127.0.0.1 --bind-interfaces \
    -p 53 --cache-size=0 --dns-forward-max=1000 >"$work/dnsmasq-forwarder.log" 2>&1 &
  server_pid[dnsmasq]=$!
  pids+=("$!")
  wait_for_dns "$ref" 127.0.0.1 53 || die "dnsmasq forwarder did not come up: $(cat "$work/dnsmasq-forwarder.log")"

  # The wildcard guard runs (its cost is measured) with a budget wide enough for every query name.
  local deny_policy='{"defaultAction":"deny","egress":[{"action":"allow","target":"*.bench.test"}],"wildcardGuard":{"newNamesPerMinute":1000000,"newNamesBurst":1000000}}'
  start_egress allow osbench-allow dns '{"defaultAction":"allow"}'
  start_egress deny osbench-deny dns "$deny_policy"
  start_egress nft-allow osbench-nft dns+nft "$deny_policy"
  sleep 1
  local label
  for label in dnsmasq allow deny nft-allow; do
    echo "$label idle $(memory_kb "${server_pid[$label]}")" >>"$work/memory"
  done

  # label namespace server port queries
  local paths=(
    "direct $ref $upstream_ip 53 allowed"
    "dnsmasq $ref 127.0.0.1 53 allowed"
    "allow osbench-allow 127.0.0.1 15353 allowed"
    "deny osbench-deny 127.0.0.1 15353 denied"
    "nft-allow osbench-nft 127.0.0.1 15353 allowed"
  )
  local round path ns server port queries
  for ((round = 1; round <= ROUNDS; round++)); do
    for path in "${paths[@]}"; do
      read -r label ns server port queries <<<"$path"
      run_dnsperf "$label" "$ns" "$server" "$port" "$work/$queries.txt" "$RATE_SECONDS" "$RATE" "$round"
    done
    for path in "${paths[@]}"; do
      read -r label ns server port queries <<<"$path"
      run_dnsperf "$label" "$ns" "$server" "$port" "$work/$queries.txt" "$MAX_SECONDS" max "$round"
    done
  done
  for label in dnsmasq allow deny nft-allow; do
    if kill -0 "${server_pid[$label]}" 2>/dev/null; then
      echo "$label loaded $(memory_kb "${server_pid[$label]}")" >>"$work/memory"
    else
      log "dns_proxy_bench: $label (pid ${server_pid[$label]}) exited during the run; its figures are partial"
    fi
  done
  report
}

report() {
  python3 - "$work" "$RATE" "$(getconf CLK_TCK)" <<'EOF'
import glob, math, os, re, sys
work, rate, clk_tck = sys.argv[1], sys.argv[2], int(sys.argv[3])
upstream = open(os.path.join(work, "upstream")).read().strip()
nan = float("nan")

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
            for key, pattern in (("sent", r"Queries sent:\s+(\d+)"), ("completed", r"Queries completed:\s+(\d+)"),
                                 ("lost", r"Queries lost:\s+(\d+)"), ("runtime", r"Run time \(s\):\s+([\d.]+)")):
                m = re.search(pattern, line)
                if m:
                    stats[key] = float(m.group(1))
            m = re.search(r"Response codes:\s+(.*)", line)
            if m:
                rcodes = m.group(1)
    return lat, stats, rcodes

rows = {}
for path in sorted(glob.glob(os.path.join(work, "run@*.txt"))):
    _, label, load, _round = os.path.basename(path)[:-4].split("@")
    lat, stats, rcodes = parse(path)
    r = rows.setdefault((label, load), dict(lat=[], completed=0, lost=0, runtime=0.0, cpu=[0, 0], up=[0, 0], rcodes={},
                                            client=0.0))
    r["lat"] += lat
    r["completed"] += int(stats.get("completed", 0))
    r["lost"] += int(stats.get("lost", 0))
    r["runtime"] += stats.get("runtime", 0.0)
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
print("upstream: %s at 10.80.0.1:53" % upstream)
for kind in ("fake", "dnsmasq"):
    if ("upstream-" + kind, "max") in rows:
        print("  candidate %-8s max %7.0f q/s (direct, 4 s)" % (kind, get("upstream-" + kind, "max", "qps")))
print()
print("CPU µs/query: CPU time (user+sys) the server under test spent per answered query during the run;")
print("for 'direct' the server is the upstream itself. 'upstream' is the upstream's share on proxied paths,")
print("'dnsperf' the load generator's own.")
print()
print("%-9s %-5s %8s %8s %5s %8s %8s  %-17s %8s %8s  %s" % ("path", "load", "q/s", "answered", "lost", "p50 µs", "p99 µs",
                                                          "CPU µs/q usr+sys", "upstream", "dnsperf", "responses"))
for label in ("direct", "dnsmasq", "allow", "deny", "nft-allow"):
    for load in (rate, "max"):
        r = rows.get((label, load))
        if not r:
            continue
        cpu = "%4.1f+%4.1f=%5.1f" % (r["cpu_us"][0], r["cpu_us"][1], sum(r["cpu_us"]))
        up = "-" if label == "direct" else "%.1f" % r["up_us"]
        print("%-9s %-5s %8.0f %8d %5d %8.0f %8.0f  %-17s %8s %8.1f  %s" % (label, load, r["qps"], r["completed"], r["lost"],
              r["p50"], r["p99"], cpu, up, r["client_us"], " ".join("%s %d" % kv for kv in sorted(r["rcodes"].items()))))
print()
print("Memory, kB (VmRSS = RssAnon + RssFile; Pss shares library pages among the processes mapping them):")
memory = {}
for line in open(os.path.join(work, "memory")):
    f = line.split()
    memory[(f[0], f[1])] = [int(x) for x in f[2:]]
print("  %-9s %-7s %7s %7s %7s %7s" % ("server", "when", "VmRSS", "RssAnon", "RssFile", "Pss"))
for label in ("dnsmasq", "allow", "deny", "nft-allow"):
    for when in ("idle", "loaded"):
        if (label, when) in memory:
            print("  %-9s %-7s %7d %7d %7d %7d" % ((label, when) + tuple(memory[(label, when)])))

def verdict(ok):
    return "met" if ok else "MISSED"

print()
print("Goals (each a ratio to figures measured in this run):")
allow_max, dnsmasq_max = get("allow", "max", "qps"), get("dnsmasq", "max", "qps")
ratio = allow_max / dnsmasq_max if dnsmasq_max else nan
print("  allowed-path max >= 1.7x dnsmasq's:   %.0f / %.0f q/s = %.2fx  -> %s" % (allow_max, dnsmasq_max, ratio, verdict(ratio >= 1.7)))
deny_max = get("deny", "max", "qps")
print("  denied path >= 100 000 q/s:           %.0f q/s = %.2fx the goal  -> %s" % (deny_max, deny_max / 1e5, verdict(deny_max >= 1e5)))
d50 = get("allow", rate, "p50") - get("direct", rate, "p50")
d99 = get("allow", rate, "p99") - get("direct", rate, "p99")
print("  at %s q/s, added p50 <= 50 µs:      %+.0f µs (%.0f vs direct %.0f)  -> %s"
      % (rate, d50, get("allow", rate, "p50"), get("direct", rate, "p50"), verdict(d50 <= 50)))
print("  at %s q/s, added p99 <= 300 µs:     %+.0f µs (%.0f vs direct %.0f)  -> %s"
      % (rate, d99, get("allow", rate, "p99"), get("direct", rate, "p99"), verdict(d99 <= 300)))
print("  (for scale: dnsmasq as a forwarder adds %+.0f µs at p50 and %+.0f µs at p99 over direct)"
      % (get("dnsmasq", rate, "p50") - get("direct", rate, "p50"), get("dnsmasq", rate, "p99") - get("direct", rate, "p99")))
idle = memory.get(("allow", "idle"), [0])[0]
print("  idle RSS <= 5 MB (5 120 kB):           %d kB VmRSS  -> %s" % (idle, verdict(0 < idle <= 5120)))
EOF
}

main "$@"
exit 0
