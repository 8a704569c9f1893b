#include "nft/ruleset_batch.hpp"

// clang-format off
// netinet/in.h must precede the linux/ uapi headers, which otherwise define in_addr themselves.
#include <netinet/in.h>
// clang-format on
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <map>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "nft/audited_packet.hpp"
#include "nft/batch_messages.hpp"
#include "nft/interval_elements.hpp"
#include "nft/learned_removal.hpp"
#include "nft/rule_builder.hpp"
#include "nft/ruleset_names.hpp"
#include "nft/set_elements.hpp"

namespace egress::nft {
namespace {

using common::IpFamily;

constexpr uint32_t kNftTypeIpv4Address = 7;  // nft's datatype ids, so `nft list` prints the type
constexpr uint32_t kNftTypeIpv6Address = 8;
constexpr uint32_t kNftTypeInetProtocol = 12;
constexpr uint32_t kNftTypeInetService = 13;
constexpr uint32_t kNftTypeBits = 6;  // a concatenation's type: its fields' ids, 6 bits each
constexpr int kFilterPriority = 0;
constexpr int kNatOutputPriority = -100;
constexpr int kRawPriority = -300;         // before conntrack (-200)
constexpr int kOwnTrafficPriority = -350;  // before every other chain that reads the mark
constexpr uint16_t kDnsPort = 53;
constexpr uint16_t kDotPort = 853;
constexpr uint16_t kHttpsPort = 443;
constexpr size_t kDynamicSetSize = 65536;

// Set ids for sets created in this batch (rules and elements refer to them by name + id).
class SetIds {
  public:
    uint32_t assign(std::string_view name) { return ids_[std::string(name)] = next_++; }
    std::optional<uint32_t> find(std::string_view name) const {
        const auto found = ids_.find(std::string(name));
        return found == ids_.end() ? std::nullopt : std::optional(found->second);
    }

  private:
    std::map<std::string, uint32_t> ids_;
    uint32_t next_ = 1;
};

// Everything a batch builder needs in one place.
struct Context {
    NftBatch& batch;
    const RulesetOptions& options;
    const FilterPolicy& policy;
    SetIds ids;
};

// What a set holds: addresses, or `address . protocol . port` concatenations; fixed, or learned
// with timeouts.
struct SetShape {
    IpFamily family;
    bool ported = false;
    bool dynamic = false;
    bool marked_by_packets = false;  // packets add and refresh elements (dyn_seen)
};

void set_key(nftnl_set& set, const SetShape& shape) {
    const bool v4 = shape.family == IpFamily::v4;
    const uint32_t address_type = v4 ? kNftTypeIpv4Address : kNftTypeIpv6Address;
    const uint32_t address_length = v4 ? 4 : 16;
    if (!shape.ported) {
        nftnl_set_set_u32(&set, NFTNL_SET_KEY_TYPE, address_type);
        nftnl_set_set_u32(&set, NFTNL_SET_KEY_LEN, address_length);
        return;
    }
    const uint32_t type =
        (((address_type << kNftTypeBits) | kNftTypeInetProtocol) << kNftTypeBits) | kNftTypeInetService;
    nftnl_set_set_u32(&set, NFTNL_SET_KEY_TYPE, type);
    nftnl_set_set_u32(&set, NFTNL_SET_KEY_LEN, address_length + 4 + 4);  // each field in whole registers
    if (!shape.dynamic) {  // the interval (pipapo) backend needs the field layout
        const std::array<uint8_t, NFT_REG32_COUNT> field_lengths{static_cast<uint8_t>(address_length), 1, 2};
        nftnl_set_set_data(&set, NFTNL_SET_DESC_CONCAT, field_lengths.data(), sizeof field_lengths);
    }
}

uint32_t set_flags(const SetShape& shape) {
    if (shape.marked_by_packets) {
        return NFT_SET_TIMEOUT | NFT_SET_EVAL;
    }
    if (shape.dynamic) {
        return NFT_SET_TIMEOUT;
    }
    return shape.ported ? NFT_SET_INTERVAL | NFT_SET_CONCAT : NFT_SET_INTERVAL;
}

void declare_set(Context& context, std::string_view name, const SetShape& shape) {
    SetPtr set(nftnl_set_alloc());
    if (!set) {
        throw std::bad_alloc();
    }
    nftnl_set_set_u32(set.get(), NFTNL_SET_FAMILY, NFPROTO_INET);
    nftnl_set_set_str(set.get(), NFTNL_SET_TABLE, std::string(names::kTable).c_str());
    nftnl_set_set_str(set.get(), NFTNL_SET_NAME, std::string(name).c_str());
    set_key(*set, shape);
    nftnl_set_set_u32(set.get(), NFTNL_SET_ID, context.ids.assign(name));
    nftnl_set_set_u32(set.get(), NFTNL_SET_FLAGS, set_flags(shape));
    if (shape.dynamic) {
        const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
            shape.marked_by_packets ? context.options.seen_window : context.options.dynamic_set_timeout);
        nftnl_set_set_u64(set.get(), NFTNL_SET_TIMEOUT, static_cast<uint64_t>(timeout.count()));
        nftnl_set_set_u32(set.get(), NFTNL_SET_DESC_SIZE, kDynamicSetSize);
    }
    add_set(context.batch, *set, "adding set " + std::string(name));
}

std::vector<common::IpPrefix> of_family(std::span<const common::IpPrefix> prefixes, IpFamily family) {
    std::vector<common::IpPrefix> selected;
    for (const auto& prefix : prefixes) {
        if (prefix.family() == family) {
            selected.push_back(prefix);
        }
    }
    return normalize_prefixes(std::move(selected));
}

std::vector<common::IpPrefix> nameserver_prefixes(const FilterPolicy& policy, IpFamily family) {
    std::vector<common::IpPrefix> prefixes;
    for (const auto& address : policy.nameservers) {
        prefixes.push_back(common::IpPrefix::host(address));
    }
    return of_family(prefixes, family);
}

// Each static set with the prefixes it should hold.
std::vector<std::pair<std::string_view, std::vector<common::IpPrefix>>> static_set_contents(
    const RulesetOptions& options, const FilterPolicy& policy) {
    std::vector<std::pair<std::string_view, std::vector<common::IpPrefix>>> contents = {
        {names::kNameserverV4, nameserver_prefixes(policy, IpFamily::v4)},
        {names::kNameserverV6, nameserver_prefixes(policy, IpFamily::v6)},
    };
    if (options.mode == EnforcementMode::dns) {
        return contents;
    }
    const auto& sets = policy.prefixes;
    contents.emplace_back(names::kAllowV4, of_family(sets.allow_v4, IpFamily::v4));
    contents.emplace_back(names::kAllowV6, of_family(sets.allow_v6, IpFamily::v6));
    contents.emplace_back(names::kDenyV4, of_family(sets.deny_v4, IpFamily::v4));
    contents.emplace_back(names::kDenyV6, of_family(sets.deny_v6, IpFamily::v6));
    contents.emplace_back(names::kAuditV4, of_family(sets.audit_v4, IpFamily::v4));
    contents.emplace_back(names::kAuditV6, of_family(sets.audit_v6, IpFamily::v6));
    contents.emplace_back(names::kDohBlockV4, of_family(policy.doh.blocklist, IpFamily::v4));
    contents.emplace_back(names::kDohBlockV6, of_family(policy.doh.blocklist, IpFamily::v6));
    return contents;
}

IpFamily family_of_set(std::string_view name) {
    return name.ends_with("_v4") ? IpFamily::v4 : IpFamily::v6;
}

// The port-scoped sets with what they should hold (none in dns mode).
std::vector<std::pair<std::string_view, std::vector<PortedPrefix>>> ported_set_contents(
    const RulesetOptions& options, const FilterPolicy& policy) {
    if (options.mode == EnforcementMode::dns) {
        return {};
    }
    const auto of_family = [](const std::vector<PortedPrefix>& entries, IpFamily family) {
        std::vector<PortedPrefix> selected;
        std::copy_if(entries.begin(), entries.end(), std::back_inserter(selected),
                     [&](const PortedPrefix& entry) { return entry.prefix.family() == family; });
        std::sort(selected.begin(), selected.end());
        return selected;
    };
    const auto& sets = policy.prefixes;
    return {{names::kPortAllowV4, of_family(sets.ported_allow, IpFamily::v4)},
            {names::kPortAllowV6, of_family(sets.ported_allow, IpFamily::v6)},
            {names::kPortDenyV4, of_family(sets.ported_deny, IpFamily::v4)},
            {names::kPortDenyV6, of_family(sets.ported_deny, IpFamily::v6)}};
}

void declare_sets(Context& context) {
    for (const auto& [name, prefixes] : static_set_contents(context.options, context.policy)) {
        declare_set(context, name, {family_of_set(name), false, false});
    }
    for (const auto& [name, entries] : ported_set_contents(context.options, context.policy)) {
        declare_set(context, name, {family_of_set(name), true, false});
    }
    if (context.options.mode == EnforcementMode::dns_and_nft) {
        for (const IpFamily family : {IpFamily::v4, IpFamily::v6}) {
            declare_set(context, names::dyn_allow(family), {family, false, true});
            declare_set(context, names::dyn_port_allow(family), {family, true, true});
            declare_set(context, names::dyn_seen(family), {family, false, true, true});
        }
    }
}

void fill_static_sets(Context& context) {
    for (const auto& [name, prefixes] : static_set_contents(context.options, context.policy)) {
        put_interval_elements(context.batch, ElementOperation::add, name, context.ids.find(name), prefixes);
    }
    for (const auto& [name, entries] : ported_set_contents(context.options, context.policy)) {
        put_ported_interval_elements(context.batch, ElementOperation::add, name, context.ids.find(name),
                                     entries);
    }
}

struct BaseChain {
    std::string_view name;
    const char* type;
    unsigned hook;  // NF_INET_LOCAL_OUT or NF_INET_PRE_ROUTING
    int priority;
    int policy;
};

void add_base_chain(Context& context, const BaseChain& spec) {
    ChainPtr chain(nftnl_chain_alloc());
    if (!chain) {
        throw std::bad_alloc();
    }
    nftnl_chain_set_u32(chain.get(), NFTNL_CHAIN_FAMILY, NFPROTO_INET);
    nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_TABLE, std::string(names::kTable).c_str());
    nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_NAME, std::string(spec.name).c_str());
    nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_TYPE, spec.type);
    nftnl_chain_set_u32(chain.get(), NFTNL_CHAIN_HOOKNUM, spec.hook);
    nftnl_chain_set_s32(chain.get(), NFTNL_CHAIN_PRIO, spec.priority);
    nftnl_chain_set_u32(chain.get(), NFTNL_CHAIN_POLICY, static_cast<uint32_t>(spec.policy));
    const char* hook = spec.hook == NF_INET_LOCAL_OUT  ? "output"
                       : spec.hook == NF_INET_LOCAL_IN ? "input"
                                                       : "prerouting";
    add_chain(context.batch, *chain,
              std::string("adding chain ") + std::string(spec.name) + " (type " + spec.type + " hook " +
                  hook + ")");
}

int filter_chain_policy(const Context& context) {
    const bool accept = context.options.mode == EnforcementMode::dns ||
                        context.policy.default_action == DefaultAction::allow || context.policy.audit;
    return accept ? NF_ACCEPT : NF_DROP;
}

void add_filter_chain(Context& context) {
    add_base_chain(context, {names::kFilterChain, "filter", NF_INET_LOCAL_OUT, kFilterPriority,
                             filter_chain_policy(context)});
}

void append_rule(Context& context, std::string_view chain, RuleBuilder&& builder, std::string_view text) {
    RulePtr rule = std::move(builder).build();
    add_rule(context.batch, *rule, "adding rule '" + std::string(text) + "' to chain " + std::string(chain));
}

RuleBuilder rule_in(std::string_view chain) {
    return RuleBuilder(names::kTable, chain);
}

std::string_view protocol_name(uint8_t protocol) {
    return protocol == IPPROTO_TCP ? "tcp" : "udp";
}

// Port-53 traffic to an exempt resolver: neither redirected nor dropped.
void add_nameserver_rules(Context& context, std::string_view chain) {
    for (const IpFamily family : {IpFamily::v4, IpFamily::v6}) {
        const std::string_view set = family == IpFamily::v4 ? names::kNameserverV4 : names::kNameserverV6;
        for (const uint8_t protocol : {uint8_t{IPPROTO_UDP}, uint8_t{IPPROTO_TCP}}) {
            auto builder = rule_in(chain);
            builder.match_destination_in_set(family, set, context.ids.find(set))
                .match_l4proto(protocol)
                .match_destination_port(kDnsPort)
                .verdict(NF_ACCEPT);
            append_rule(context, chain, std::move(builder),
                        std::string(family == IpFamily::v4 ? "ip" : "ip6") + " daddr @" + std::string(set) +
                            " " + std::string(protocol_name(protocol)) + " dport 53 accept");
        }
    }
}

void add_port_rule(Context& context, uint8_t protocol, uint16_t port, int verdict) {
    auto builder = rule_in(names::kFilterChain);
    builder.match_l4proto(protocol).match_destination_port(port).verdict(verdict);
    append_rule(context, names::kFilterChain, std::move(builder),
                std::string(protocol_name(protocol)) + " dport " + std::to_string(port) +
                    (verdict == NF_ACCEPT ? " accept" : " drop"));
}

void add_ported_set_rule(Context& context, IpFamily family, std::string_view set, int verdict) {
    auto builder = rule_in(names::kFilterChain);
    builder.match_destination_and_port_in_set(family, set, context.ids.find(set)).verdict(verdict);
    append_rule(context, names::kFilterChain, std::move(builder),
                std::string(family == IpFamily::v4 ? "ip" : "ip6") + " daddr . meta l4proto . th dport @" +
                    std::string(set) + (verdict == NF_ACCEPT ? " accept" : " drop"));
}

void add_set_rule(Context& context, IpFamily family, std::string_view set, int verdict,
                  std::optional<uint16_t> tcp_port = std::nullopt) {
    auto builder = rule_in(names::kFilterChain);
    builder.match_destination_in_set(family, set, context.ids.find(set));
    std::string text = std::string(family == IpFamily::v4 ? "ip" : "ip6") + " daddr @" + std::string(set);
    if (tcp_port) {
        builder.match_l4proto(IPPROTO_TCP).match_destination_port(*tcp_port);
        text += " tcp dport " + std::to_string(*tcp_port);
    }
    builder.verdict(verdict);
    append_rule(context, names::kFilterChain, std::move(builder),
                text + (verdict == NF_ACCEPT ? " accept" : " drop"));
}

// Would-deny: let through and counted; when egress reads the audit log group, each connection's
// first packet is logged there too (the established rule above passes the rest).
// Returns the statements' text.
std::string audit_and_accept(Context& context, RuleBuilder& builder, std::string_view prefix) {
    std::string text;
    if (const auto group = context.options.audit_log_group) {
        builder.log_to_group(*group, prefix, kAuditedPacketBytes);
        text = "log prefix \"" + std::string(prefix) + "\" group " + std::to_string(*group) + " snaplen " +
               std::to_string(kAuditedPacketBytes) + " ";
    }
    builder.counter().verdict(NF_ACCEPT);
    return text + "counter accept";
}

void add_audit_set_rule(Context& context, IpFamily family, std::string_view set) {
    auto builder = rule_in(names::kFilterChain);
    builder.match_destination_in_set(family, set, context.ids.find(set));
    const std::string text = std::string(family == IpFamily::v4 ? "ip" : "ip6") + " daddr @" +
                             std::string(set) + " " + audit_and_accept(context, builder, kAuditRulePrefix);
    append_rule(context, names::kFilterChain, std::move(builder), text);
}

// Redirected DNS: the filter hook still reports the original output device (not lo), so accept
// the proxy's loopback listeners explicitly (this also survives a deny of 127.0.0.0/8).
void add_proxy_rules(Context& context) {
    const uint16_t port = context.options.proxy_port;
    for (const char* loopback : {"127.0.0.1", "::1"}) {
        const auto address = common::IpAddress::parse_or_throw(loopback);
        for (const uint8_t protocol : {uint8_t{IPPROTO_UDP}, uint8_t{IPPROTO_TCP}}) {
            auto builder = rule_in(names::kFilterChain);
            builder.match_destination(address).match_l4proto(protocol).match_destination_port(port).verdict(
                NF_ACCEPT);
            append_rule(context, names::kFilterChain, std::move(builder),
                        std::string(address.is_v4() ? "ip" : "ip6") + " daddr " + loopback + " " +
                            std::string(protocol_name(protocol)) + " dport " + std::to_string(port) +
                            " accept");
        }
    }
}

// Connections the nat chain sent to the credential proxy, which reports the original device too.
void add_intercept_proxy_rules(Context& context) {
    const auto& intercept = context.options.intercept;
    if (!intercept || !context.options.nat_redirect) {
        return;
    }
    for (const char* loopback : {"127.0.0.1", "::1"}) {
        const auto address = common::IpAddress::parse_or_throw(loopback);
        auto builder = rule_in(names::kFilterChain);
        builder.match_destination(address)
            .match_l4proto(IPPROTO_TCP)
            .match_destination_port(intercept->proxy_port)
            .verdict(NF_ACCEPT);
        append_rule(context, names::kFilterChain, std::move(builder),
                    std::string(address.is_v4() ? "ip" : "ip6") + " daddr " + loopback + " tcp dport " +
                        std::to_string(intercept->proxy_port) + " accept");
    }
}

// The rules that keep DNS on the proxy: marked (the proxy's own) and loopback (redirected)
// traffic pass; any other port-53 packet is dropped whatever its conntrack state, so a flow the
// nat chain did not redirect (e.g. one that reuses the tuple of the proxy's upstream flow) dies.
void add_dns_guard_rules(Context& context) {
    const auto chain = names::kFilterChain;
    auto marked = rule_in(chain);
    marked.match_mark(context.options.bypass_mark).verdict(NF_ACCEPT);
    append_rule(context, chain, std::move(marked),
                "meta mark " + std::to_string(context.options.bypass_mark) + " accept");
    auto loopback = rule_in(chain);
    loopback.match_output_interface("lo").verdict(NF_ACCEPT);
    append_rule(context, chain, std::move(loopback), "oifname \"lo\" accept");
    add_proxy_rules(context);
    add_intercept_proxy_rules(context);
    add_nameserver_rules(context, chain);
    add_port_rule(context, IPPROTO_UDP, kDnsPort, NF_DROP);
    add_port_rule(context, IPPROTO_TCP, kDnsPort, NF_DROP);
}

// IPv6 needs neighbour discovery to reach anything, and it leaves through this hook.
void add_neighbour_discovery_rules(Context& context) {
    constexpr std::pair<uint8_t, const char*> kTypes[] = {
        {133, "nd-router-solicit"}, {135, "nd-neighbor-solicit"}, {136, "nd-neighbor-advert"}};
    for (const auto& [type, name] : kTypes) {
        auto builder = rule_in(names::kFilterChain);
        builder.match_icmpv6_type(type).verdict(NF_ACCEPT);
        append_rule(context, names::kFilterChain, std::move(builder),
                    std::string("icmpv6 type ") + name + " accept");
    }
}

void add_doh_rules(Context& context) {
    const auto& doh = context.policy.doh;
    if (!doh.block_443) {
        return;
    }
    if (doh.blocklist.empty()) {
        add_port_rule(context, IPPROTO_TCP, kHttpsPort, NF_DROP);
        return;
    }
    add_set_rule(context, IpFamily::v4, names::kDohBlockV4, NF_DROP, kHttpsPort);
    add_set_rule(context, IpFamily::v6, names::kDohBlockV6, NF_DROP, kHttpsPort);
}

// Every packet to a learned element, established or not, marks its address in dyn_seen, so egress
// can keep the elements in use alive (the mark itself opens nothing).
void add_use_marking_rules(Context& context) {
    for (const IpFamily family : {IpFamily::v4, IpFamily::v6}) {
        const std::string ip = family == IpFamily::v4 ? "ip" : "ip6";
        const auto seen = names::dyn_seen(family);
        const std::string update = " update @" + std::string(seen) + " { " + ip + " daddr }";
        auto any_port = rule_in(names::kFilterChain);
        any_port
            .match_destination_in_set(family, names::dyn_allow(family),
                                      context.ids.find(names::dyn_allow(family)))
            .update_set(seen, context.ids.find(seen), NFT_REG_1);
        append_rule(context, names::kFilterChain, std::move(any_port),
                    ip + " daddr @" + std::string(names::dyn_allow(family)) + update);
        auto on_port = rule_in(names::kFilterChain);
        const auto ported = names::dyn_port_allow(family);
        on_port.match_destination_and_port_in_set(family, ported, context.ids.find(ported))
            .update_set(seen, context.ids.find(seen), NFT_REG_1);
        append_rule(context, names::kFilterChain, std::move(on_port),
                    ip + " daddr . meta l4proto . th dport @" + std::string(ported) + update);
    }
}

void add_policy_rules(Context& context) {
    add_use_marking_rules(context);
    auto revoked = rule_in(names::kFilterChain);
    revoked.match_ct_mark_any(names::kRevokedConnectionMark).verdict(NF_DROP);
    append_rule(context, names::kFilterChain, std::move(revoked), "ct mark & 0x40000000 != 0 drop");
    auto established = rule_in(names::kFilterChain);
    established.match_ct_state_any(NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED))
        .verdict(NF_ACCEPT);
    append_rule(context, names::kFilterChain, std::move(established), "ct state established,related accept");
    add_neighbour_discovery_rules(context);
    if (context.options.block_dot) {
        add_port_rule(context, IPPROTO_TCP, kDotPort, NF_DROP);
        add_port_rule(context, IPPROTO_UDP, kDotPort, NF_DROP);
    }
    add_doh_rules(context);
    // Every deny before any allow: deny wins whatever the ports either is limited to.
    add_ported_set_rule(context, IpFamily::v4, names::kPortDenyV4, NF_DROP);
    add_ported_set_rule(context, IpFamily::v6, names::kPortDenyV6, NF_DROP);
    add_set_rule(context, IpFamily::v4, names::kDenyV4, NF_DROP);
    add_set_rule(context, IpFamily::v6, names::kDenyV6, NF_DROP);
    add_set_rule(context, IpFamily::v4, names::kDynAllowV4, NF_ACCEPT);
    add_set_rule(context, IpFamily::v6, names::kDynAllowV6, NF_ACCEPT);
    add_ported_set_rule(context, IpFamily::v4, names::kDynPortAllowV4, NF_ACCEPT);
    add_ported_set_rule(context, IpFamily::v6, names::kDynPortAllowV6, NF_ACCEPT);
    add_set_rule(context, IpFamily::v4, names::kAllowV4, NF_ACCEPT);
    add_set_rule(context, IpFamily::v6, names::kAllowV6, NF_ACCEPT);
    add_ported_set_rule(context, IpFamily::v4, names::kPortAllowV4, NF_ACCEPT);
    add_ported_set_rule(context, IpFamily::v6, names::kPortAllowV6, NF_ACCEPT);
    add_audit_set_rule(context, IpFamily::v4, names::kAuditV4);
    add_audit_set_rule(context, IpFamily::v6, names::kAuditV6);
    if (context.policy.default_action == DefaultAction::deny) {
        auto last = rule_in(names::kFilterChain);
        std::string text = "counter drop";
        if (context.policy.audit) {
            text = audit_and_accept(context, last, kAuditDefaultPrefix);
        } else {
            last.counter().verdict(NF_DROP);
        }
        append_rule(context, names::kFilterChain, std::move(last), text);
    }
}

void add_filter_chain_and_rules(Context& context) {
    add_filter_chain(context);
    add_dns_guard_rules(context);
    if (context.options.mode == EnforcementMode::dns_and_nft) {
        add_policy_rules(context);
    }
}

// The workload's TCP to the intercepted ports goes to the credential proxy; loopback traffic and
// the proxy's own onward connections (their mark) do not.
void add_intercept_redirect_rules(Context& context) {
    const auto& intercept = context.options.intercept;
    if (!intercept) {
        return;
    }
    const auto chain = names::kNatChain;
    auto onward = rule_in(chain);
    onward.match_mark(intercept->mark).verdict(NF_ACCEPT);
    append_rule(context, chain, std::move(onward),
                "meta mark " + std::to_string(intercept->mark) + " accept");
    auto loopback = rule_in(chain);
    loopback.match_output_interface("lo").verdict(NF_ACCEPT);
    append_rule(context, chain, std::move(loopback), "oifname \"lo\" accept");
    for (const uint16_t port : intercept->ports) {
        auto redirect = rule_in(chain);
        redirect.match_l4proto(IPPROTO_TCP)
            .match_destination_port(port)
            .redirect_to_port(intercept->proxy_port);
        append_rule(
            context, chain, std::move(redirect),
            "tcp dport " + std::to_string(port) + " redirect to :" + std::to_string(intercept->proxy_port));
    }
}

void add_nat_chain_and_rules(Context& context) {
    const auto chain = names::kNatChain;
    add_base_chain(context, {chain, "nat", NF_INET_LOCAL_OUT, kNatOutputPriority, NF_ACCEPT});
    auto marked = rule_in(chain);
    marked.match_mark(context.options.bypass_mark).verdict(NF_ACCEPT);
    append_rule(context, chain, std::move(marked),
                "meta mark " + std::to_string(context.options.bypass_mark) + " accept");
    add_nameserver_rules(context, chain);
    for (const uint8_t protocol : {uint8_t{IPPROTO_UDP}, uint8_t{IPPROTO_TCP}}) {
        auto redirect = rule_in(chain);
        redirect.match_l4proto(protocol).match_destination_port(kDnsPort).redirect_to_port(
            context.options.proxy_port);
        append_rule(context, chain, std::move(redirect),
                    "meta l4proto " + std::string(protocol_name(protocol)) +
                        " th dport 53 redirect to :" + std::to_string(context.options.proxy_port));
    }
    add_intercept_redirect_rules(context);
}

// The proxy's upstream flows and the redirected workload flows share one tuple space
// (sandbox:port -> resolver:53). Tracked, a marked flow reusing a workload flow's tuple would
// follow that flow's redirect back into the proxy, and a workload flow reusing a marked flow's
// tuple would skip the redirect (and be dropped by the guard). So the proxy's port-53 flows are
// not tracked: its marked packets out, and the resolvers' answers in (workload answers arrive
// over loopback already tracked, which notrack leaves alone).
void add_notrack_chains_and_rules(Context& context) {
    const auto upstream = names::kUpstreamNotrackChain;
    const auto replies = names::kReplyNotrackChain;
    add_base_chain(context, {upstream, "filter", NF_INET_LOCAL_OUT, kRawPriority, NF_ACCEPT});
    add_base_chain(context, {replies, "filter", NF_INET_PRE_ROUTING, kRawPriority, NF_ACCEPT});
    for (const uint8_t protocol : {uint8_t{IPPROTO_UDP}, uint8_t{IPPROTO_TCP}}) {
        const std::string l4 = "meta l4proto " + std::string(protocol_name(protocol));
        auto outgoing = rule_in(upstream);
        outgoing.match_mark(context.options.bypass_mark)
            .match_l4proto(protocol)
            .match_destination_port(kDnsPort)
            .notrack();
        append_rule(
            context, upstream, std::move(outgoing),
            "meta mark " + std::to_string(context.options.bypass_mark) + " " + l4 + " th dport 53 notrack");
        auto incoming = rule_in(replies);
        incoming.match_l4proto(protocol).match_source_port(kDnsPort).notrack();
        append_rule(context, replies, std::move(incoming), l4 + " th sport 53 notrack");
    }
}

// A mark anyone may set (CAP_NET_RAW allows SO_MARK) is worth nothing: the mark egress's rules
// (and iptables', in the fallback) trust is cleared on every packet, then set again on packets
// whose socket belongs to egress's own cgroup, which a workload cannot join.
void add_own_traffic_chain_and_rules(Context& context) {
    const auto& own = context.options.own_cgroup;
    if (!own) {
        return;
    }
    const auto chain = names::kOwnTrafficChain;
    const uint32_t mark = context.options.bypass_mark;
    add_base_chain(context, {chain, "filter", NF_INET_LOCAL_OUT, kOwnTrafficPriority, NF_ACCEPT});
    auto forged = rule_in(chain);
    forged.match_mark(mark).set_mark(0);
    append_rule(context, chain, std::move(forged), "meta mark " + std::to_string(mark) + " meta mark set 0");
    for (const uint32_t level : own->levels) {
        if (const auto& intercept = context.options.intercept) {
            // The credential proxy's onward connections keep their mark: judged as the workload's.
            auto onward = rule_in(chain);
            onward.match_socket_cgroup(level, own->id).match_mark(intercept->mark).verdict(NF_ACCEPT);
            append_rule(context, chain, std::move(onward),
                        "socket cgroupv2 level " + std::to_string(level) + " " + std::to_string(own->id) +
                            " meta mark " + std::to_string(intercept->mark) + " accept");
        }
        auto ours = rule_in(chain);
        ours.match_socket_cgroup(level, own->id).set_mark(mark);
        append_rule(context, chain, std::move(ours),
                    "socket cgroupv2 level " + std::to_string(level) + " " + std::to_string(own->id) +
                        " meta mark set " + std::to_string(mark));
    }
}

// What egress serves (DNS on the proxy's port, the policy API, the health probes) reaches egress's
// own sockets only: a workload that binds those ports (while egress is down, say) receives nothing,
// neither the sandbox's DNS queries nor the operator's requests with their token.
void add_own_listeners_chain_and_rules(Context& context) {
    const auto& own = context.options.own_cgroup;
    if (!own) {
        return;
    }
    const auto chain = names::kOwnListenersChain;
    add_base_chain(context, {chain, "filter", NF_INET_LOCAL_IN, kOwnTrafficPriority, NF_ACCEPT});
    std::vector<std::pair<uint8_t, uint16_t>> served{{IPPROTO_UDP, context.options.proxy_port},
                                                     {IPPROTO_TCP, context.options.proxy_port}};
    for (const uint16_t port : context.options.http_ports) {
        served.emplace_back(IPPROTO_TCP, port);
    }
    // For TCP only a connection's first packet is checked: the handshake's last ACK finds a request
    // socket, which has no cgroup, and a connection only exists once its SYN was let through.
    const auto match_served = [](RuleBuilder& rule, uint8_t protocol, uint16_t port) -> RuleBuilder& {
        rule.match_l4proto(protocol).match_destination_port(port);
        return protocol == IPPROTO_TCP ? rule.match_tcp_syn_only() : rule;
    };
    for (const auto& [protocol, port] : served) {
        const std::string match = std::string(protocol_name(protocol)) + " dport " + std::to_string(port) +
                                  (protocol == IPPROTO_TCP ? " tcp flags syn / syn,ack" : "");
        for (const uint32_t level : own->levels) {
            auto ours = rule_in(chain);
            match_served(ours, protocol, port).match_socket_cgroup(level, own->id).verdict(NF_ACCEPT);
            append_rule(context, chain, std::move(ours),
                        match + " socket cgroupv2 level " + std::to_string(level) + " " +
                            std::to_string(own->id) + " accept");
        }
        auto others = rule_in(chain);
        match_served(others, protocol, port).verdict(NF_DROP);
        append_rule(context, chain, std::move(others), match + " drop");
    }
}

// The port-scoped sets' elements from `previous` to `policy`: removals first, so an element that
// changes its range never overlaps its old self.
void update_ported_sets(NftBatch& batch, const RulesetOptions& options, const FilterPolicy& policy,
                        const FilterPolicy* previous) {
    const auto wanted = ported_set_contents(options, policy);
    if (previous == nullptr) {
        for (const auto& [name, entries] : wanted) {
            flush_set(batch, names::kTable, name);
            put_ported_interval_elements(batch, ElementOperation::add, name, std::nullopt, entries);
        }
        return;
    }
    const auto held = ported_set_contents(options, *previous);
    for (size_t index = 0; index < wanted.size(); ++index) {
        const auto& [name, entries] = wanted[index];
        const auto& before = held[index].second;
        std::vector<PortedPrefix> gone;
        std::vector<PortedPrefix> added;
        std::set_difference(before.begin(), before.end(), entries.begin(), entries.end(),
                            std::back_inserter(gone));
        std::set_difference(entries.begin(), entries.end(), before.begin(), before.end(),
                            std::back_inserter(added));
        put_ported_interval_elements(batch, ElementOperation::remove, name, std::nullopt, gone);
        put_ported_interval_elements(batch, ElementOperation::add, name, std::nullopt, added);
    }
}

}  // namespace

void append_install(NftBatch& batch, const RulesetOptions& options, const FilterPolicy& policy) {
    Context context{batch, options, policy, {}};
    add_table(batch, names::kTable);
    delete_table(batch, names::kTable);
    add_table(batch, names::kTable);
    declare_sets(context);
    fill_static_sets(context);
    add_own_traffic_chain_and_rules(context);
    add_own_listeners_chain_and_rules(context);
    add_filter_chain_and_rules(context);
    if (options.nat_redirect) {
        add_nat_chain_and_rules(context);
        add_notrack_chains_and_rules(context);
    }
}

void append_policy_update(NftBatch& batch, const RulesetOptions& options, const FilterPolicy& policy,
                          const Revocation& revoked, const FilterPolicy* previous) {
    Context context{batch, options, policy, {}};
    add_filter_chain(context);
    flush_chain(batch, names::kTable, names::kFilterChain);
    for (const auto& [name, prefixes] : static_set_contents(options, policy)) {
        flush_set(batch, names::kTable, name);
        put_interval_elements(batch, ElementOperation::add, name, std::nullopt, prefixes);
    }
    update_ported_sets(batch, options, policy, previous);
    add_dns_guard_rules(context);
    if (options.mode == EnforcementMode::dns_and_nft) {
        add_policy_rules(context);
    }
    if (options.nat_redirect) {
        flush_chain(batch, names::kTable, names::kNatChain);
        add_nat_chain_and_rules(context);
    }
    if (options.mode == EnforcementMode::dns_and_nft) {
        remove_learned_elements(batch, revoked);
    }
}

void append_removal(NftBatch& batch) {
    delete_table(batch, names::kTable);
}

void append_socket_cgroup_probe(NftBatch& batch, uint64_t cgroup_id) {
    constexpr std::string_view kProbeTable = "opensandbox_probe";
    constexpr std::string_view kProbeChain = "probe";
    add_table(batch, kProbeTable);
    ChainPtr chain(nftnl_chain_alloc());
    if (!chain) {
        throw std::bad_alloc();
    }
    nftnl_chain_set_u32(chain.get(), NFTNL_CHAIN_FAMILY, NFPROTO_INET);
    nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_TABLE, std::string(kProbeTable).c_str());
    nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_NAME, std::string(kProbeChain).c_str());
    add_chain(batch, *chain, "adding the socket cgroupv2 probe chain");
    RuleBuilder probe(kProbeTable, kProbeChain);
    probe.match_socket_cgroup(1, cgroup_id).verdict(NF_ACCEPT);
    const RulePtr rule = std::move(probe).build();
    add_rule(batch, *rule, "adding the socket cgroupv2 probe rule");
    delete_table(batch, kProbeTable);
}

}  // namespace egress::nft
