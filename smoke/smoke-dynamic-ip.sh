#!/usr/bin/env bash
# Smoke test of a running egress sidecar in mode dns+nft: addresses learned from allowed DNS
# answers. Sets a deny-by-default policy allowing one name; after resolving it, its addresses must
# be in dyn_allow_v4/v6 and reachable, while an address nobody resolved stays blocked and a denied
# lookup adds nothing. Restores the original policy at exit.
#
# Usage (root, or CAP_NET_ADMIN in the sidecar's namespace):
#   smoke/smoke-dynamic-ip.sh [--netns NAME] [--api URL] [--token TOKEN] [options]
# Defaults match scripts/demo.sh. See smoke/README.md.
set -euo pipefail
# shellcheck source=smoke/lib.sh
source "$(dirname "$0")/lib.sh"
smoke_enter_netns "$@"

allowed_name=pypi.allowed.demo
allowed_url=""
denied_name=exfil.evil.demo
unresolved_ip=198.51.100.30
unresolved_url=""

usage() {
  cat <<EOF
Usage: $0 [options]
Checks a running egress sidecar's learned addresses (dyn_allow_v4/v6, mode dns+nft).
  --allowed-name NAME    the one name the test policy allows (default $allowed_name)
  --allowed-url URL      a URL on that name, must connect after the lookup (default http://<name>/)
  --denied-name NAME     a name the policy denies (default $denied_name)
  --unresolved-ip IP     an address with a server behind it that no allowed name resolves to; it must
                         stay blocked (default $unresolved_ip)
  --unresolved-url URL   the URL probed for it (default http://<unresolved-ip>/)
EOF
  smoke_common_usage
}

while (($#)); do
  case $1 in
    --allowed-name) smoke_need_value "$@"; allowed_name=$2; shift 2 ;;
    --allowed-url) smoke_need_value "$@"; allowed_url=$2; shift 2 ;;
    --denied-name) smoke_need_value "$@"; denied_name=$2; shift 2 ;;
    --unresolved-ip) smoke_need_value "$@"; unresolved_ip=$2; shift 2 ;;
    --unresolved-url) smoke_need_value "$@"; unresolved_url=$2; shift 2 ;;
    *) smoke_common_option "$@"; shift "$smoke_shift" ;;
  esac
done
[[ -n $allowed_url ]] || allowed_url="http://$allowed_name/"
if [[ -z $unresolved_url ]]; then
  if [[ $unresolved_ip == *:* ]]; then unresolved_url="http://[$unresolved_ip]/"; else unresolved_url="http://$unresolved_ip/"; fi
fi
[[ $(url_host "$allowed_url") == "$allowed_name" ]] ||
  die "--allowed-url $allowed_url is not on --allowed-name $allowed_name"
dyn_set_of() { if [[ $1 == *:* ]]; then echo dyn_allow_v6; else echo dyn_allow_v4; fi; }

smoke_start
inspect_sidecar
require_enforcement dns+nft

section "policy: deny by default, allow only $allowed_name"
policy=$(policy_json deny allow "$allowed_name")
set_policy "POST /policy $policy" POST "$policy"
check "chain egress policy is drop (defaultAction deny)" test "$(chain_policy)" = drop
unresolved_set=$(dyn_set_of "$unresolved_ip")
if in_set "$unresolved_set" "$unresolved_ip"; then
  fail "$unresolved_ip is not in $unresolved_set before the test" \
    "it was learned from an allowed answer earlier; pick another --unresolved-ip"
else
  pass "$unresolved_ip is not in $unresolved_set before the test"
fi
info "dyn_allow_v4 before the lookup: $(set_summary dyn_allow_v4)"

section "lookup of the allowed name $allowed_name"
check_resolves "$allowed_name resolves (A)" "$allowed_name" A
learned=$dns_addresses
lookup "$allowed_name" AAAA
if [[ -n $dns_addresses ]]; then
  info "$allowed_name also has AAAA: $(tr '\n' ' ' <<<"$dns_addresses")"
  learned+=$'\n'$dns_addresses
fi
for address in $learned; do
  set=$(dyn_set_of "$address")
  if in_set "$set" "$address"; then
    element=$(in_ns nft get element inet opensandbox "$set" "{ $address }" 2>/dev/null |
      sed -n 's/.*elements = { \(.*\) }.*/\1/p')
    pass "$address is in $set (${element:-$address})"
  else
    fail "$address is in $set" "not found after the lookup: $(set_summary "$set")"
  fi
done

section "connections"
check_reachable "$allowed_url connects" "$allowed_url"
for address in $learned; do
  [[ $address != *:* ]] || continue   # by name is enough for IPv6 (the namespace may have no route)
  url=$(url_with_host "$allowed_url" "$address")
  check_reachable "$url (the learned address itself) connects" "$url"
done
check_blocked "$unresolved_url, never resolved, is blocked" "$unresolved_url"

section "a denied lookup learns nothing"
before=$(set_elements dyn_allow_v4; set_elements dyn_allow_v6)
check_nxdomain "$denied_name gets NXDOMAIN" "$denied_name"
after=$(set_elements dyn_allow_v4; set_elements dyn_allow_v6)
added=$(comm -13 <(sort <<<"$before") <(sort <<<"$after") | sed '/^$/d')
if [[ -z $added ]]; then
  pass "no address was added to dyn_allow_v4/v6 by the denied lookup"
else
  fail "no address was added to dyn_allow_v4/v6 by the denied lookup" "added: $(tr '\n' ' ' <<<"$added")"
fi
check_blocked "http://$denied_name/ is blocked" "http://$denied_name/"
check "$unresolved_ip is still not in $unresolved_set" not_in_set "$unresolved_set" "$unresolved_ip"
