#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "common/ip_address.hpp"
#include "nft/address_provenance.hpp"
#include "nft/connection_cutter.hpp"
#include "nft/element_timeout.hpp"
#include "nft/netlink_socket.hpp"
#include "nft/ruleset_config.hpp"
#include "nft/sequence_counter.hpp"

namespace egress::nft {

// Installs and updates table inet opensandbox over netlink, synchronously (callers: startup and
// the policy API's threads; serialised by an internal mutex). The DNS hot path uses its own
// socket (DynamicAllowWriter) and never waits on this mutex; the kernel serialises transactions.
// The netlink socket lives in the network namespace of the thread that constructs this object.
class NftEnforcer {
  public:
    NftEnforcer(RulesetOptions options, std::shared_ptr<AddressProvenance> provenance);

    // One transaction: replaces any previous table of ours atomically. Throws NftError whose
    // message says what failed ("... Operation not permitted (... needs CAP_NET_ADMIN ...)").
    // With `grant_of`, the learned elements the previous table holds for names it still grants are
    // carried over with the time they had left (and recorded in the provenance); returns how many.
    size_t install(const FilterPolicy& policy, const NameGrantLookup& grant_of = nullptr);

    // Incremental policy change in one transaction, table and learned addresses kept, except
    // learned elements that `grant_of` opens for none of their names any more (an address whose
    // names are all denied, or an address on a port no name is granted now): those are deleted in
    // the same transaction, and returned. Throws NftError; on failure nothing changed.
    Revocation apply(const FilterPolicy& policy, const NameGrantLookup& grant_of);

    // Cuts the established connections to what `revoked` lists (see ConnectionCutter); returns how
    // many. Throws NftError when the connection table cannot be read or changed.
    size_t cut_connections(const Revocation& revoked);

    // delete table inet opensandbox; a missing table is not an error.
    void remove();

    // From now on install() and apply() leave out the nat redirect and notrack chains: iptables
    // does the redirect (kernels without nf_tables nat).
    void disable_nat_redirect();
    // Whether the kernel has `socket cgroupv2` (Linux 5.13 and later), tried in a throw-away table.
    bool kernel_matches_socket_cgroup();
    // Later installs leave out the chains that recognise egress's own traffic by its cgroup.
    void drop_own_cgroup();
    // From the next install on, the would-deny rules log to `group` (see RulesetOptions).
    void log_audits_to(uint16_t group);
    // How this kernel renews the timeout of an element added again; needs the dns+nft ruleset.
    TimeoutRenewal probe_timeout_renewal();

    const RulesetOptions& options() const { return options_; }

  private:
    RulesetOptions options_;
    std::shared_ptr<AddressProvenance> provenance_;
    std::optional<FilterPolicy> in_force_;  // what the kernel holds, once installed
    std::mutex mutex_;
    NetlinkSocket socket_;
    SequenceCounter sequence_;
    ConnectionCutter connection_cutter_;
};

}  // namespace egress::nft
