#!/usr/bin/env bash
# Installs the Debian 12 packages this project needs to build, test, benchmark and run its demo.
# Only missing packages are installed, so a second run returns in about a second.
# Usage (as root): scripts/setup.sh
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build lld pkg-config git clang libclang-rt-14-dev clang-format
  # libraries (DESIGN.md §3)
  libspdlog-dev nlohmann-json3-dev libcli11-dev libldns-dev libc-ares-dev
  libnftnl-dev libmnl-dev libcpp-httplib-dev libboost-dev libseccomp-dev libmariadb-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev dnsmasq-base
  # real DNS servers the upstream matrix and soak forward to (their services are never started)
  unbound nsd bind9
  # real peers used by integration tests, benchmarks and the demo
  iproute2 nftables iptables procps dnsutils dnsperf wrk curl libssl-dev openssl ca-certificates strace
  python3-requests libnss3-tools
  jupyter-server python3-ipykernel python3-matplotlib python3-websocket mariadb-server
  # packaging checks: busybox-only and musl-only root filesystems, the Kubernetes manifest check
  busybox-static musl-tools python3-yaml
  # images and the pod test (scripts/build-images.sh): Podman with runc (crun refuses a hybrid
  # cgroup layout), Debian base images made locally
  podman runc containernetworking-plugins mmdebstrap
)

# kubectl renders the Kubernetes manifests in the packaging check: Debian's (kubernetes-client),
# unless a kubectl from another source is already installed (they conflict on /usr/bin/kubectl).
command -v kubectl >/dev/null || packages+=(kubernetes-client)

if [[ $(id -u) -ne 0 ]]; then
  echo "setup.sh: run as root (it installs Debian packages with apt-get)" >&2
  exit 1
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$package")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup.sh: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "setup.sh: installing ${#missing[@]} missing package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
