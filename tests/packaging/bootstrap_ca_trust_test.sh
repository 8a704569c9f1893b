#!/usr/bin/env bash
# docker/execd/bootstrap.sh with the credential proxy on: it waits for the proxy's CA certificate on
# the shared volume, puts it in the system store (the real update-ca-certificates, inside a private
# mount namespace whose /etc/ssl/certs and /usr/local/share/ca-certificates are throw-away copies),
# the NSS database and a merged bundle, and exports the variables client libraries read; without
# the certificate it warns after its wait and still starts. Root (for the mount namespace).
set -euo pipefail

if [[ $(id -u) -ne 0 ]] || ! command -v unshare >/dev/null || ! command -v update-ca-certificates >/dev/null; then
  echo "SKIP: needs root, unshare and update-ca-certificates"
  exit 77
fi

bootstrap=$(cd "$(dirname "$0")/../.." && pwd)/docker/execd/bootstrap.sh
work=$(mktemp -d /tmp/bootstrap-ca-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

printf '#!/bin/sh\nwhile :; do sleep 1; done\n' >"$work/fake-execd"
chmod +x "$work/fake-execd"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bootstrap test CA" \
  -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=api.example.test" \
  -keyout "$work/leaf.key" -out "$work/leaf.csr" 2>/dev/null
openssl x509 -req -in "$work/leaf.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 1 \
  -out "$work/leaf.pem" 2>/dev/null
system_bundle=/etc/ssl/certs/ca-certificates.crt
system_before=$(sha256sum "$system_bundle")

# run_bootstrap <wait seconds> <command>: bootstrap in a mount namespace with throw-away trust
# stores; the shared volume is $work/shared.
run_bootstrap() {
  cp -a /etc/ssl/certs "$work/etc-ssl-certs"
  mkdir -p "$work/local-ca" "$work/home" "$work/shared"
  unshare --mount --propagation private env -i PATH="$PATH" HOME="$work/home" \
    EXECD="$work/fake-execd" EXECD_ENVS="$work/shared/.env" OPENSANDBOX_EGRESS_MITMPROXY_TRANSPARENT=Yes \
    OPENSANDBOX_EGRESS_CREDENTIAL_PROXY_CA_FILE="$work/shared/mitmproxy-ca-cert.pem" \
    OPENSANDBOX_CA_WAIT_SECONDS="$1" \
    sh -c 'mount --bind "$1/etc-ssl-certs" /etc/ssl/certs && mount --bind "$1/local-ca" /usr/local/share/ca-certificates &&
      exec sh "$2" sh -c "$3"' sh "$work" "$bootstrap" "$2"
}

# The certificate appears after the bootstrap started waiting.
(sleep 2 && cp "$work/ca.pem" "$work/shared/mitmproxy-ca-cert.pem.tmp" &&
  mv "$work/shared/mitmproxy-ca-cert.pem.tmp" "$work/shared/mitmproxy-ca-cert.pem") &
mkdir -p "$work/shared"
run_bootstrap 30 'env >"$HOME/../env.txt"; openssl verify -CAfile /etc/ssl/certs/ca-certificates.crt "$HOME/../leaf.pem" >"$HOME/../verify.txt" 2>&1; python3 -c "import ssl; ctx = ssl.create_default_context(); ctx.load_verify_locations(\"$REQUESTS_CA_BUNDLE\"); print(len(ctx.get_ca_certs()))" >"$HOME/../bundle-count.txt"' \
  2>"$work/stderr.txt" || fail "bootstrap failed: $(cat "$work/stderr.txt")"

grep -q "^NODE_EXTRA_CA_CERTS=$work/shared/mitmproxy-ca-cert.pem$" "$work/env.txt" || fail "NODE_EXTRA_CA_CERTS not exported"
grep -q "^REQUESTS_CA_BUNDLE=$work/shared/merged-ca-certificates.pem$" "$work/env.txt" || fail "REQUESTS_CA_BUNDLE not exported"
grep -q "^SSL_CERT_FILE=$work/shared/merged-ca-certificates.pem$" "$work/env.txt" || fail "SSL_CERT_FILE not exported"
grep -q ": OK$" "$work/verify.txt" || fail "the system store does not trust the CA: $(cat "$work/verify.txt")"
[[ $(cat "$work/bundle-count.txt") -gt 10 ]] || fail "the merged bundle lacks the system's roots"
openssl verify -CAfile "$work/shared/merged-ca-certificates.pem" "$work/leaf.pem" >/dev/null ||
  fail "the merged bundle does not trust the CA"
[[ $(sha256sum "$system_bundle") == "$system_before" ]] || fail "the machine's own trust store changed"
if command -v certutil >/dev/null; then
  certutil -L -d "sql:$work/home/.pki/nssdb" | grep -q opensandbox-mitmproxy || fail "the CA is not in the NSS database"
fi
echo "ok: the CA is trusted everywhere"

# No certificate: a warning once the wait is over, and the command still runs, without the variables.
rm -rf "$work/etc-ssl-certs" "$work/local-ca" "$work/shared" "$work/env.txt"
mkdir -p "$work/shared"
run_bootstrap 1 'env >"$HOME/../env.txt"' 2>"$work/stderr.txt" || fail "bootstrap failed without a CA"
grep -q "no credential proxy CA at" "$work/stderr.txt" || fail "no warning without a CA: $(cat "$work/stderr.txt")"
! grep -q NODE_EXTRA_CA_CERTS "$work/env.txt" || fail "NODE_EXTRA_CA_CERTS exported without a CA"
echo "ok: a missing CA is reported and does not stop the sandbox"
echo PASS
