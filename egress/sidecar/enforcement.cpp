#include "sidecar/enforcement.hpp"

#include <spdlog/spdlog.h>

#include "nft/dynamic_allow_writer.hpp"
#include "nft/policy_adapter.hpp"

namespace egress::sidecar {
namespace {

nft::RulesetOptions ruleset_options(const EgressConfig& config) {
    nft::RulesetOptions options;
    options.mode = config.mode == EnforcementMode::dns_nft ? nft::EnforcementMode::dns_and_nft
                                                           : nft::EnforcementMode::dns;
    options.proxy_port = config.dns_listen.front().port();
    options.bypass_mark = config.socket_mark;
    options.dynamic_set_timeout = config.ttl_max;
    return options;
}

}  // namespace

Enforcement::Enforcement(const EgressConfig& config)
    : config_(config),
      provenance_(std::make_shared<nft::AddressProvenance>()),
      enforcer_(ruleset_options(config), provenance_) {}

nft::FilterPolicy Enforcement::filter_policy(const policy::PolicySnapshot& snapshot) const {
    return nft::filter_policy_from(snapshot, config_.nameserver_exempt,
                                   nft::DohBlocking{config_.block_doh_443, config_.doh_blocklist});
}

void Enforcement::install(const policy::PolicySnapshot& snapshot) {
    enforcer_.install(filter_policy(snapshot));
}

void Enforcement::apply(const policy::PolicySnapshot& snapshot) {
    // The predicate is only used during apply(), while `snapshot` is alive: a non-owning pointer.
    std::shared_ptr<const policy::PolicySnapshot> borrowed(std::shared_ptr<void>(), &snapshot);
    const auto revoked = enforcer_.apply(filter_policy(snapshot), nft::name_allowed_by(borrowed));
    if (!revoked.empty()) {
        spdlog::info("nftables: revoked {} learned address(es) whose names the new policy denies",
                     revoked.size());
    }
}

void Enforcement::remove_if_configured() {
    if (config_.cleanup_on_exit) {
        enforcer_.remove();
        spdlog::warn(
            "OPENSANDBOX_EGRESS_CLEANUP_ON_EXIT: nftables table removed; the sandbox is no longer filtered");
    }
}

std::unique_ptr<dns::ResolvedAddressHook> Enforcement::make_resolved_hook(common::EventLoop& loop) const {
    if (config_.mode != EnforcementMode::dns_nft) {
        return nullptr;
    }
    nft::DynamicAllowWriter::Options options;
    options.timeouts = nft::ElementTimeoutPolicy{config_.ttl_grace, config_.ttl_min, config_.ttl_max};
    return std::make_unique<nft::DynamicAllowWriter>(loop, provenance_, options);
}

}  // namespace egress::sidecar
