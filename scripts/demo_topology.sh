# The demo's two throw-away network namespaces, shared by scripts/demo.sh and the smoke tests
# (tests/integration/smoke/run_smoke.sh). Sourced, not run.
#
#   SANDBOX   eth0 10.78.0.2/24, default route via 10.78.0.1, resolv.conf naming 10.78.0.1
#   INTERNET  uplink 10.78.0.1/24, and each HOST address on its loopback
#
# make_demo_topology SANDBOX INTERNET HOST...
make_demo_topology() {
  local sandbox=$1 internet=$2 host
  shift 2
  ip netns add "$sandbox"
  ip netns add "$internet"
  ip -n "$sandbox" link add eth0 type veth peer name uplink netns "$internet"
  ip -n "$sandbox" link set lo up
  ip -n "$internet" link set lo up
  ip -n "$sandbox" addr add 10.78.0.2/24 dev eth0
  ip -n "$internet" addr add 10.78.0.1/24 dev uplink
  ip -n "$sandbox" link set eth0 up
  ip -n "$internet" link set uplink up
  ip -n "$sandbox" route add default via 10.78.0.1
  for host in "$@"; do ip -n "$internet" addr add "$host/32" dev lo; done
  mkdir -p "/etc/netns/$sandbox"
  echo "nameserver 10.78.0.1" >"/etc/netns/$sandbox/resolv.conf"
}
