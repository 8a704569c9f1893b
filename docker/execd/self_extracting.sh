#!/bin/sh
# Packs an execd bundle (scripts/bundle_execd.sh) into ONE regular file: a POSIX sh header followed by
# a gzip'd tar of the bundle. Run, the file unpacks the bundle once, next to itself when that
# directory is writable (/opt/opensandbox/.execd-<sum>/, the shared volume of a sandbox), else under
# $TMPDIR or /tmp, and starts the bundle's launcher with its own arguments. It needs sh, tail, tar
# and gzip in the image it is copied into (Debian, Ubuntu, Alpine and busybox have them).
#
# A stand-in until execd links statically into a single file; the image build uses it only then.
#
# Usage: docker/execd/self_extracting.sh <bundle directory> <output file>
set -eu

if [ $# -ne 2 ] || [ ! -x "$1/execd" ]; then
  echo "usage: $0 <bundle directory with an execd launcher> <output file>" >&2
  exit 2
fi
bundle=$1
out=$2
payload=$(mktemp)
trap 'rm -f "$payload"' EXIT
tar -C "$bundle" -czf "$payload" .
sum=$(cksum <"$payload" | cut -d' ' -f1)

cat >"$out.header" <<HEADER
#!/bin/sh
# execd, self-extracting: a shell header and a gzip'd tar of the execd bundle after the marker line.
sum=$sum
self=\$0
case \$self in */*) ;; *) self=\$(command -v -- "\$self") || exit 127 ;; esac
for base in "\${self%/*}" "\${TMPDIR:-/tmp}"; do
  dir=\$base/.execd-\$sum
  [ -x "\$dir/execd" ] && exec "\$dir/execd" "\$@"
  part=\$dir.part.\$\$
  if mkdir -p "\$part" 2>/dev/null &&
     tail -n +@FIRST@ "\$self" | tar -xzf - -C "\$part"; then
    mv "\$part" "\$dir" 2>/dev/null || rm -rf "\$part"
    [ -x "\$dir/execd" ] && exec "\$dir/execd" "\$@"
  fi
  rm -rf "\$part" 2>/dev/null
done
echo "execd: cannot unpack the bundle next to \$self or in \${TMPDIR:-/tmp}" >&2
exit 127
__BUNDLE__
HEADER
# The payload starts on the line after the marker, the header's last line.
sed "s/@FIRST@/$(($(wc -l <"$out.header") + 1))/" "$out.header" >"$out"
rm -f "$out.header"
cat "$payload" >>"$out"
chmod 0755 "$out"
echo "self_extracting: $out ($(wc -c <"$out") bytes)"
