#!/usr/bin/env bash
# The main job: the egress sidecar (and execd beside it) enforcing a policy on a built-in demo
# setup. Everything runs in two throw-away network namespaces this script creates and removes:
#
#   osdemo-sbx  the sandbox: egress + execd + the "workload" (dig, curl)
#   osdemo-net  a small local "internet": a DNS server for *.demo names and web servers
#
# egress runs in dns+nft mode with a token for its policy API (:18080); the demo shows allowed and
# denied lookups and connections, runtime PATCH/DELETE through the API, /metrics and an operator
# overlay, then stays up (printing the commands to try, smoke/ scripts included) until Ctrl-C.
# The machine's own network namespace is never changed. Usage (as root): scripts/demo.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/demo_topology.sh
. "$root/scripts/demo_topology.sh"
build="$root/build-release"
sandbox=osdemo-sbx
internet=osdemo-net
work=$(mktemp -d /tmp/osdemo.XXXXXX)
pids=()
api_url=http://127.0.0.1:18080
egress_cgroup=''
execd_url=http://127.0.0.1:44772
# The policy API's token (OPENSANDBOX_EGRESS_TOKEN), new for every run.
token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
in_sandbox() { ip netns exec "$sandbox" "$@"; }

cleanup() {
  trap '' INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 0.5
  for ns in "$sandbox" "$internet"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "/etc/netns/$ns"
  done
  [[ -z $egress_cgroup ]] || rmdir "$egress_cgroup" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo; echo "demo: stopping"; exit 0' INT TERM HUP

build_everything() {
  "$root/scripts/setup.sh"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DOPENSANDBOX_BUILD_BENCH=OFF >/dev/null
  cmake --build "$build" -j"$(nproc)" --target egress execd fake-dns-upstream
}

make_namespaces() {
  cleanup_stale=$(ip netns list | grep -E "^($sandbox|$internet)\b" || true)
  [[ -z $cleanup_stale ]] || { echo "demo: removing namespaces left by an earlier run"; cleanup; work=$(mktemp -d /tmp/osdemo.XXXXXX); }
  make_demo_topology "$sandbox" "$internet" 198.51.100.10 198.51.100.20 198.51.100.30
}

start_internet() {
  "$build/tests/harness/fake-dns-upstream" --netns "$internet" --listen 10.78.0.1:53 --ttl 120 \
    --record pypi.allowed.demo=198.51.100.10 --record files.allowed.demo=CNAME:cdn.demo \
    --record cdn.demo=198.51.100.20 --record exfil.evil.demo=198.51.100.30 --log-queries >"$work/dns.log" 2>&1 &
  pids+=($!)
  for host in 198.51.100.10 198.51.100.20 198.51.100.30; do
    mkdir -p "$work/www-$host" && echo "hello from $host" >"$work/www-$host/index.html"
    ip netns exec "$internet" /usr/bin/python3 -m http.server 80 --bind "$host" --directory "$work/www-$host" \
      >"$work/http-$host.log" 2>&1 &
    pids+=($!)
  done
}

start_sidecars() {
  local policy='{"defaultAction":"deny","egress":[{"action":"allow","target":"*.allowed.demo"},{"action":"allow","target":"cdn.demo"}]}'
  mkdir -p "$work/rules"
  # As in a pod, egress runs in a cgroup of its own, by which its own traffic is told apart from the
  # workload's (docs/nftables.md). `ip netns exec` hides the host's cgroup mounts, so the wrapper
  # mounts cgroup2 in its private mount namespace, as a container runtime does.
  local mount name
  mount=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2" && $4 == "/") print $5; break } }' \
    /proc/self/mountinfo | head -n 1)
  name=osdemo-egress
  [[ -z $mount ]] || { egress_cgroup="$mount/$name"; mkdir -p "$egress_cgroup"; }
  in_sandbox sh -c '[ -z "$1" ] || { mount -t cgroup2 cgroup2 /sys/fs/cgroup && echo $$ >"/sys/fs/cgroup/$1/cgroup.procs"; }
    shift; exec "$@"' own-cgroup "${egress_cgroup:+$name}" \
    env OPENSANDBOX_EGRESS_MODE=dns+nft OPENSANDBOX_EGRESS_RULES="$policy" \
    OPENSANDBOX_EGRESS_TOKEN="$token" OPENSANDBOX_EGRESS_ALWAYS_RULES_DIR="$work/rules" \
    "$build/egress/egress" >"$work/egress.log" 2>&1 &
  pids+=($!)
  in_sandbox "$build/execd/execd" >"$work/execd.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do
    if in_sandbox dig +short +time=1 +tries=1 @127.0.0.1 -p 15353 cdn.demo | grep -q 198.51.100.20 &&
      [[ $(in_sandbox curl -s --max-time 1 "$api_url/healthz" || true) == ok ]] &&
      in_sandbox curl -sf --max-time 1 "$execd_url/ping" >/dev/null; then
      return
    fi
    sleep 0.1
  done
  echo "demo: the sidecars did not come up; their logs:" >&2
  cat "$work/egress.log" "$work/execd.log" >&2
  exit 1
}

# The workload's own view: its resolv.conf names the "internet" resolver 10.78.0.1; the sidecar's
# redirect takes the query to the proxy whatever resolver or port-53 address the workload uses.
lookup() { in_sandbox dig +time=2 +tries=1 "$@" | grep -E 'status:|IN\s+(A|CNAME)\s' || true; }
fetch() {
  if out=$(in_sandbox curl -sS --max-time 2 "$1" 2>&1); then echo "connected: $out"; else echo "blocked: $out"; fi
}

# wait_for_status NAME STATUS: until a lookup of NAME answers STATUS (NOERROR, NXDOMAIN), at most ~12 s.
wait_for_status() {
  for _ in $(seq 24); do
    in_sandbox dig +time=1 +tries=1 "$1" | grep -q "status: $2," && return
    sleep 0.5
  done
}

# api METHOD [BODY]: one call to the policy API from inside the sandbox, shown as the command a
# user would type (with $TOKEN for the token), then its answer.
api() {
  local method=$1 args=(-sS --max-time 5 -X "$1" -H "OPENSANDBOX-EGRESS-AUTH: $token")
  local shown="curl -H \"OPENSANDBOX-EGRESS-AUTH: \$TOKEN\" $api_url/policy"
  [[ $method == GET ]] || shown="curl -X $method ${shown#curl }"
  if [[ $# -ge 2 ]]; then
    args+=(-d "$2")
    shown+=" -d '$2'"
  fi
  printf '$ %s\n' "$shown"
  in_sandbox curl "${args[@]}" "$api_url/policy" || true
}

# execd_run COMMAND: runs COMMAND (no double quotes in it) through execd's API, as the OpenSandbox
# server does, and prints the text of its output events.
execd_run() {
  printf '$ curl -X POST %s/command -d %s\n' "$execd_url" "'{\"command\":\"$1\"}'"
  in_sandbox curl -sS --max-time 10 -X POST -H 'Content-Type: application/json' \
    -d "{\"command\":\"$1\"}" "$execd_url/command" |
    grep -oE '"type":"(stdout|stderr)","text":"[^"]*"|"type":"(execution_complete|error)"' || true
}

show_execd() {
  say "execd beside it ($execd_url): commands run through its API are held to the same policy"
  execd_run "curl -sS --max-time 2 http://pypi.allowed.demo/"
  execd_run "curl -sS --max-time 2 http://exfil.evil.demo/"
  say "execd's /metrics: the sandbox's CPUs and memory"
  in_sandbox curl -sS --max-time 5 "$execd_url/metrics" && echo
}

show_enforcement() {
  say "policy: deny by default; allow *.allowed.demo and cdn.demo (mode dns+nft)"
  say "allowed name: pypi.allowed.demo resolves, and its address is now reachable"
  lookup pypi.allowed.demo
  fetch http://pypi.allowed.demo/
  say "allowed CNAME chain: files.allowed.demo -> cdn.demo"
  lookup files.allowed.demo
  fetch http://files.allowed.demo/
  say "denied name: exfil.evil.demo gets NXDOMAIN, even asked of another resolver, and is never forwarded"
  lookup exfil.evil.demo
  lookup @10.78.0.99 exfil.evil.demo
  echo "queries for evil.demo that reached the real DNS server: $(grep -c 'evil.demo' "$work/dns.log" || true)"
  say "its address, known by other means, is unreachable: nothing was learned for it"
  fetch http://198.51.100.30/
  say "DNS over TLS (port 853) is dropped even to an allowed address"
  fetch http://pypi.allowed.demo:853/
}

show_api() {
  say "the policy API on :18080 (OPENSANDBOX_EGRESS_TOKEN is set: /policy wants the token)"
  echo "without the token: HTTP $(in_sandbox curl -s -o /dev/null -w '%{http_code}' "$api_url/policy")"
  api GET
  say "PATCH at runtime: a specific allow overrides the default deny for exfil.evil.demo"
  api PATCH '[{"action":"allow","target":"exfil.evil.demo"}]'
  lookup exfil.evil.demo
  fetch http://exfil.evil.demo/
  say "PATCH the other way: a specific deny overrides the allowed wildcard *.allowed.demo"
  api PATCH '[{"action":"deny","target":"pypi.allowed.demo"}]'
  lookup pypi.allowed.demo
  fetch http://pypi.allowed.demo/
  echo "the address learned for it is withdrawn from dyn_allow_v4 as well:"
  fetch http://198.51.100.10/
  echo "other names below the wildcard still resolve:"
  lookup files.allowed.demo
  say "DELETE both patched rules: back to the starting policy"
  api DELETE '["pypi.allowed.demo","exfil.evil.demo"]'
  api GET
  lookup pypi.allowed.demo
  fetch http://pypi.allowed.demo/
  lookup exfil.evil.demo
  fetch http://198.51.100.30/
  say "/metrics (no token needed): DNS decisions and policy updates"
  in_sandbox curl -s "$api_url/metrics" | grep -E '^egress_(dns_queries_total|policy_updates_total)' || true
}

show_overlay() {
  say "an operator's deny.always overlay: pypi.allowed.demo is denied without a restart"
  echo "pypi.allowed.demo" >"$work/rules/deny.always"
  wait_for_status pypi.allowed.demo NXDOMAIN
  lookup pypi.allowed.demo
  fetch http://pypi.allowed.demo/
  fetch http://198.51.100.10/
  say "emptying deny.always lifts it again"
  : >"$work/rules/deny.always"
  wait_for_status pypi.allowed.demo NOERROR
  lookup pypi.allowed.demo
  fetch http://pypi.allowed.demo/
}

build_everything
make_namespaces
start_internet
start_sidecars
show_enforcement
show_execd
show_api
show_overlay

cat <<EOM

The sidecar is running in network namespace $sandbox. Try, in another terminal:
  ip netns exec $sandbox dig files.allowed.demo
  ip netns exec $sandbox curl http://files.allowed.demo/
  ip netns exec $sandbox dig anything.else.demo
  ip netns exec $sandbox nft list table inet opensandbox

The policy API, from inside the sandbox namespace (token of this run: $token):
  TOKEN=$token
  ip netns exec $sandbox curl -H "OPENSANDBOX-EGRESS-AUTH: \$TOKEN" $api_url/policy
  ip netns exec $sandbox curl -X PATCH -H "OPENSANDBOX-EGRESS-AUTH: \$TOKEN" $api_url/policy \\
      -d '[{"action":"allow","target":"exfil.evil.demo"}]'
  ip netns exec $sandbox curl -X DELETE -H "OPENSANDBOX-EGRESS-AUTH: \$TOKEN" $api_url/policy \\
      -d '["exfil.evil.demo"]'
  ip netns exec $sandbox curl -X POST -H "OPENSANDBOX-EGRESS-AUTH: \$TOKEN" $api_url/policy \\
      -d '{"defaultAction":"deny","egress":[{"action":"allow","target":"*.allowed.demo"},{"action":"allow","target":"cdn.demo"}]}'
  ip netns exec $sandbox curl -s $api_url/metrics | grep ^egress_
  ip netns exec $sandbox curl $api_url/healthz
  ip netns exec $sandbox curl http://127.0.0.1:18081/readyz     # the probes' own port: liveness /healthz, readiness /readyz

The smoke scripts against this sidecar (their defaults are this demo's names; each restores the
policy it changes; see smoke/README.md):
  OPENSANDBOX_EGRESS_TOKEN=$token $root/smoke/smoke-dns.sh --netns $sandbox
  OPENSANDBOX_EGRESS_TOKEN=$token $root/smoke/smoke-nft.sh --netns $sandbox
  OPENSANDBOX_EGRESS_TOKEN=$token $root/smoke/smoke-dynamic-ip.sh --netns $sandbox
Logs: $work/egress.log
Press Ctrl-C to stop; the namespaces are removed on exit.
EOM
wait
