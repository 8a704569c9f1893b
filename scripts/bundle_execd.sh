#!/usr/bin/env bash
# Makes a self-contained execd bundle: the binary, every shared library it loads (including the
# MariaDB client it opens on the first SQL run) and the dynamic loader, with a launcher that starts
# the binary through that loader. The bundle runs from any directory in any Linux root filesystem
# of the same architecture (Debian, Ubuntu, Alpine/musl, busybox), because nothing in it is looked
# up in the image's /lib or /usr/lib.
#
#   <out>/execd          launcher (POSIX sh): exec <out>/lib/<loader> --library-path <out>/lib <out>/libexec/execd
#   <out>/bootstrap.sh   starts execd, then the user's command (docker/execd/bootstrap.sh)
#   <out>/libexec/execd  the binary itself
#   <out>/lib/           its libraries, libmariadb.so.3 with its libraries, and the loader
#
# Usage: scripts/bundle_execd.sh <execd binary> <output directory>
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <execd binary> <output directory>" >&2
  exit 2
fi
binary=$1
out=$2
root=$(cd "$(dirname "$0")/.." && pwd)

[[ -x $binary ]] || { echo "bundle_execd: $binary is not an executable" >&2; exit 1; }

# execd opens the MariaDB client library itself on the first SQL run (dlopen), so ldd of the binary
# does not list it: it and its own libraries are added from the system's library cache.
client_library=libmariadb.so.3
# awk reads to the end: exiting early would kill ldconfig with SIGPIPE and fail the pipeline.
client_path=$(ldconfig -p | awk -v name="$client_library" '$1 == name && $NF ~ /^\// && !found { print $NF; found = 1 }')
[[ -n $client_path ]] || { echo "bundle_execd: $client_library not found (Debian: install libmariadb3)" >&2; exit 1; }

# ldd lists "name => /path (addr)" for libraries and "/path/ld-linux... (addr)" for the loader;
# linux-vdso has no file. Anything "not found" would make a bundle that cannot start.
ldd_output=$(ldd "$binary"; echo "	$client_library => $client_path (0)"; ldd "$client_path")
if grep -q 'not found' <<<"$ldd_output"; then
  echo "bundle_execd: unresolved libraries:" >&2
  grep 'not found' <<<"$ldd_output" >&2
  exit 1
fi
libraries=$(awk '$2 == "=>" && $3 ~ /^\// { print $3 }' <<<"$ldd_output" | sort -u)
loader=$(awk '$1 ~ /^\// && $1 ~ /ld-linux|ld64|ld\.so/ { print $1 }' <<<"$ldd_output" | sort -u)
[[ -n $loader ]] || { echo "bundle_execd: no dynamic loader in ldd output (a static binary needs no bundle)" >&2; exit 1; }
[[ $(wc -l <<<"$loader") -eq 1 ]] || { echo "bundle_execd: execd and $client_library name different loaders: $loader" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out/lib" "$out/libexec"
install -m 0755 "$binary" "$out/libexec/execd"
for library in $libraries "$loader"; do
  cp -L "$library" "$out/lib/$(basename "$library")"
done
chmod 0755 "$out/lib/$(basename "$loader")"
loader_name=$(basename "$loader")

# The launcher needs only a POSIX sh (and readlink when started through a symlink): busybox and
# Alpine images run it.
# --argv0 keeps execd's own name in ps; children get no LD_LIBRARY_PATH, so the user's programs
# use the image's libraries, never the bundle's.
cat >"$out/execd" <<LAUNCHER
#!/bin/sh
# execd launcher: runs the bundled binary with the bundled loader and libraries.
# Follows symlinks (/execd -> /opt/opensandbox/execd) to find the bundle's directory.
self=\$0
while [ -L "\$self" ]; do
  target=\$(readlink "\$self") || break
  case \$target in
    /*) self=\$target ;;
    *) self=\${self%/*}/\$target ;;
  esac
done
case \$self in
  */*) here=\${self%/*} ;;
  *) here=. ;;
esac
exec "\$here/lib/$loader_name" --library-path "\$here/lib" --argv0 "\$0" "\$here/libexec/execd" "\$@"
LAUNCHER
chmod 0755 "$out/execd"
install -m 0755 "$root/docker/execd/bootstrap.sh" "$out/bootstrap.sh"
echo "bundle_execd: $out ($(ls "$out/lib" | wc -l) files in lib/, loader $loader_name)"
