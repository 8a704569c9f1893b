#!/usr/bin/env bash
# Smoke test of a running egress sidecar in mode dns+nft: an allow-by-default policy with a denied
# wildcard and a denied CIDR (allowed site reachable, denied name blocked, address in the denied
# CIDR blocked, DNS-over-TLS port 853 blocked), the two PATCH overrides (a specific allow over a
# denied wildcard, a specific deny over an allowed wildcard), DELETE of rules, and an invalid
# policy refused without effect. Restores the original policy at exit.
#
# Usage (root, or CAP_NET_ADMIN in the sidecar's namespace):
#   smoke/smoke-nft.sh [--netns NAME] [--api URL] [--token TOKEN] [options]
# Defaults match scripts/demo.sh. See smoke/README.md.
set -euo pipefail
# shellcheck source=smoke/lib.sh
source "$(dirname "$0")/lib.sh"
smoke_enter_netns "$@"

allowed_url=http://pypi.allowed.demo/
allowed_wildcard='*.allowed.demo'
allowed_sibling=files.allowed.demo
denied_wildcard='*.evil.demo'
denied_name=exfil.evil.demo
denied_url=""
denied_cidr=198.51.100.20/30
denied_cidr_url=http://198.51.100.20/
dot_url=http://198.51.100.10:853/

usage() {
  cat <<EOF
Usage: $0 [options]
Checks a running egress sidecar's nftables enforcement and the PATCH/DELETE API (mode dns+nft).
  --allowed-url URL       a site the allow-by-default policy leaves reachable (default $allowed_url)
  --allowed-wildcard W    a wildcard covering that site's name, allowed and then overridden by a
                          specific deny (default '$allowed_wildcard')
  --allowed-sibling NAME  another name below that wildcard that must keep resolving; '' skips
                          (default $allowed_sibling)
  --denied-wildcard W     the wildcard the policy denies (default '$denied_wildcard')
  --denied-name NAME      a name below it, existing upstream (default $denied_name)
  --denied-url URL        fetched for the denied name (default http://<denied-name>/)
  --denied-cidr CIDR      the network the policy denies (default $denied_cidr)
  --denied-cidr-url URL   a reachable server inside that network (default $denied_cidr_url)
  --dot-url URL           an allowed address on port 853, must be dropped (default $dot_url)
EOF
  smoke_common_usage
}

while (($#)); do
  case $1 in
    --allowed-url) smoke_need_value "$@"; allowed_url=$2; shift 2 ;;
    --allowed-wildcard) smoke_need_value "$@"; allowed_wildcard=$2; shift 2 ;;
    --allowed-sibling) smoke_need_value "$@"; allowed_sibling=$2; shift 2 ;;
    --denied-wildcard) smoke_need_value "$@"; denied_wildcard=$2; shift 2 ;;
    --denied-name) smoke_need_value "$@"; denied_name=$2; shift 2 ;;
    --denied-url) smoke_need_value "$@"; denied_url=$2; shift 2 ;;
    --denied-cidr) smoke_need_value "$@"; denied_cidr=$2; shift 2 ;;
    --denied-cidr-url) smoke_need_value "$@"; denied_cidr_url=$2; shift 2 ;;
    --dot-url) smoke_need_value "$@"; dot_url=$2; shift 2 ;;
    *) smoke_common_option "$@"; shift "$smoke_shift" ;;
  esac
done
[[ -n $denied_url ]] || denied_url="http://$denied_name/"
allowed_host=$(url_host "$allowed_url")
wildcard_covers "$allowed_wildcard" "$allowed_host" ||
  die "the host of --allowed-url ($allowed_host) is not covered by --allowed-wildcard $allowed_wildcard"
[[ -z $allowed_sibling ]] || wildcard_covers "$allowed_wildcard" "$allowed_sibling" ||
  die "--allowed-sibling $allowed_sibling is not covered by --allowed-wildcard $allowed_wildcard"
wildcard_covers "$denied_wildcard" "$denied_name" ||
  die "--denied-name $denied_name is not covered by --denied-wildcard $denied_wildcard"
deny_set=deny_v4
[[ $denied_cidr != *:* ]] || deny_set=deny_v6

smoke_start
inspect_sidecar
require_enforcement dns+nft

section "policy: allow by default, deny $denied_wildcard and $denied_cidr"
base=$(policy_json allow deny "$denied_wildcard" deny "$denied_cidr")
set_policy "POST /policy $base" POST "$base"
base_now=$(current_policy || true)
check "GET /policy shows the new policy" contains "$base_now" "\"target\":\"$denied_cidr\""
check "chain egress policy is accept (defaultAction allow)" test "$(chain_policy)" = accept
check "$deny_set holds $denied_cidr" in_set "$deny_set" "$denied_cidr"

invalid='{"defaultAction":"allow","egress":[{"action":"deny","target":"10.0.0.0/33"}]}'
api POST /policy "$invalid"
if [[ $api_status == 400 && $api_body == *"invalid policy"* ]]; then
  pass "an invalid policy is refused with 400 ($api_body)"
else
  fail "an invalid policy is refused with 400" "got ${api_status:-no answer}: $api_body"
fi
check "the refused policy changed nothing" test "$(current_policy || true)" = "$base_now"

section "enforcement"
check_reachable "allowed site $allowed_url connects" "$allowed_url"
check_nxdomain "denied name $denied_name gets NXDOMAIN" "$denied_name"
check_blocked "denied $denied_url is blocked" "$denied_url"
check_blocked "$denied_cidr_url in the denied network $denied_cidr is blocked" "$denied_cidr_url"
check_blocked "DNS over TLS port 853 is blocked: $dot_url" "$dot_url"

section "PATCH: a specific allow overrides the denied wildcard $denied_wildcard"
set_policy "PATCH /policy allow $denied_name" PATCH "$(rules_json allow "$denied_name")"
now=$(current_policy || true)
check "the patch rule comes first in GET /policy" \
  contains "$now" "\"egress\":[{\"action\":\"allow\",\"target\":\"$denied_name\"}"
check_resolves "$denied_name now resolves" "$denied_name"
check_reachable "$denied_url now connects" "$denied_url"

section "PATCH: a specific deny overrides the allowed wildcard $allowed_wildcard"
set_policy "PATCH /policy allow $allowed_wildcard" PATCH "$(rules_json allow "$allowed_wildcard")"
check_resolves "$allowed_host resolves under the allowed wildcard" "$allowed_host"
set_policy "PATCH /policy deny $allowed_host" PATCH "$(rules_json deny "$allowed_host")"
check_nxdomain "$allowed_host now gets NXDOMAIN" "$allowed_host"
check_blocked "$allowed_url is now blocked" "$allowed_url"
if [[ -n $allowed_sibling ]]; then
  check_resolves "$allowed_sibling (same wildcard) still resolves" "$allowed_sibling"
fi

section "DELETE"
set_policy "DELETE /policy [\"$allowed_host\"]" DELETE "[\"$allowed_host\"]"
now=$(current_policy || true)
check "GET /policy no longer lists $allowed_host" lacks "$now" "\"target\":\"$allowed_host\""
check_resolves "$allowed_host resolves again" "$allowed_host"
check_reachable "$allowed_url connects again" "$allowed_url"
set_policy "DELETE /policy [\"$denied_cidr\"]" DELETE "[\"$denied_cidr\"]"
check "$deny_set no longer holds $denied_cidr" not_in_set "$deny_set" "$denied_cidr"
check_reachable "$denied_cidr_url connects now that its network is not denied" "$denied_cidr_url"
set_policy "DELETE /policy [\"$denied_name\"] (the patched allow)" DELETE "[\"$denied_name\"]"
check_nxdomain "$denied_name is denied again by $denied_wildcard" "$denied_name"
api DELETE /policy '["no-such-rule.invalid"]'
if [[ $api_status == 200 && $api_body == *"no matching targets found"* ]]; then
  pass "DELETE of a target without a rule changes nothing (\"no matching targets found\")"
else
  fail "DELETE of a target without a rule changes nothing" "got ${api_status:-no answer}: $api_body"
fi
