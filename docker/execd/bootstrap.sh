#!/bin/sh
# Container entry point for a sandbox image: starts execd in the background, then the sandbox's
# own command; SIGTERM and SIGINT are forwarded to that command, and the script exits with its
# status (execd is then sent SIGTERM). POSIX sh only, so it runs under bash, dash and busybox.
#
#   bootstrap.sh <command> [args...]    run the command
#   bootstrap.sh -c '<shell command>'   run it with $BOOTSTRAP_SHELL -c (bash, else sh)
#   BOOTSTRAP_CMD='<shell command>'     the same, from the environment
#   bootstrap.sh                        an interactive shell
#
# Environment: EXECD (default: execd beside this script; word-split, so it may carry flags),
# EXECD_ENVS (default /opt/opensandbox/.env; created, exported), EXECD_BOOTSTRAP_PRE_SCRIPT
# (sourced first when set), BOOTSTRAP_SHELL.
#
# With OPENSANDBOX_EGRESS_MITMPROXY_TRANSPARENT truthy (the credential proxy of the egress sidecar
# is on), the proxy's CA certificate is awaited on the shared volume
# (OPENSANDBOX_EGRESS_CREDENTIAL_PROXY_CA_FILE, default /opt/opensandbox/mitmproxy-ca-cert.pem) for
# up to OPENSANDBOX_CA_WAIT_SECONDS (300) and trusted before execd starts: the system store
# (update-ca-certificates or update-ca-trust; sudo -n when not root), a merged bundle beside it
# (merged-ca-certificates.pem), the NSS database in $HOME/.pki/nssdb when certutil exists, and
# NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE and SSL_CERT_FILE exported.

case $0 in
  */*) here=${0%/*} ;;
  *) here=. ;;
esac
EXECD=${EXECD:-$here/execd}
EXECD_ENVS=${EXECD_ENVS:-/opt/opensandbox/.env}
mkdir -p "${EXECD_ENVS%/*}" 2>/dev/null
: >>"$EXECD_ENVS"
export EXECD EXECD_ENVS

if [ -n "${EXECD_BOOTSTRAP_PRE_SCRIPT:-}" ]; then
  # shellcheck disable=SC1090
  . "$EXECD_BOOTSTRAP_PRE_SCRIPT"
fi

is_truthy() {
  case $(printf '%s' "$1" | tr '[:upper:]' '[:lower:]') in
    1 | true | yes | y | on) return 0 ;;
  esac
  return 1
}

as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    return 1
  fi
}

warn() {
  echo "bootstrap: warning: $*" >&2
}

wait_for_file() {
  waited=0
  while [ ! -s "$1" ]; do
    [ "$waited" -ge "$2" ] && return 1
    sleep 1
    waited=$((waited + 1))
  done
}

# The certificate's path is the inner shell's $1.
# shellcheck disable=SC2016
trust_in_system_store() {
  if command -v update-ca-certificates >/dev/null 2>&1; then
    as_root sh -c 'mkdir -p /usr/local/share/ca-certificates &&
      cp "$1" /usr/local/share/ca-certificates/opensandbox-mitmproxy-ca.crt &&
      update-ca-certificates >/dev/null 2>&1' sh "$1"
  elif command -v update-ca-trust >/dev/null 2>&1; then
    as_root sh -c 'cp "$1" /etc/pki/ca-trust/source/anchors/opensandbox-mitmproxy-ca.crt &&
      update-ca-trust extract' sh "$1"
  else
    return 1
  fi
}

# The trust bundle a client library uses when pointed at a file: certifi's or the system's, plus
# the proxy's CA.
write_merged_bundle() {
  base=$(python3 -c 'import certifi; print(certifi.where())' 2>/dev/null)
  for candidate in "$base" /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/cert.pem; do
    if [ -n "$candidate" ] && [ -s "$candidate" ]; then
      base=$candidate
      break
    fi
    base=
  done
  { if [ -n "$base" ]; then cat "$base"; fi; cat "$1"; } >"$2.tmp.$$" && mv -f "$2.tmp.$$" "$2"
}

trust_in_nss() {
  command -v certutil >/dev/null 2>&1 || return 0
  nssdb=${HOME:-/root}/.pki/nssdb
  mkdir -p "$nssdb" || return 1
  if [ ! -f "$nssdb/cert9.db" ]; then
    certutil -N -d "sql:$nssdb" --empty-password || return 1
  fi
  certutil -A -d "sql:$nssdb" -n opensandbox-mitmproxy -t C,, -i "$1"
}

trust_credential_proxy_ca() {
  ca=${OPENSANDBOX_EGRESS_CREDENTIAL_PROXY_CA_FILE:-/opt/opensandbox/mitmproxy-ca-cert.pem}
  if ! wait_for_file "$ca" "${OPENSANDBOX_CA_WAIT_SECONDS:-300}"; then
    warn "no credential proxy CA at $ca; HTTPS through the credential proxy will not be trusted"
    return 0
  fi
  trust_in_system_store "$ca" || warn "could not add $ca to the system trust store"
  merged=${ca%/*}/merged-ca-certificates.pem
  if ! write_merged_bundle "$ca" "$merged"; then
    merged=${TMPDIR:-/tmp}/opensandbox-merged-ca-certificates.pem
    write_merged_bundle "$ca" "$merged" || warn "could not write a merged CA bundle"
  fi
  trust_in_nss "$ca" || warn "could not add $ca to the NSS database"
  NODE_EXTRA_CA_CERTS=$ca
  REQUESTS_CA_BUNDLE=$merged
  SSL_CERT_FILE=$merged
  export NODE_EXTRA_CA_CERTS REQUESTS_CA_BUNDLE SSL_CERT_FILE
}

if is_truthy "${OPENSANDBOX_EGRESS_MITMPROXY_TRANSPARENT:-}"; then
  trust_credential_proxy_ca
fi

if [ -z "${BOOTSTRAP_SHELL:-}" ]; then
  if command -v bash >/dev/null 2>&1; then BOOTSTRAP_SHELL=bash; else BOOTSTRAP_SHELL=sh; fi
fi

# shellcheck disable=SC2086
$EXECD &
execd_pid=$!

if [ -n "${BOOTSTRAP_CMD:-}" ]; then
  set -- "$BOOTSTRAP_SHELL" -c "$BOOTSTRAP_CMD"
elif [ "${1:-}" = "-c" ] && [ $# -ge 2 ]; then
  set -- "$BOOTSTRAP_SHELL" -c "$2"
elif [ $# -eq 0 ]; then
  exec "$BOOTSTRAP_SHELL"
fi

# A background job's stdin would be /dev/null; hand it the real one through fd 3.
exec 3<&0
"$@" <&3 3<&- &
command_pid=$!
exec 3<&-
trap 'kill -TERM "$command_pid" 2>/dev/null' TERM
trap 'kill -INT "$command_pid" 2>/dev/null' INT

# wait returns early (status > 128) when a trapped signal arrives: wait again while the command
# runs. Once it ended, the shell remembers its status until a wait collected it; a further wait on
# a collected pid answers 127.
while :; do
  wait "$command_pid"
  status=$?
  kill -0 "$command_pid" 2>/dev/null && continue
  wait "$command_pid" 2>/dev/null
  remembered=$?
  [ "$remembered" -eq 127 ] || status=$remembered
  break
done
kill -TERM "$execd_pid" 2>/dev/null
exit "$status"
