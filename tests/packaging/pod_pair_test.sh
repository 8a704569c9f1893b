#!/usr/bin/env bash
# The sidecar pair for real, in Podman: builds opensandbox/egress and opensandbox/execd from the
# build's binaries (scripts/build-images.sh --prebuilt), then runs them as one sandbox in a
# throw-away network namespace with a small fake "internet" beside it (scripts/demo_topology.sh):
#
#   egress     its image, CAP_NET_ADMIN only, read-only root, the runtime policy on a volume
#   workload   plain debian:bookworm-slim with execd installed as the OpenSandbox server's Docker
#              runtime does it: /execd and /bootstrap.sh copied out of the execd image (a created,
#              never started container), copied into the workload under /opt/opensandbox, and
#              the container started by /opt/opensandbox/bootstrap.sh
#
# Both containers join the test's namespace (--network ns:...), as the containers of a pod share
# its namespace; the fake internet plays the node, reaching the pod's address 10.78.0.2 the way
# the kubelet's probes and the OpenSandbox server do. (`podman kube play` of the manifests is not
# possible with Podman 4.3: no pod in a namespace path, containerPort taken as a port mapping, no
# native sidecars; docs/deploy-kubernetes.md.) Checks, through execd's API (POST /command):
# an allowed name is reached and a denied one refused; PATCH /policy changes that live; with
# the egress container killed nothing the policy does not allow leaves; restarted, egress has the
# runtime change back and the same ruleset (no duplicated rules); with execd killed, nothing
# restarts it, the user's command runs on and the readiness check fails. The machine's own
# firewall and routes are compared before and after. Containers, volumes, the images it built and
# the namespaces are removed on every exit. Exit 77 (skip) without root, Podman, runc or mmdebstrap.
#
# Usage: pod_pair_test.sh --repo DIR --build DIR --dns-server PATH
set -euo pipefail

repo="" build="" dns_server=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --repo) repo=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --dns-server) dns_server=$2; shift 2 ;;
    *) echo "usage: $0 --repo DIR --build DIR --dns-server PATH" >&2; exit 2 ;;
  esac
done
skip() { echo "SKIP: $*"; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces, Podman's root storage)"
for tool in podman runc mmdebstrap ip nft curl python3; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/setup.sh installs it)"
done

# shellcheck source=scripts/demo_topology.sh
. "$repo/scripts/demo_topology.sh"
# shellcheck source=scripts/podman_common.sh
. "$repo/scripts/podman_common.sh"

id=$$
sandbox=ospod-sbx-$id
internet=ospod-net-$id
tag=podtest-$id
egress_name=ospod-$id-egress
workload_name=ospod-$id-workload
state_volume=ospod-$id-egress-state
pod_ip=10.78.0.2
work=$(mktemp -d /tmp/pod-pair.XXXXXX)
token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
pids=()
failures=0
started=$(date +%s)

cleanup() {
  set +e
  pm rm -f -t 0 "$workload_name" "$egress_name" >/dev/null 2>&1
  pm volume rm -f "$state_volume" >/dev/null 2>&1
  pm rmi -f "opensandbox/egress:$tag" "opensandbox/execd:$tag" >/dev/null 2>&1
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for ns in "$sandbox" "$internet"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf "/etc/netns/$ns"
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# What an earlier run killed before its cleanup (ctest's timeout) left: namespaces, containers,
# volumes and images named after a process that no longer exists.
for stale in $(ip netns list | grep -oE '^ospod-(sbx|net)-[0-9]+'); do
  kill -0 "${stale##*-}" 2>/dev/null || { ip netns pids "$stale" | xargs -r kill -KILL; ip netns del "$stale"; rm -rf "/etc/netns/$stale"; }
done
for stale in $(pm ps -a --format '{{.Names}}' | grep -E '^ospod-[0-9]+-' || true); do
  owner=${stale#ospod-}; owner=${owner%%-*}
  kill -0 "$owner" 2>/dev/null || pm rm -f -t 0 "$stale" >/dev/null
done
for stale in $(pm volume ls --format '{{.Name}}' | grep -E '^ospod-[0-9]+-' || true); do
  owner=${stale#ospod-}; owner=${owner%%-*}
  kill -0 "$owner" 2>/dev/null || pm volume rm -f "$stale" >/dev/null
done
for stale in $(pm images --format '{{.Repository}}:{{.Tag}}' | grep -E '/opensandbox/(egress|execd):podtest-[0-9]+$' || true); do
  kill -0 "${stale##*-}" 2>/dev/null || pm rmi -f "$stale" >/dev/null
done

pass() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() {
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
elapsed() { echo "$(($(date +%s) - started)) s"; }

# The machine's own network state, to compare at the end.
host_network() { { nft list ruleset 2>/dev/null; ip route; ip -6 route; ip -brief link | awk '{ print $1 }'; } | sha256sum; }
host_before=$(host_network)

# ---- images ------------------------------------------------------------------------------------
echo "== building the images from $build (tag $tag)"
build_started=$(date +%s)
"$repo/scripts/build-images.sh" --no-setup --prebuilt "$build" --tag "$tag" >"$work/build-images.log" 2>&1 || {
  tail -n 30 "$work/build-images.log"
  fail "scripts/build-images.sh --prebuilt $build"
  exit 1
}
grep -E '^build-images.sh: (opensandbox|done)' "$work/build-images.log"
echo "images built in $(($(date +%s) - build_started)) s"

# ---- the namespaces and the fake internet ------------------------------------------------------
make_demo_topology "$sandbox" "$internet" 198.51.100.10 198.51.100.20 198.51.100.30 198.51.100.40
"$dns_server" --netns "$internet" --listen 10.78.0.1:53 --ttl 120 \
  --record pypi.allowed.demo=198.51.100.10 --record files.allowed.demo=CNAME:cdn.demo \
  --record cdn.demo=198.51.100.20 --record exfil.evil.demo=198.51.100.30 \
  --record blocked.evil.demo=198.51.100.40 --log-queries >"$work/dns.log" 2>&1 &
pids+=($!)
for host in 198.51.100.10 198.51.100.20 198.51.100.30 198.51.100.40; do
  mkdir -p "$work/www-$host" && echo "hello from $host" >"$work/www-$host/index.html"
  ip netns exec "$internet" python3 -m http.server 80 --bind "$host" --directory "$work/www-$host" \
    >"$work/http-$host.log" 2>&1 &
  pids+=($!)
done

# From the node (the fake internet), as the kubelet and the OpenSandbox server reach the pod.
from_node() { ip netns exec "$internet" curl -sS --max-time 5 "$@"; }
egress_api() { from_node -H "OPENSANDBOX-EGRESS-AUTH: $token" "$@"; }

# Readiness of egress as the manifests probe it: /readyz on the health listener (18081).
egress_ready_url=http://$pod_ip:18081/readyz
wait_until() {
  local tries=$1
  shift
  for _ in $(seq "$tries"); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}
egress_ready() { from_node -f "$egress_ready_url"; }

# ---- egress ------------------------------------------------------------------------------------
policy='{"defaultAction":"deny","egress":[{"action":"allow","target":"*.allowed.demo"},{"action":"allow","target":"cdn.demo"}]}'
mkdir -p "$work/rules"
pm volume create "$state_volume" >/dev/null
egress_options=(
  --name "$egress_name" --network "ns:/run/netns/$sandbox" --dns 10.78.0.1 "${podman_limits[@]}"
  --cap-drop ALL --cap-add NET_ADMIN --security-opt no-new-privileges --read-only
  -v "$state_volume:/var/lib/opensandbox-egress" -v "$work/rules:/var/egress/rules:ro"
  -e OPENSANDBOX_EGRESS_MODE=dns+nft -e OPENSANDBOX_EGRESS_RULES="$policy"
  -e OPENSANDBOX_EGRESS_TOKEN="$token" -e OPENSANDBOX_EGRESS_SANDBOX_ID="$sandbox"
  -e OPENSANDBOX_EGRESS_POLICY_FILE=/var/lib/opensandbox-egress/policy.json
  -e OPENSANDBOX_EGRESS_REQUIRE_OWN_CGROUP=true
)
# A pod on a cgroup v2 node sees its cgroup; on a hybrid host the runtime mounts only the v1
# controllers, so egress gets the v2 hierarchy read-only to find its own cgroup.
if [[ ! -f /sys/fs/cgroup/cgroup.controllers && -f /sys/fs/cgroup/unified/cgroup.procs ]]; then
  egress_options+=(-v /sys/fs/cgroup/unified:/sys/fs/cgroup/unified:ro)
fi
pm run -d "${egress_options[@]}" "opensandbox/egress:$tag" >/dev/null
check "egress serves readiness ($egress_ready_url)" wait_until 150 egress_ready

# ---- the workload, with execd installed as the server does ------------------------------------
installer=$(pm create --network none "opensandbox/execd:$tag")
mkdir -p "$work/opensandbox"
pm cp "$installer:/execd" "$work/opensandbox/execd"
pm cp "$installer:/bootstrap.sh" "$work/opensandbox/bootstrap.sh"
pm rm -f "$installer" >/dev/null
check "/execd in the image is one regular file" test -f "$work/opensandbox/execd" -a ! -L "$work/opensandbox/execd"
check "/bootstrap.sh in the image is a regular file" test -f "$work/opensandbox/bootstrap.sh" -a ! -L "$work/opensandbox/bootstrap.sh"
check "the execd image's working directory is /" \
  test "$(pm image inspect --format '{{.Config.WorkingDir}}' "opensandbox/execd:$tag")" = /

pm create --name "$workload_name" --network "ns:/run/netns/$sandbox" --dns 10.78.0.1 "${podman_limits[@]}" \
  --cap-drop NET_ADMIN --cap-drop NET_RAW --security-opt no-new-privileges \
  -e EXECD=/opt/opensandbox/execd --entrypoint /opt/opensandbox/bootstrap.sh \
  docker.io/library/debian:bookworm-slim sleep infinity >/dev/null
pm cp "$work/opensandbox" "$workload_name:/opt/"
pm start "$workload_name" >/dev/null
execd_ping() { from_node -f "http://$pod_ip:44772/ping"; }
check "execd answers /ping at the pod's address" wait_until 150 execd_ping

# run COMMAND: runs it in the workload through execd's API; prints its output lines, then
# "exit: <code>" (0 for execution_complete).
run() {
  local body
  body=$(python3 -c 'import json, sys; print(json.dumps({"command": sys.argv[1]}))' "$1")
  from_node --max-time 30 -N -X POST -H 'Content-Type: application/json' -d "$body" "http://$pod_ip:44772/command" |
    python3 -c '
import json, sys
code = None
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    event = json.loads(line)
    kind = event.get("type")
    if kind in ("stdout", "stderr"):
        print(event.get("text", "").rstrip("\n"))
    elif kind == "execution_complete":
        code = 0
    elif kind == "error":
        code = event.get("error", {}).get("evalue", "?")
print("exit:", code)'
}
# fetch HOST: an HTTP GET of / from the workload with bash alone (the image has no curl).
fetch() {
  run "timeout 5 bash -c 'exec 3<>/dev/tcp/$1/80 && printf \"GET / HTTP/1.0\\r\\nHost: $1\\r\\n\\r\\n\" >&3 && cat <&3'"
}
# (Outputs are read whole before grep: grep -q would end the pipe early.)
reaches() { local out; out=$(fetch "$1"); grep -q "hello from $2" <<<"$out"; }
refused() { local out; out=$(fetch "$1"); grep -qE '^exit: [1-9]' <<<"$out" && ! grep -q "hello from" <<<"$out"; }
resolves() { local out; out=$(run "getent hosts $1"); grep -q "^$2 " <<<"$out"; }
does_not_resolve() { local out; out=$(run "getent hosts $1"); grep -qE '^exit: [1-9]' <<<"$out"; }

echo "== enforcement through execd's API"
check "an allowed name resolves in the workload" resolves pypi.allowed.demo 198.51.100.10
check "an allowed name is reached" reaches pypi.allowed.demo 198.51.100.10
check "an allowed CNAME chain is reached" reaches files.allowed.demo 198.51.100.20
check "a denied name does not resolve" does_not_resolve exfil.evil.demo
check "a denied name is not reached" refused exfil.evil.demo
check "an address never learned is not reached" refused 198.51.100.40
queries_denied=$(grep -c 'evil.demo' "$work/dns.log" || true)
check "denied names never reached the DNS server" test "$queries_denied" -eq 0

echo "== PATCH /policy through the pod's address"
patched=$(egress_api -X PATCH -d '[{"action":"allow","target":"exfil.evil.demo"}]' "http://$pod_ip:18080/policy" || true)
check "PATCH /policy answers ok" grep -q '"status":"ok"' <<<"$patched"
check "without the token the policy API refuses" \
  test "$(from_node -o /dev/null -w '%{http_code}' "http://$pod_ip:18080/policy")" = 401
check "the patched name is reached at once" reaches exfil.evil.demo 198.51.100.30
check "another denied name still does not resolve" does_not_resolve blocked.evil.demo

echo "== egress killed: fail-closed, then back with its runtime policy"
# The ruleset without set elements (-t); the restarted container has a new cgroup, whose id the
# rules that recognise egress's own traffic carry.
ruleset() { ip netns exec "$sandbox" nft -t list ruleset | sed -E 's/(socket cgroupv2 level [0-9]+) [0-9]+/\1 <own cgroup>/'; }
ruleset >"$work/ruleset-before"
pm kill "$egress_name" >/dev/null
egress_down() { [[ $(pm inspect --format '{{.State.Running}}' "$egress_name") == false ]]; }
check "the egress container is down" wait_until 50 egress_down
queries_before=$(wc -l <"$work/dns.log")
check "while down: no name resolves, allowed or not" does_not_resolve cdn.demo
direct_lookup_fails() { ! ip netns exec "$sandbox" timeout 4 getent hosts blocked.evil.demo >/dev/null; }
check "while down: DNS to the internet's resolver does not leave" direct_lookup_fails
check "while down: an address never learned is not reached" refused 198.51.100.40
check "while down: a denied name is not reached" refused blocked.evil.demo
check "while down: no query reached the DNS server" test "$(wc -l <"$work/dns.log")" -eq "$queries_before"
api_silent() { ! from_node --max-time 3 "http://$pod_ip:18080/healthz" >/dev/null 2>&1; }
check "while down: the policy API port answers nobody" api_silent
check "while down: readiness fails" bash -c "! ip netns exec $internet curl -sf --max-time 3 $egress_ready_url"
table_stays() { ip netns exec "$sandbox" nft list table inet opensandbox >/dev/null; }
check "while down: the table stays" table_stays

pm start "$egress_name" >/dev/null
check "egress is ready again after the restart" wait_until 150 egress_ready
current=$(egress_api "http://$pod_ip:18080/policy" || true)
check "the runtime PATCH survived the restart (policy file on the volume)" grep -q 'exfil.evil.demo' <<<"$current"
check "after the restart the patched name is reached" reaches exfil.evil.demo 198.51.100.30
check "after the restart a denied name still does not resolve" does_not_resolve blocked.evil.demo
ruleset >"$work/ruleset-after"
check "the ruleset after the restart is the one before it (no duplicated rules)" \
  diff -u "$work/ruleset-before" "$work/ruleset-after"
check "exactly one opensandbox table" test "$(ip netns exec "$sandbox" nft list tables | grep -c opensandbox)" -eq 1

echo "== execd killed: nothing restarts it, the user's command runs on, readiness fails"
execd_pid=$(ip netns exec "$sandbox" ss -Hltnp 'sport = :44772' | grep -oE 'pid=[0-9]+' | head -n 1 | cut -d= -f2)
check "execd's process found" test -n "$execd_pid"
kill -KILL "$execd_pid"
sleep 3
tcp_refused() { ! ip netns exec "$internet" timeout 3 bash -c "exec 3<>/dev/tcp/$pod_ip/44772" 2>/dev/null; }
check "readiness (TCP to :44772 from the node, as the manifest's probe) fails" tcp_refused
check "the workload container still runs" test "$(pm inspect --format '{{.State.Running}}' "$workload_name")" = true
user_command_runs() { pm exec "$workload_name" sh -c 'cat /proc/[0-9]*/cmdline' | tr '\0' ' ' | grep -q 'sleep infinity'; }
check "the user's command still runs" user_command_runs
sleep 2
nothing_listens() { ! ip netns exec "$sandbox" ss -Hltn 'sport = :44772' | grep -q .; }
check "nothing started execd again" nothing_listens

echo "== the machine's own network"
if [[ $failures -gt 0 ]]; then
  echo "--- egress log (last 40 lines)"; pm logs --tail 40 "$egress_name" 2>&1 || true
  echo "--- workload log (last 20 lines)"; pm logs --tail 20 "$workload_name" 2>&1 || true
fi
pm rm -f -t 0 "$workload_name" "$egress_name" >/dev/null 2>&1 || true
check "the machine's firewall, routes and links are unchanged" test "$(host_network)" = "$host_before"

echo "pod test: $failures failure(s) in $(elapsed)"
[[ $failures -eq 0 ]]
