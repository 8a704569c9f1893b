#!/usr/bin/env bash
# Builds the two images, opensandbox/egress:TAG and opensandbox/execd:TAG, with Podman from
# docker/egress/Dockerfile and docker/execd/Dockerfile.
#
# The Dockerfiles start from debian:bookworm and debian:bookworm-slim. When those are not in local
# storage they are made here from Debian's own package archive (mmdebstrap, minbase variant; the
# slim one without documentation, manual pages and translations, like the registry's) and imported
# under the names the Dockerfiles use, so no container registry is needed. Build containers use the
# host's network for package downloads (--network host: no bridge, no firewall rules); nothing
# here runs a container with a network of its own.
#
# Usage (as root):
#   scripts/build-images.sh                     compile inside the image build (the Dockerfiles'
#                                               default target; the slow way: two compiles)
#   scripts/build-images.sh --prebuilt build    copy egress and execd-single built beforehand in
#                                               build/ (target `prebuilt`, no compile; a normal,
#                                               not a sanitizer build); needs only the slim base
#   options: --tag TAG (default dev), --only egress|execd, --no-setup (skip scripts/setup.sh)
# Environment: DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR (for the base images), PODMAN_RUNTIME (runc).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tag=dev
prebuilt=""
only=""
setup=true
while [[ $# -gt 0 ]]; do
  case $1 in
    --prebuilt) prebuilt=${2:?--prebuilt needs a build directory}; shift 2 ;;
    --tag) tag=${2:?--tag needs a value}; shift 2 ;;
    --only) only=${2:?--only needs egress or execd}; shift 2 ;;
    --no-setup) setup=false; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-images.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case $only in "" | egress | execd) ;; *) echo "build-images.sh: --only egress or --only execd" >&2; exit 2 ;; esac
if [[ $(id -u) -ne 0 ]]; then
  echo "build-images.sh: run as root (Podman's root storage, mmdebstrap)" >&2
  exit 1
fi
started=$(date +%s)
[[ $setup == false ]] || "$root/scripts/setup.sh"

# shellcheck source=scripts/podman_common.sh
. "$root/scripts/podman_common.sh"

# The archive this machine's apt uses for SUITE (a local mirror or cache where there is one), else
# Debian's own.
apt_archive() {
  local suite=$1 fallback=$2 uri
  uri=$(apt-get indextargets --format '$(RELEASE) $(REPO_URI)' 2>/dev/null | awk -v s="$suite" '$1 == s { print $2; exit }')
  echo "${uri:-$fallback}"
}
mirror=${DEBIAN_MIRROR:-$(apt_archive bookworm http://deb.debian.org/debian)}
security_mirror=${DEBIAN_SECURITY_MIRROR:-$(apt_archive bookworm-security http://deb.debian.org/debian-security)}
work=$(mktemp -d /tmp/build-images.XXXXXX)
trap 'rm -rf "$work"' EXIT

# make_base NAME SLIM: debian:bookworm[-slim] from the archive, unless local storage has it.
make_base() {
  local name=$1 slim=$2
  if pm image exists "docker.io/library/debian:$name"; then
    echo "build-images.sh: base image debian:$name present"
    return
  fi
  echo "build-images.sh: making base image debian:$name with mmdebstrap from $mirror"
  # merged-/usr the way debootstrap and the registry's images do it (usr-is-merged), not through the
  # usrmerge package, which would pull perl in.
  local options=(--variant=minbase --quiet --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
    # Downloaded packages are kept for the second base image.
    --setup-hook="mkdir -p '$work/debs' \"\$1/var/cache/apt/archives\""
    --setup-hook="sync-in '$work/debs' /var/cache/apt/archives"
    --customize-hook="sync-out /var/cache/apt/archives '$work/debs'")
  # This machine's apt may accept an archive snapshot whose Release has expired; so must the image's.
  if apt-config dump | grep -q '^Acquire::Check-Valid-Until "false";'; then
    options+=(--aptopt='Acquire::Check-Valid-Until "false"')
  fi
  if [[ $slim == true ]]; then
    local pattern
    for pattern in 'path-exclude=/usr/share/doc/*' 'path-include=/usr/share/doc/*/copyright' \
      'path-exclude=/usr/share/man/*' 'path-exclude=/usr/share/groff/*' 'path-exclude=/usr/share/info/*' \
      'path-exclude=/usr/share/lintian/*' 'path-exclude=/usr/share/linda/*' 'path-exclude=/usr/share/locale/*'; do
      options+=(--dpkgopt="$pattern")
    done
  fi
  mmdebstrap "${options[@]}" bookworm - \
    "deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
    "deb $security_mirror bookworm-security main" </dev/null |
    pm import --change 'CMD ["bash"]' - "docker.io/library/debian:$name" >/dev/null
}

# stage_binaries DIR: stripped copies of the build's egress and execd-single in DIR.
stage_binaries() {
  local out=$1 build
  build=$(cd "$prebuilt" && pwd)
  mkdir -p "$out"
  local binary
  # /execd is execd-single, execd linked statically (target execd_single).
  for binary in "$build/egress/egress" "$build/execd/execd-single"; do
    [[ -x $binary ]] || { echo "build-images.sh: $binary is missing (cmake --build $prebuilt --target ${binary##*/})" >&2; exit 1; }
    if ldd "$binary" 2>/dev/null | grep -qE 'lib(a|ub|l|t)san'; then
      echo "build-images.sh: $binary is a sanitizer build; images take a normal build" >&2
      exit 1
    fi
  done
  strip -o "$out/egress" "$build/egress/egress"
  strip -o "$out/execd" "$build/execd/execd-single"
}

version=$(sed -nE 's/^project\([A-Za-z_]+ +VERSION +([0-9.]+).*/\1/p' "$root/CMakeLists.txt" | head -n 1)
commit=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

# The build stage (debian:bookworm) runs only when compiling; the runtime stage always.
[[ -n $prebuilt ]] || make_base bookworm false
make_base bookworm-slim true

build_arguments=(--network host "${podman_limits[@]}" --build-arg VERSION="$version" --build-arg GIT_COMMIT="$commit")
if [[ -n $prebuilt ]]; then
  stage_binaries "$work/binaries"
  build_arguments+=(--target prebuilt --build-context binaries="$work/binaries")
fi

images=()
for component in egress execd; do
  [[ -z $only || $only == "$component" ]] || continue
  echo "build-images.sh: building opensandbox/$component:$tag${prebuilt:+ from $prebuilt}"
  pm build "${build_arguments[@]}" -f "$root/docker/$component/Dockerfile" -t "opensandbox/$component:$tag" "$root"
  images+=("opensandbox/$component:$tag")
done

for image in "${images[@]}"; do
  printf 'build-images.sh: %-28s %s\n' "$image" "$(pm image inspect --format '{{.Size}}' "$image" |
    awk '{ printf "%.1f MB", $1 / 1000000 }')"
done
echo "build-images.sh: done in $(($(date +%s) - started)) s"
