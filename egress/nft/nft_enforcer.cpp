#include "nft/nft_enforcer.hpp"

#include <cerrno>

#include "common/log.hpp"
#include "nft/learned_restore.hpp"
#include "nft/nft_error.hpp"
#include "nft/ruleset_batch.hpp"
#include "nft/timeout_renewal_probe.hpp"
#include "nft/transaction.hpp"

namespace egress::nft {

NftEnforcer::NftEnforcer(RulesetOptions options, std::shared_ptr<AddressProvenance> provenance)
    : options_(options),
      provenance_(provenance ? std::move(provenance) : std::make_shared<AddressProvenance>()),
      socket_(NetlinkSocket::Mode::blocking) {}

size_t NftEnforcer::install(const FilterPolicy& policy, const NameGrantLookup& grant_of) {
    std::lock_guard lock(mutex_);
    std::vector<LeftElement> carried;
    if (grant_of && options_.mode == EnforcementMode::dns_and_nft) {
        carried = still_granted(read_left_elements(socket_, sequence_), grant_of);
    }
    NftBatch batch(sequence_.reserve_block());
    append_install(batch, options_, policy);
    append_left_elements(batch, carried);
    commit(socket_, batch, "installing nftables table inet opensandbox");
    record_left_elements(*provenance_, carried);
    in_force_ = policy;
    for (const auto& nameserver : policy.nameservers) {
        common::log_fields(
            common::LogLevel::warn,
            "nftables: DNS to this exempt nameserver is not redirected; the workload can query it "
            "directly and bypass the DNS policy",
            {{"nameserver", nameserver.to_string()}});
    }
    return carried.size();
}

Revocation NftEnforcer::apply(const FilterPolicy& policy, const NameGrantLookup& grant_of) {
    std::lock_guard lock(mutex_);
    AddressProvenance::Plan plan = provenance_->plan_revocation(grant_of, AddressProvenance::Clock::now());
    NftBatch batch(sequence_.reserve_block());
    append_policy_update(batch, options_, policy, plan.revocation, in_force_ ? &*in_force_ : nullptr);
    commit(socket_, batch, "updating nftables policy in table inet opensandbox");
    in_force_ = policy;
    Revocation revoked = plan.revocation;
    provenance_->commit(std::move(plan));
    return revoked;
}

size_t NftEnforcer::cut_connections(const Revocation& revoked) {
    std::lock_guard lock(mutex_);
    return connection_cutter_.cut(revoked);
}

void NftEnforcer::remove() {
    std::lock_guard lock(mutex_);
    NftBatch batch(sequence_.reserve_block());
    append_removal(batch);
    in_force_.reset();
    try {
        commit(socket_, batch, "removing nftables table inet opensandbox");
    } catch (const NftError& error) {
        if (error.error_code() != ENOENT) {
            throw;
        }
    }
}

void NftEnforcer::disable_nat_redirect() {
    std::lock_guard lock(mutex_);
    options_.nat_redirect = false;
}

bool NftEnforcer::kernel_matches_socket_cgroup() {
    std::lock_guard lock(mutex_);
    NftBatch batch(sequence_.reserve_block());
    append_socket_cgroup_probe(batch, options_.own_cgroup ? options_.own_cgroup->id : 1);
    try {
        commit(socket_, batch, "probing for socket cgroupv2 matching");
    } catch (const NftError&) {
        return false;
    }
    return true;
}

void NftEnforcer::drop_own_cgroup() {
    std::lock_guard lock(mutex_);
    options_.own_cgroup.reset();
}

void NftEnforcer::log_audits_to(uint16_t group) {
    std::lock_guard lock(mutex_);
    options_.audit_log_group = group;
}

TimeoutRenewal NftEnforcer::probe_timeout_renewal() {
    std::lock_guard lock(mutex_);
    return nft::probe_timeout_renewal(socket_, sequence_);
}

}  // namespace egress::nft
