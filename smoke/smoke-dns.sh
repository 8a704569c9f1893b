#!/usr/bin/env bash
# Smoke test of a running egress sidecar in mode dns (works against dns+nft too): the DNS redirect
# and the proxy's policy decisions. Sets a deny-by-default policy allowing one wildcard, checks
# that an allowed name resolves through the redirect and a denied one gets NXDOMAIN from the proxy
# (whatever resolver address or transport the query used), then restores the original policy.
#
# Usage (root, or CAP_NET_ADMIN in the sidecar's namespace):
#   smoke/smoke-dns.sh [--netns NAME] [--api URL] [--token TOKEN] [options]
# Defaults match scripts/demo.sh. See smoke/README.md.
set -euo pipefail
# shellcheck source=smoke/lib.sh
source "$(dirname "$0")/lib.sh"
smoke_enter_netns "$@"

allowed_wildcard='*.allowed.demo'
allowed_name=pypi.allowed.demo
allowed_url=http://pypi.allowed.demo/
denied_name=exfil.evil.demo
other_resolver=192.0.2.53

usage() {
  cat <<EOF
Usage: $0 [options]
Checks a running egress sidecar's DNS enforcement (mode dns or dns+nft).
  --allowed-wildcard W  the one wildcard the test policy allows (default '$allowed_wildcard')
  --allowed-name NAME   a name below it that must resolve (default $allowed_name)
  --allowed-url URL     fetched after the lookup, must connect; '' skips (default $allowed_url)
  --denied-name NAME    a name that exists upstream but the policy denies (default $denied_name)
  --other-resolver IP   a resolver address nobody serves; the redirect must still answer queries
                        sent there (default $other_resolver); '' skips
EOF
  smoke_common_usage
}

while (($#)); do
  case $1 in
    --allowed-wildcard) smoke_need_value "$@"; allowed_wildcard=$2; shift 2 ;;
    --allowed-name) smoke_need_value "$@"; allowed_name=$2; shift 2 ;;
    --allowed-url) smoke_need_value "$@"; allowed_url=$2; shift 2 ;;
    --denied-name) smoke_need_value "$@"; denied_name=$2; shift 2 ;;
    --other-resolver) smoke_need_value "$@"; other_resolver=$2; shift 2 ;;
    *) smoke_common_option "$@"; shift "$smoke_shift" ;;
  esac
done
wildcard_covers "$allowed_wildcard" "$allowed_name" ||
  die "--allowed-name $allowed_name is not covered by --allowed-wildcard $allowed_wildcard"
! wildcard_covers "$allowed_wildcard" "$denied_name" ||
  die "--denied-name $denied_name is covered by --allowed-wildcard $allowed_wildcard"

smoke_start
inspect_sidecar
if [[ $smoke_enforcement != dns ]]; then
  info "enforcementMode is '$smoke_enforcement', not dns: the DNS checks apply all the same"
fi

section "policy: deny by default, allow $allowed_wildcard"
policy=$(policy_json deny allow "$allowed_wildcard")
set_policy "POST /policy $policy" POST "$policy"
now=$(current_policy || true)
if [[ $now == *"\"target\":\"$allowed_wildcard\""* && $now == *'"defaultAction":"deny"'* ]]; then
  pass "GET /policy shows the new policy"
else
  fail "GET /policy shows the new policy" "$now"
fi

allowed_before=$(metric 'egress_dns_queries_total{outcome="allowed"}')
denied_before=$(metric 'egress_dns_queries_total{outcome="denied"}')

section "lookups through the redirect (resolver $smoke_resolver)"
check_resolves "allowed name $allowed_name resolves" "$allowed_name"
check_nxdomain "denied name $denied_name gets NXDOMAIN" "$denied_name"
if [[ $dns_ede == *"(Blocked)"* ]]; then
  pass "the NXDOMAIN carries Extended DNS Error 15 (Blocked): it came from the proxy"
else
  fail "the NXDOMAIN carries Extended DNS Error 15 (Blocked): it came from the proxy" \
    "no EDE Blocked in the answer${dns_ede:+ ($dns_ede)}"
fi
check_nxdomain "denied name over TCP gets NXDOMAIN (tcp port 53 redirected)" "$denied_name" +tcp
check_resolves "allowed name over TCP resolves" "$allowed_name" +tcp
if [[ -n $other_resolver ]]; then
  saved_resolver=$smoke_resolver
  smoke_resolver=$other_resolver
  check_nxdomain "denied name asked of $other_resolver gets NXDOMAIN (any port-53 address is redirected)" \
    "$denied_name"
  check_resolves "allowed name asked of $other_resolver resolves (answered by the proxy)" "$allowed_name"
  smoke_resolver=$saved_resolver
fi

section "metrics"
allowed_after=$(metric 'egress_dns_queries_total{outcome="allowed"}')
denied_after=$(metric 'egress_dns_queries_total{outcome="denied"}')
info "egress_dns_queries_total allowed $allowed_before -> $allowed_after, denied $denied_before -> $denied_after"
check "the proxy counted the allowed queries (egress_dns_queries_total{outcome=\"allowed\"})" \
  awk -v a="$allowed_before" -v b="$allowed_after" 'BEGIN { exit !(b >= a + 2) }'
check "the proxy counted the denied queries (egress_dns_queries_total{outcome=\"denied\"})" \
  awk -v a="$denied_before" -v b="$denied_after" 'BEGIN { exit !(b >= a + 2) }'

section "connections"
if [[ -n $allowed_url ]]; then
  check_reachable "allowed $allowed_url connects" "$allowed_url"
fi
probe "http://$denied_name/"
if [[ $probe_verdict == unresolved ]]; then
  pass "curl http://$denied_name/ fails: the name does not resolve"
else
  fail "curl http://$denied_name/ fails: the name does not resolve" "$probe_detail"
fi
