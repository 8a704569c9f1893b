# shellcheck shell=bash disable=SC2034  # (results in globals are read by the sourcing scripts)
# Shared code of the smoke scripts (smoke-dns.sh, smoke-nft.sh, smoke-dynamic-ip.sh): option
# parsing, PASS/FAIL bookkeeping, the policy API, nft inspection, DNS and HTTP probes, and saving
# and restoring the policy. Sourced, not run. Needs only bash, curl, dig, nft and ip.

# ---- defaults (overridden by the common options) ----
smoke_netns=""                                   # --netns: run everything inside this namespace
smoke_api="http://127.0.0.1:18080"               # --api
smoke_token="${OPENSANDBOX_EGRESS_TOKEN:-}"      # --token
smoke_resolver=""                                # --resolver (default: first nameserver of resolv.conf)
smoke_dns_port=15353                             # --dns-port: the proxy port the redirect targets
smoke_timeout=3                                  # --timeout: seconds per connection attempt / lookup
smoke_keep_policy=false                          # --keep-policy: do not restore the policy at exit

smoke_name=$(basename "$0" .sh)
# Results of the helpers below, read by the scripts that source this file.
smoke_shift=1 dns_status="" dns_addresses="" dns_ede="" probe_verdict="" probe_detail=""
smoke_passed=0
smoke_failed=0
smoke_tmp=""
smoke_saved_policy=""     # the policy found at start (JSON object), restored at exit
smoke_policy_touched=false
smoke_enforcement=""      # enforcementMode reported by GET /policy

# ---- output ----

pass() { smoke_passed=$((smoke_passed + 1)); printf 'PASS  %s\n' "$1"; }
fail() {
  smoke_failed=$((smoke_failed + 1))
  if [[ -n ${2:-} ]]; then printf 'FAIL  %s -- %s\n' "$1" "$2"; else printf 'FAIL  %s\n' "$1"; fi
}
info() { printf 'INFO  %s\n' "$*"; }
section() { printf '\n== %s\n' "$*"; }
die() { printf '%s: %s\n' "$smoke_name" "$*" >&2; exit 2; }
# check NAME COMMAND...: PASS when the command succeeds, FAIL otherwise.
check() {
  local name=$1
  shift
  if "$@"; then pass "$name"; else fail "$name"; fi
}

# ---- options ----

smoke_common_usage() {
  cat <<EOF
Common options:
  --netns NAME       run every probe inside network namespace NAME (ip netns exec); without it, the
                     current namespace (e.g. inside the pod: kubectl exec into the egress container)
  --api URL          the sidecar's policy API as seen from that namespace (default $smoke_api)
  --token TOKEN      value for the OPENSANDBOX-EGRESS-AUTH header (default: \$OPENSANDBOX_EGRESS_TOKEN)
  --resolver ADDR    resolver address dig asks (default: first nameserver of the namespace's
                     /etc/resolv.conf); the sidecar's redirect takes the query to its proxy anyway
  --dns-port PORT    the proxy port the nft redirect must target (default $smoke_dns_port)
  --timeout SEC      whole seconds per lookup or connection attempt (default $smoke_timeout); a blocked
                     connection costs this long
  --keep-policy      leave the last test policy in place instead of restoring the original one
  -h, --help         this help
Output: one PASS/FAIL line per check; exit status 0 when all passed, 1 when any failed, 2 on usage
or set-up errors.
EOF
}

# smoke_common_option "$@": handles one common option; sets smoke_shift to the words it used.
smoke_common_option() {
  smoke_shift=2
  case $1 in
    --netns) smoke_need_value "$@"; smoke_netns=$2 ;;
    --api) smoke_need_value "$@"; smoke_api=${2%/} ;;
    --token) smoke_need_value "$@"; smoke_token=$2 ;;
    --resolver) smoke_need_value "$@"; smoke_resolver=$2 ;;
    --dns-port) smoke_need_value "$@"; smoke_dns_port=$2 ;;
    --timeout) smoke_need_value "$@"; smoke_timeout=$2 ;;
    --keep-policy) smoke_keep_policy=true; smoke_shift=1 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
}

smoke_need_value() {
  [[ $# -ge 2 ]] || die "option $1 needs a value"
}

# ---- running things in the namespace ----

# smoke_enter_netns "$@": with --netns NAME among the arguments, runs the whole script again inside
# that namespace (one `ip netns exec` instead of one per probe; /etc/netns/NAME/resolv.conf, if
# any, then is the script's /etc/resolv.conf, as for any process started with ip netns exec).
smoke_enter_netns() {
  local args=("$@") ns="" i
  for ((i = 0; i < ${#args[@]}; i++)); do
    [[ ${args[i]} != --netns ]] || ns=${args[i + 1]:-}
  done
  [[ -n $ns && ${SMOKE_NETNS_ENTERED:-} != "$ns" ]] || return 0
  command -v ip >/dev/null || die "'ip' is not installed"
  ip netns exec "$ns" true 2>/dev/null || die "cannot enter network namespace '$ns' (does it exist? are you root?)"
  exec ip netns exec "$ns" env SMOKE_NETNS_ENTERED="$ns" bash "$0" "$@"
}

in_ns() {
  if [[ -n $smoke_netns && ${SMOKE_NETNS_ENTERED:-} != "$smoke_netns" ]]; then
    ip netns exec "$smoke_netns" "$@"
  else
    "$@"
  fi
}

smoke_start() {
  [[ $smoke_timeout =~ ^[1-9][0-9]*$ ]] || die "--timeout wants whole seconds, got '$smoke_timeout'"
  [[ $smoke_dns_port =~ ^[0-9]+$ ]] || die "--dns-port wants a number, got '$smoke_dns_port'"
  local tool
  for tool in curl dig nft ip; do
    command -v "$tool" >/dev/null || die "'$tool' is not installed"
  done
  if [[ -n $smoke_netns ]]; then
    in_ns true 2>/dev/null || die "cannot enter network namespace '$smoke_netns' (does it exist? are you root?)"
  fi
  smoke_tmp=$(mktemp -d "/tmp/$smoke_name.XXXXXX")
  # The token goes to curl in a file, not on its command line (visible in ps).
  : >"$smoke_tmp/auth"
  chmod 600 "$smoke_tmp/auth"
  [[ -z $smoke_token ]] || printf 'OPENSANDBOX-EGRESS-AUTH: %s\n' "$smoke_token" >"$smoke_tmp/auth"
  if [[ -z $smoke_resolver ]]; then
    # shellcheck disable=SC2016
    smoke_resolver=$(in_ns awk '$1 == "nameserver" { print $2; exit }' /etc/resolv.conf 2>/dev/null || true)
    [[ -n $smoke_resolver ]] || die "no nameserver in the namespace's /etc/resolv.conf; pass --resolver"
  fi
  trap smoke_exit EXIT
  trap 'echo; echo "$smoke_name: interrupted"; exit 130' INT TERM HUP
  info "$smoke_name: namespace ${smoke_netns:-(current)}, API $smoke_api, resolver $smoke_resolver," \
    "token $([[ -n $smoke_token ]] && echo set || echo 'not set')"
}

# At exit: restore the policy (when a test changed it), print the summary, set the exit status.
smoke_exit() {
  local status=$?
  trap - EXIT INT TERM HUP
  if $smoke_policy_touched && [[ -n $smoke_saved_policy ]]; then
    section "restoring the original policy"
    if $smoke_keep_policy; then
      info "--keep-policy: leaving the test policy in place; the original was: $smoke_saved_policy"
    else
      smoke_restore_policy
    fi
  fi
  [[ -z $smoke_tmp ]] || rm -rf "$smoke_tmp"
  printf '\n%s: %d passed, %d failed\n' "$smoke_name" "$smoke_passed" "$smoke_failed"
  if ((smoke_failed > 0)); then
    exit 1
  fi
  exit "$status"
}

smoke_restore_policy() {
  local _
  for _ in 1 2 3; do
    if api POST /policy "$smoke_saved_policy" && [[ $api_status == 200 ]]; then
      break
    fi
    sleep 1
  done
  if [[ $api_status != 200 ]]; then
    fail "original policy restored" "POST answered ${api_status:-nothing}: $api_body; the original was: $smoke_saved_policy"
    return
  fi
  local now
  now=$(current_policy)
  if [[ $now == "$smoke_saved_policy" ]]; then
    pass "original policy restored"
  else
    fail "original policy restored" "GET shows $now, expected $smoke_saved_policy"
  fi
}

# ---- the policy API ----

# api METHOD PATH [BODY]: sets api_status (HTTP code, "" when no answer) and api_body.
# Sends the token when one is configured. A BODY of "" sends an empty body.
api() {
  local method=$1 path=$2 args=()
  if [[ $# -ge 3 ]]; then
    printf '%s' "$3" >"$smoke_tmp/request"
    args=(-H 'Content-Type: application/json' --data-binary "@$smoke_tmp/request")
  fi
  api_raw "$method" "$path" -H "@$smoke_tmp/auth" "${args[@]}"
}

# api_raw METHOD PATH CURL-ARGS...: the same without the token.
api_raw() {
  local method=$1 path=$2
  shift 2
  api_status=$(in_ns curl -sS --max-time 10 -o "$smoke_tmp/response" -w '%{http_code}' -X "$method" "$@" \
    "$smoke_api$path" 2>"$smoke_tmp/curl-error") || true
  [[ $api_status != 000 ]] || api_status=""
  api_body=$(cat "$smoke_tmp/response" 2>/dev/null || true)
  [[ -n $api_status ]] || api_body=$(cat "$smoke_tmp/curl-error")
}

# The "policy" member of a GET /policy answer (the last member, so everything after it minus "}").
policy_of() {
  sed -n 's/^.*"policy":\(.*\)}[[:space:]]*$/\1/p' <<<"$1"
}
json_string_member() {  # json_string_member JSON NAME: the value of a top-level-ish string member
  sed -n "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$1"
}

current_policy() {
  api GET /policy
  [[ $api_status == 200 ]] && policy_of "$api_body"
}

# set_policy CHECK-NAME METHOD BODY: a policy change that must be answered 200 and status "ok".
set_policy() {
  local name=$1 method=$2 body=$3
  smoke_policy_touched=true
  api "$method" /policy "$body"
  if [[ $api_status == 200 && $api_body == *'"status":"ok"'* ]]; then
    pass "$name"
    return 0
  fi
  fail "$name" "$method /policy answered ${api_status:-nothing}: $api_body"
  return 1
}

# ---- the common first part: health, auth, policy, nftables ----

# inspect_sidecar: health, auth, GET /policy (saved for restore), nft table state.
inspect_sidecar() {
  section "health and API"
  api_raw GET /healthz
  if [[ $api_status == 200 && $api_body == ok ]]; then
    pass "GET /healthz answers 200 ok"
  else
    fail "GET /healthz answers 200 ok" "got ${api_status:-no answer}: $api_body"
    die "the sidecar's API at $smoke_api is not answering; nothing was changed"
  fi
  if [[ -n $smoke_token ]]; then
    api_raw GET /policy
    if [[ $api_status == 401 ]]; then pass "GET /policy without the token is refused (401)"; else
      fail "GET /policy without the token is refused (401)" "got ${api_status:-no answer}"
    fi
  else
    api_raw GET /policy
    if [[ $api_status == 401 ]]; then
      die "the API wants a token: pass --token or set OPENSANDBOX_EGRESS_TOKEN"
    fi
    info "no token given: the API is expected to be unauthenticated (OPENSANDBOX_EGRESS_TOKEN unset)"
  fi
  api GET /policy
  if [[ $api_status == 200 && $api_body == *'"status":"ok"'* ]]; then
    pass "GET /policy answers 200 with status ok"
  else
    fail "GET /policy answers 200 with status ok" "got ${api_status:-no answer}: $api_body"
    die "cannot read the current policy, so it could not be restored; nothing was changed"
  fi
  smoke_saved_policy=$(policy_of "$api_body")
  [[ -n $smoke_saved_policy ]] || die "no \"policy\" member in the GET /policy answer: $api_body"
  smoke_enforcement=$(json_string_member "$api_body" enforcementMode)
  info "mode $(json_string_member "$api_body" mode), enforcementMode $smoke_enforcement"
  info "current policy (restored at exit): $smoke_saved_policy"

  section "nftables state"
  if ! in_ns nft list table inet opensandbox >"$smoke_tmp/table" 2>"$smoke_tmp/nft-error"; then
    fail "table inet opensandbox exists" "$(head -n 3 "$smoke_tmp/nft-error")"
    return
  fi
  pass "table inet opensandbox exists"
  check "chain egress (filter, hook output)" grep -qE 'type filter hook output priority (filter|0);' \
    <(chain_of egress)
  check "chain dns_redirect (nat, hook output)" grep -qE 'type nat hook output priority (-100|dstnat);' \
    <(chain_of dns_redirect)
  check "dns_redirect redirects udp port 53 to :$smoke_dns_port" \
    grep -qE "udp dport 53 redirect to :$smoke_dns_port\$" <(chain_of dns_redirect)
  check "dns_redirect redirects tcp port 53 to :$smoke_dns_port" \
    grep -qE "tcp dport 53 redirect to :$smoke_dns_port\$" <(chain_of dns_redirect)
  check "chain egress drops port-53 traffic that bypasses the proxy" \
    grep -qE '^\s*udp dport 53 drop$' <(chain_of egress)
  local set
  for set in $(expected_sets); do
    if grep -qE "^\s*set $set \{" "$smoke_tmp/table"; then
      pass "set $set exists"
      info "  $set: $(set_summary "$set" "$smoke_tmp/table")"
    else
      fail "set $set exists"
    fi
  done
  info "chain egress policy: $(chain_policy)"
}

expected_sets() {
  if [[ $smoke_enforcement == "dns+nft" ]]; then
    echo allow_v4 allow_v6 deny_v4 deny_v6 dyn_allow_v4 dyn_allow_v6
  else
    echo nameserver_v4
  fi
}

# The lines of one chain of the last listed table ($smoke_tmp/table).
chain_of() {
  sed -n "/^\s*chain $1 {/,/^\s*}/p" "$smoke_tmp/table"
}

# chain_policy: "accept" or "drop", read from the kernel now.
chain_policy() {
  in_ns nft list chain inet opensandbox egress 2>/dev/null | sed -n 's/.*; policy \([a-z]*\);.*/\1/p'
}

# set_elements SET [LISTING]: the elements of a set, one per line (without timeout/expires
# details), read from the kernel or from LISTING (a saved `nft list table` output).
set_elements() {
  if [[ -n ${2:-} ]]; then
    sed -n "/^\s*set $1 {/,/^\s*}/p" "$2"
  else
    in_ns nft list set inet opensandbox "$1" 2>/dev/null
  fi | tr -d '\n\t' | sed -n 's/.*elements = {\([^}]*\)}.*/\1/p' | tr ',' '\n' | awk '{ print $1 }' | sed '/^$/d'
}

set_summary() {  # set_summary SET [LISTING]
  local elements count
  elements=$(set_elements "$@")
  count=$(grep -c . <<<"$elements" || true)
  if ((count == 0)); then echo "empty"; else echo "$count element(s): $(head -n 8 <<<"$elements" | paste -sd " " -)"; fi
}

# in_set SET ELEMENT: the kernel says ELEMENT (address or network) is in SET.
in_set() {
  in_ns nft get element inet opensandbox "$1" "{ $2 }" >/dev/null 2>&1
}
not_in_set() { ! in_set "$@"; }

require_enforcement() {
  if [[ $smoke_enforcement != "$1" ]]; then
    fail "the sidecar runs in mode $1" "GET /policy says enforcementMode '$smoke_enforcement'"
    die "this script needs OPENSANDBOX_EGRESS_MODE=$1; nothing was changed"
  fi
  pass "the sidecar runs in mode $1"
}

# ---- DNS probes ----

# lookup NAME [DIG-OPTIONS...]: asks the namespace's resolver (the redirect takes it to the proxy).
# Sets dns_status (NOERROR, NXDOMAIN, ..., or "no answer"), dns_addresses (A/AAAA records, one per
# line), dns_ede (the EDE line, if any).
lookup() {
  local name=$1
  shift
  local out
  out=$(in_ns dig +time="$smoke_timeout" +tries=1 "@$smoke_resolver" "$@" "$name" 2>&1 || true)
  dns_status=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out" | head -n 1)
  [[ -n $dns_status ]] || dns_status="no answer"
  dns_addresses=$(awk '$0 !~ /^;/ && ($4 == "A" || $4 == "AAAA") { print $5 }' <<<"$out")
  dns_ede=$(grep -m 1 '; EDE:' <<<"$out" || true)
}

# resolves NAME [DIG-OPTIONS...]: NOERROR with at least one address.
check_resolves() {
  local label=$1 name=$2
  shift 2
  lookup "$name" "$@"
  if [[ $dns_status == NOERROR && -n $dns_addresses ]]; then
    pass "$label ($(tr '\n' ' ' <<<"$dns_addresses" | sed 's/ $//'))"
  else
    fail "$label" "status $dns_status, addresses: ${dns_addresses:-none}"
  fi
}

check_nxdomain() {
  local label=$1 name=$2
  shift 2
  lookup "$name" "$@"
  if [[ $dns_status == NXDOMAIN ]]; then pass "$label"; else
    fail "$label" "status $dns_status${dns_addresses:+, addresses $(tr '\n' ' ' <<<"$dns_addresses")}"
  fi
}

# ---- connection probes ----

# probe URL: one curl from the namespace. Sets probe_verdict to
#   connected  a TCP connection was made (whatever happened after: HTTP error, TLS error, ...)
#   refused    the destination (or something on the way) answered with a reset: the packet left
#   unresolved the name did not resolve
#   blocked    anything else without a connection (timeout, EPERM, ...): what the filter chain does
# and probe_detail to a short description.
probe() {
  local url=$1 out code connect rc=0
  out=$(in_ns curl -sS -o /dev/null --connect-timeout "$smoke_timeout" --max-time "$((smoke_timeout + 5))" \
    -w '%{http_code} %{time_connect}' "$url" 2>"$smoke_tmp/probe-error") || rc=$?
  code=${out%% *}
  connect=${out##* }
  local error
  error=$(head -n 1 "$smoke_tmp/probe-error")
  if [[ -n $connect && $connect != 0 && $connect != 0.000000 ]]; then
    probe_verdict=connected
    probe_detail="connected, HTTP $code${error:+, $error}"
  elif [[ $rc -eq 6 ]]; then
    probe_verdict=unresolved
    probe_detail="not resolved: $error"
  elif [[ $error == *"onnection refused"* ]]; then
    probe_verdict=refused
    probe_detail="refused: $error"
  else
    probe_verdict=blocked
    probe_detail="no connection: ${error:-curl exit $rc}"
  fi
}

check_reachable() {
  local label=$1 url=$2
  probe "$url"
  if [[ $probe_verdict == connected ]]; then pass "$label ($probe_detail)"; else fail "$label" "$probe_detail"; fi
}

# check_blocked LABEL URL: no connection, and no refusal either (a refusal means the packet got out).
check_blocked() {
  local label=$1 url=$2
  probe "$url"
  if [[ $probe_verdict == blocked || $probe_verdict == unresolved ]]; then
    pass "$label ($probe_detail)"
  else
    fail "$label" "$probe_detail"
  fi
}

# ---- helpers ----

# url_host URL / url_with_host URL HOST: the host part of a URL / the URL with another host.
url_host() {
  local rest=${1#*://}
  rest=${rest%%/*}
  rest=${rest%%\?*}
  if [[ $rest == \[* ]]; then rest=${rest#[}; echo "${rest%%]*}"; else echo "${rest%%:*}"; fi
}
url_with_host() {
  local url=$1 host=$2 old
  old=$(url_host "$url")
  [[ $host != *:* ]] || host="[$host]"
  [[ $old != *:* ]] || old="[$old]"
  echo "${url/"$old"/"$host"}"
}

# metric NAME-WITH-LABELS: its value from /metrics (0 when absent).
metric() {
  local value
  value=$(in_ns curl -sS --max-time 5 "$smoke_api/metrics" 2>/dev/null |
    awk -v key="$1" '$1 == key { print $2; exit }')
  echo "${value:-0}"
}

# contains TEXT FRAGMENT / lacks TEXT FRAGMENT
contains() { [[ $1 == *"$2"* ]]; }
lacks() { [[ $1 != *"$2"* ]]; }

# wildcard_covers '*.example.com' www.example.com
wildcard_covers() {
  [[ $1 == '*.'* && $2 == *".${1#\*.}" ]]
}

# rules_json ACTION TARGET [ACTION TARGET ...]: a JSON array of rules.
rules_json() {
  local out="" sep=""
  while [[ $# -ge 2 ]]; do
    out+="$sep{\"action\":\"$1\",\"target\":\"$2\"}"
    sep=","
    shift 2
  done
  echo "[$out]"
}
policy_json() {  # policy_json DEFAULT ACTION TARGET ...
  local default=$1
  shift
  echo "{\"defaultAction\":\"$default\",\"egress\":$(rules_json "$@")}"
}
