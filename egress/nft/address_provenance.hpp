#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.hpp"
#include "nft/port_grant.hpp"
#include "nft/use_order.hpp"

namespace egress::nft {

// Learned elements a policy change removes: addresses from dyn_allow, addresses on ports from
// dyn_port_allow.
struct Revocation {
    std::vector<common::IpAddress> addresses;
    std::vector<PortedAddress> ported;

    bool empty() const { return addresses.empty() && ported.empty(); }
    size_t size() const { return addresses.size() + ported.size(); }
};

// One learned address as the provenance holds it: every unexpired name it was learned for and the
// union of what was written for them.
struct LearnedAddress {
    common::IpAddress address;
    std::chrono::steady_clock::time_point expires;  // the latest of its names'
    bool every_port = false;
    std::vector<L4Port> ports;
    std::vector<std::string> names;
};

// How many learned addresses are kept: per name, and in all.
struct LearningLimits {
    size_t per_name = 256;
    size_t total = 60000;
};

// A learned address given up to stay within the limits: for one name (the others keep it), or
// with every name it had.
struct Eviction {
    enum class Reason { name_cap, total_cap };
    common::IpAddress address;
    std::string name;  // empty: every name
    Reason reason;
};

// A name traffic uses whose last answer is stale: worth asking again, for these families.
struct StaleName {
    std::string name;
    bool v4 = false;
    bool v6 = false;
    bool operator==(const StaleName&) const = default;
};

// Where a record comes from: an answer (its expiry is the answer's), or the renewal of an address
// in use (the answer stays as stale as it was).
enum class LearnedFrom { answer, use };

// What recording an answer changed beyond the answer itself.
struct Recorded {
    Revocation removed;  // elements no name of their address holds any more
    std::vector<Eviction> evictions;
};

// Which names each learned address was resolved for, until when, and which elements were written
// for it (the address on every port, or on some ports), so a policy change can revoke exactly what
// no name of the address is granted any more; and which address was used last, so the limits give up
// the least recently used. Thread-safe; every call holds the lock only for the map operation itself
// (the DNS path records, the policy path queries).
class AddressProvenance {
  public:
    using Clock = std::chrono::steady_clock;

    explicit AddressProvenance(LearningLimits limits = {}) : limits_(limits) {}

    // Records an answer; beyond the limits, the least recently used addresses of the name (then of
    // all names) other than this answer's are given up: write `removed` with the answer's elements.
    Recorded record(std::string_view name, std::span<const common::IpAddress> addresses,
                    const PortGrant& grant, Clock::time_point expires,
                    LearnedFrom from = LearnedFrom::answer);
    // Traffic went to these addresses: the last to be given up.
    void touch(std::span<const common::IpAddress> used);

  private:
    // The elements written for one address and one name.
    struct Written {
        bool every_port = false;    // the address in dyn_allow
        std::vector<L4Port> ports;  // the address on these ports in dyn_port_allow (sorted)
        bool operator==(const Written&) const = default;
    };
    struct Learned {
        Clock::time_point expires;
        Written written;
    };
    using LearnedByName = std::map<std::string, Learned, std::less<>>;

  public:
    // What a policy change removes, and what the provenance holds once it is in force.
    struct Plan {
        Revocation revocation;

      private:
        friend class AddressProvenance;
        // Addresses whose names or elements change: their new state (empty: forgotten).
        std::vector<std::pair<common::IpAddress, LearnedByName>> changed;
    };

    // The elements that `grant_of` no longer opens for any of their address's unexpired names, and
    // what each name keeps (expired and denied names dropped). Changes nothing: write the
    // revocation to the kernel, then commit() the plan, with no record() in between (the learning
    // gate orders them).
    Plan plan_revocation(const NameGrantLookup& grant_of, Clock::time_point now) const;
    void commit(Plan plan);
    std::vector<std::string> names_of(const common::IpAddress& address) const;
    // The unexpired addresses learned for `name` (lowercase, no trailing dot), each with this
    // name's expiry and all its names.
    std::vector<LearnedAddress> learned_for(std::string_view name, Clock::time_point now) const;
    // The address with its unexpired names, if it has any.
    std::optional<LearnedAddress> learned(const common::IpAddress& address, Clock::time_point now) const;
    // The unexpired names of `used` whose last answer expires before `stale_before`.
    std::vector<StaleName> stale_names_in_use(std::span<const common::IpAddress> used, Clock::time_point now,
                                              Clock::time_point stale_before) const;
    // Of `used`, each address and name whose expiry lies between `expired_after` and `renew_before`.
    std::vector<std::pair<std::string, common::IpAddress>> due_for_renewal(
        std::span<const common::IpAddress> used, Clock::time_point expired_after,
        Clock::time_point renew_before) const;
    size_t size() const;

  private:
    static Written written_for(const PortGrant& grant);
    static std::optional<LearnedAddress> summarize(const common::IpAddress& address,
                                                   const LearnedByName& names, Clock::time_point now);
    static Written still_granted(const Written& written, const PortGrant* grant);
    static void merge_into(Written& total, const Written& more);
    static Written union_of(const LearnedByName& names);
    static void add_removed(const common::IpAddress& address, const Written& before, const Written& after,
                            Revocation& into);

    void for_each_unexpired_name_locked(
        std::span<const common::IpAddress> addresses, Clock::time_point now,
        const std::function<void(const common::IpAddress&, const std::string&, const Learned&)>& visit) const;
    void forget_locked(const common::IpAddress& address);
    void unindex_locked(const std::string& name, const common::IpAddress& address);
    void forget_name_locked(const common::IpAddress& address, const std::string& name, Recorded& recorded);
    void keep_limits_locked(const std::string& name, std::span<const common::IpAddress> answer,
                            Recorded& recorded);

    LearningLimits limits_;
    mutable std::mutex mutex_;
    std::map<common::IpAddress, LearnedByName> names_by_address_;
    std::map<std::string, std::set<common::IpAddress>, std::less<>> addresses_by_name_;
    std::map<std::string, Clock::time_point, std::less<>> answer_expires_;
    UseOrder use_order_;
};

}  // namespace egress::nft
