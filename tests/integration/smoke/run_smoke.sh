#!/usr/bin/env bash
# Integration test of the smoke/ operator scripts: builds a throw-away copy of the demo's set-up
# (a sandbox namespace running the real egress binary, and an "internet" namespace with a DNS
# server and web servers for *.demo names), runs one smoke script against it and asserts that it
# passes and leaves the policy as it found it. Also asserts that the scripts do fail when they
# should (wrong mode, wrong token), so a pass is not vacuous.
#
#   run_smoke.sh --egress PATH --dns-server PATH --smoke-dir DIR --script smoke-nft.sh --mode dns+nft
#
# Needs root and `ip netns`; exits 77 (skipped) otherwise. Everything happens inside the two
# namespaces it creates (names unique to this run) and removes on exit, even on failure; the
# sandbox's only route leads to the "internet" namespace, which has no way out.
set -euo pipefail

egress="" dns_server="" smoke_dir="" script="" mode=""
while (($#)); do
  case $1 in
    --egress) egress=$2 ;;
    --dns-server) dns_server=$2 ;;
    --smoke-dir) smoke_dir=$2 ;;
    --script) script=$2 ;;
    --mode) mode=$2 ;;
    *) echo "run_smoke.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
for value in egress dns_server smoke_dir script mode; do
  [[ -n ${!value} ]] || { echo "run_smoke.sh: --${value//_/-} is required" >&2; exit 2; }
done

# shellcheck source=scripts/demo_topology.sh
. "$(dirname "$0")/../../../scripts/demo_topology.sh"

skip() { echo "SKIPPED: $*"; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, nftables)"
ip netns list >/dev/null 2>&1 || skip "ip netns is not available"
for tool in curl dig nft /usr/bin/python3; do
  command -v "$tool" >/dev/null || skip "$tool is not installed"
done
[[ -x $egress && -x $dns_server ]] || { echo "run_smoke.sh: missing binaries $egress $dns_server" >&2; exit 1; }

# The sidecar must see only what this test sets.
while read -r name; do unset "$name"; done < <(compgen -e | grep '^OPENSANDBOX_' || true)

prefix=ossmoke
# Namespaces of earlier runs that were killed (e.g. by a ctest timeout) carry a dead PID: remove them.
while read -r stale _; do
  [[ $stale =~ ^$prefix-([0-9]+)- ]] || continue
  kill -0 "${BASH_REMATCH[1]}" 2>/dev/null && continue
  ip netns pids "$stale" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
  # fake-dns-upstream runs in this namespace and only opens its sockets in $stale.
  pgrep -f -- "--netns $stale --" | xargs -r kill -KILL 2>/dev/null || true
  ip netns del "$stale" 2>/dev/null || true
  rm -rf "/etc/netns/$stale" "/tmp/${stale%-[sn]}".??????
done < <(ip netns list)

run_id="$prefix-$$-$(printf '%04x' $((RANDOM)))"
sandbox="$run_id-s"
internet="$run_id-n"
work=$(mktemp -d "/tmp/$run_id.XXXXXX")
token=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
pids=()
egress_pid=""
failures=0
initial_policy='{"defaultAction":"deny","egress":[{"action":"allow","target":"*.allowed.demo"},{"action":"allow","target":"cdn.demo"}]}'
hosts=(198.51.100.10 198.51.100.20 198.51.100.30)

cleanup() {
  local status=$?
  trap - EXIT INT TERM HUP
  if ((status != 0)) && [[ -f $work/egress.log ]]; then
    echo "---- egress log (last 30 lines) ----"
    tail -n 30 "$work/egress.log"
  fi
  for pid in ${egress_pid:+"$egress_pid"} "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for ns in "$sandbox" "$internet"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "/etc/netns/$ns"
  done
  wait 2>/dev/null || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

in_sandbox() { ip netns exec "$sandbox" "$@"; }

make_namespaces() {
  make_demo_topology "$sandbox" "$internet" "${hosts[@]}"
}

# wait_until TRIES COMMAND...: retries every 0.1 s.
wait_until() {
  local tries=$1
  shift
  for ((i = 0; i < tries; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

start_internet() {
  "$dns_server" --netns "$internet" --listen 10.78.0.1:53 --ttl 120 \
    --record pypi.allowed.demo=198.51.100.10 --record files.allowed.demo=CNAME:cdn.demo \
    --record cdn.demo=198.51.100.20 --record exfil.evil.demo=198.51.100.30 >"$work/dns.log" 2>&1 &
  pids+=($!)
  for host in "${hosts[@]}"; do
    mkdir -p "$work/www-$host"
    echo "hello from $host" >"$work/www-$host/index.html"
    ip netns exec "$internet" /usr/bin/python3 -m http.server 80 --bind "$host" --directory "$work/www-$host" \
      >"$work/http-$host.log" 2>&1 &
    pids+=($!)
  done
  wait_until 50 ip netns exec "$internet" dig +time=1 +tries=1 +short @10.78.0.1 cdn.demo ||
    { echo "the test DNS server did not come up: $(cat "$work/dns.log")"; exit 1; }
  for host in "${hosts[@]}"; do
    wait_until 100 ip netns exec "$internet" curl -sf --max-time 1 "http://$host/" ||
      { echo "the web server on $host did not come up: $(cat "$work/http-$host.log")"; exit 1; }
  done
}

start_egress() {
  mkdir -p "$work/rules"
  in_sandbox env OPENSANDBOX_EGRESS_MODE="$mode" OPENSANDBOX_EGRESS_RULES="$initial_policy" \
    OPENSANDBOX_EGRESS_TOKEN="$token" OPENSANDBOX_EGRESS_DNS_UPSTREAM=10.78.0.1 \
    OPENSANDBOX_EGRESS_ALWAYS_RULES_DIR="$work/rules" "$egress" >"$work/egress.log" 2>&1 &
  egress_pid=$!
  for _ in $(seq 100); do
    kill -0 "$egress_pid" 2>/dev/null || { echo "egress exited during start-up"; exit 1; }
    [[ $(in_sandbox curl -s --max-time 1 http://127.0.0.1:18080/healthz 2>/dev/null || true) == ok ]] && return
    sleep 0.1
  done
  echo "egress did not answer /healthz within 10 s"
  exit 1
}

current_policy() {
  in_sandbox curl -s --max-time 5 -H "OPENSANDBOX-EGRESS-AUTH: $token" http://127.0.0.1:18080/policy |
    sed -n 's/^.*"policy":\(.*\)}[[:space:]]*$/\1/p'
}

# run_script NAME EXPECTED-STATUS LOG [ARGS...]: runs a smoke script against the sandbox.
run_script() {
  local name=$1 expected=$2 log=$3 status=0
  shift 3
  "$smoke_dir/$name" --netns "$sandbox" --timeout 1 "$@" >"$log" 2>&1 || status=$?
  if [[ $expected == 0 && $status == 0 ]] || [[ $expected != 0 && $status != 0 ]]; then
    return 0
  fi
  return 1
}

make_namespaces
start_internet
start_egress
policy_before=$(current_policy)
[[ -n $policy_before ]] || { echo "cannot read the policy through the API"; exit 1; }
echo "sandbox $sandbox, egress $mode, policy $policy_before"

# expect LABEL COMMAND...: one assertion of this test.
expect() {
  local label=$1
  shift
  if "$@"; then
    echo "ok: $label"
  else
    echo "NOT OK: $label"
    failures=$((failures + 1))
  fi
}
policy_unchanged() { [[ $(current_policy) == "$policy_before" ]]; }
# log_has LOG REGEX / log_lacks LOG REGEX
log_has() { grep -qE "$2" "$1"; }
log_lacks() { ! grep -qE "$2" "$1"; }

# 1. The script under test passes (token from the environment for smoke-nft, --token otherwise).
log="$work/${script%.sh}.log"
if [[ $script == smoke-nft.sh ]]; then
  OPENSANDBOX_EGRESS_TOKEN=$token run_script "$script" 0 "$log" && passed=true || passed=false
else
  run_script "$script" 0 "$log" --token "$token" && passed=true || passed=false
fi
cat "$log"
expect "$script passes against egress in mode $mode" "$passed"
expect "$script reports no FAIL line" log_lacks "$log" '^FAIL'
expect "$script ran at least 15 checks" test "$(grep -c '^PASS' "$log")" -ge 15
expect "$script reports the policy restored" log_has "$log" '^PASS  original policy restored$'
expect "the policy is as before" policy_unchanged

# 2. The scripts fail when they should, and then leave the policy alone.
expect "$script fails with a wrong token" run_script "$script" 1 "$work/wrong-token.log" --token "not-$token"
if [[ $mode == dns ]]; then
  for needs_nft in smoke-nft.sh smoke-dynamic-ip.sh; do
    expect "$needs_nft fails against mode dns" run_script "$needs_nft" 1 "$work/wrong-mode.log" --token "$token"
    expect "$needs_nft says it needs dns+nft" log_has "$work/wrong-mode.log" 'needs OPENSANDBOX_EGRESS_MODE=dns\+nft'
  done
elif [[ $script == smoke-dynamic-ip.sh ]]; then
  # An impossible expectation must come out as FAIL: 198.51.100.10 is what the allowed name
  # resolves to, so it cannot stay unreachable.
  expect "$script fails when told 198.51.100.10 is never resolved" \
    run_script "$script" 1 "$work/negative.log" --token "$token" --unresolved-ip 198.51.100.10
  expect "... with a FAIL line for its reachability" \
    log_has "$work/negative.log" '^FAIL  http://198.51.100.10/, never resolved, is blocked'
  expect "... and still restores the policy" log_has "$work/negative.log" '^PASS  original policy restored$'
fi
expect "the policy is still as before" policy_unchanged
expect "egress is still running" kill -0 "$egress_pid"

if ((failures > 0)); then
  echo "$failures assertion(s) failed"
  exit 1
fi
echo "all assertions passed"
