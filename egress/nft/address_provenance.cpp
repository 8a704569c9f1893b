#include "nft/address_provenance.hpp"

#include <algorithm>
#include <iterator>

namespace egress::nft {

AddressProvenance::Written AddressProvenance::written_for(const PortGrant& grant) {
    return grant.every_port ? Written{true, {}} : Written{false, grant.ports};
}

// An element on every port stays only under a grant of every port; one on a port stays while the
// port, or every port, is granted.
AddressProvenance::Written AddressProvenance::still_granted(const Written& written, const PortGrant* grant) {
    if (!grant) {
        return {};
    }
    if (grant->every_port) {
        return written;
    }
    Written kept;
    std::set_intersection(written.ports.begin(), written.ports.end(), grant->ports.begin(),
                          grant->ports.end(), std::back_inserter(kept.ports));
    return kept;
}

void AddressProvenance::merge_into(Written& total, const Written& more) {
    total.every_port = total.every_port || more.every_port;
    std::vector<L4Port> merged;
    std::set_union(total.ports.begin(), total.ports.end(), more.ports.begin(), more.ports.end(),
                   std::back_inserter(merged));
    total.ports = std::move(merged);
}

AddressProvenance::Written AddressProvenance::union_of(const LearnedByName& names) {
    Written total;
    for (const auto& [name, learned] : names) {
        merge_into(total, learned.written);
    }
    return total;
}

// The elements `before` holds and `after` does not.
void AddressProvenance::add_removed(const common::IpAddress& address, const Written& before,
                                    const Written& after, Revocation& into) {
    if (before.every_port && !after.every_port) {
        into.addresses.push_back(address);
    }
    for (const L4Port port : before.ports) {
        if (!std::binary_search(after.ports.begin(), after.ports.end(), port)) {
            into.ported.push_back({address, port});
        }
    }
}

Recorded AddressProvenance::record(std::string_view name, std::span<const common::IpAddress> addresses,
                                   const PortGrant& grant, Clock::time_point expires, LearnedFrom from) {
    const Written written = written_for(grant);
    const std::string key(name);
    Recorded recorded;
    std::lock_guard lock(mutex_);
    for (const auto& address : addresses) {
        auto& names = names_by_address_[address];
        auto [entry, inserted] = names.try_emplace(key, Learned{expires, written});
        if (!inserted) {
            // A later answer can carry a shorter TTL; the kernel now holds the newer timeout. Elements
            // written under an earlier grant stay until revoked or expired.
            entry->second.expires = expires;
            merge_into(entry->second.written, written);
        }
        use_order_.touch(address);
        addresses_by_name_[key].insert(address);
    }
    if (from == LearnedFrom::answer && !addresses.empty()) {
        answer_expires_[key] = expires;
    }
    keep_limits_locked(key, addresses, recorded);
    return recorded;
}

void AddressProvenance::touch(std::span<const common::IpAddress> used) {
    std::lock_guard lock(mutex_);
    for (const auto& address : used) {
        if (names_by_address_.contains(address)) {
            use_order_.touch(address);
        }
    }
}

void AddressProvenance::unindex_locked(const std::string& name, const common::IpAddress& address) {
    if (const auto of_name = addresses_by_name_.find(name); of_name != addresses_by_name_.end()) {
        of_name->second.erase(address);
        if (of_name->second.empty()) {
            answer_expires_.erase(name);
            addresses_by_name_.erase(of_name);
        }
    }
}

void AddressProvenance::forget_locked(const common::IpAddress& address) {
    if (const auto found = names_by_address_.find(address); found != names_by_address_.end()) {
        for (const auto& [name, learned] : found->second) {
            unindex_locked(name, address);
        }
        names_by_address_.erase(found);
    }
    use_order_.forget(address);
}

void AddressProvenance::forget_name_locked(const common::IpAddress& address, const std::string& name,
                                           Recorded& recorded) {
    auto& names = names_by_address_[address];
    const Written before = union_of(names);
    names.erase(name);
    add_removed(address, before, union_of(names), recorded.removed);
    unindex_locked(name, address);
    if (names.empty()) {
        forget_locked(address);
    }
}

// The name's least recently used addresses beyond its cap, then everyone's beyond the total; never
// an address of the answer being recorded (its client is about to connect to it).
void AddressProvenance::keep_limits_locked(const std::string& name, std::span<const common::IpAddress> answer,
                                           Recorded& recorded) {
    const auto in_answer = [&](const common::IpAddress& address) {
        return std::find(answer.begin(), answer.end(), address) != answer.end();
    };
    while (addresses_by_name_[name].size() > limits_.per_name) {
        const auto& of_name = addresses_by_name_[name];
        const common::IpAddress* oldest = nullptr;
        uint64_t oldest_use = UINT64_MAX;
        for (const auto& address : of_name) {
            const uint64_t use = use_order_.last_use(address);
            if (use < oldest_use && !in_answer(address)) {
                oldest = &address;
                oldest_use = use;
            }
        }
        if (oldest == nullptr) {
            break;
        }
        const common::IpAddress victim = *oldest;
        recorded.evictions.push_back({victim, name, Eviction::Reason::name_cap});
        forget_name_locked(victim, name, recorded);
    }
    while (names_by_address_.size() > limits_.total && !in_answer(use_order_.least_recent())) {
        const common::IpAddress victim = use_order_.least_recent();
        const Written before = union_of(names_by_address_[victim]);
        add_removed(victim, before, Written{}, recorded.removed);
        recorded.evictions.push_back({victim, "", Eviction::Reason::total_cap});
        forget_locked(victim);
    }
}

AddressProvenance::Plan AddressProvenance::plan_revocation(const NameGrantLookup& grant_of,
                                                           Clock::time_point now) const {
    Plan plan;
    std::lock_guard lock(mutex_);
    for (const auto& [address, names] : names_by_address_) {
        Written before;
        Written after;
        LearnedByName kept;
        bool changed = false;
        for (const auto& [name, learned] : names) {
            if (learned.expires <= now) {
                changed = true;
                continue;
            }
            Written still = still_granted(learned.written, grant_of(name));
            merge_into(before, learned.written);
            merge_into(after, still);
            changed = changed || still != learned.written;
            if (still.every_port || !still.ports.empty()) {
                kept.emplace(name, Learned{learned.expires, std::move(still)});
            }
        }
        add_removed(address, before, after, plan.revocation);
        if (changed) {
            plan.changed.emplace_back(address, std::move(kept));
        }
    }
    return plan;
}

void AddressProvenance::commit(Plan plan) {
    std::lock_guard lock(mutex_);
    for (auto& [address, names] : plan.changed) {
        if (names.empty()) {
            forget_locked(address);
            continue;
        }
        auto& current = names_by_address_[address];
        for (const auto& [name, learned] : current) {
            if (!names.contains(name)) {
                unindex_locked(name, address);
            }
        }
        current = std::move(names);
    }
}

std::vector<std::string> AddressProvenance::names_of(const common::IpAddress& address) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> names;
    if (const auto found = names_by_address_.find(address); found != names_by_address_.end()) {
        for (const auto& entry : found->second) {
            names.push_back(entry.first);
        }
    }
    return names;
}

std::optional<LearnedAddress> AddressProvenance::summarize(const common::IpAddress& address,
                                                           const LearnedByName& names,
                                                           Clock::time_point now) {
    LearnedAddress summary{address, {}, false, {}, {}};
    Written total;
    for (const auto& [name, learned] : names) {
        if (learned.expires > now) {
            summary.names.push_back(name);
            summary.expires = std::max(summary.expires, learned.expires);
            merge_into(total, learned.written);
        }
    }
    if (summary.names.empty()) {
        return std::nullopt;
    }
    summary.every_port = total.every_port;
    summary.ports = std::move(total.ports);
    return summary;
}

std::vector<LearnedAddress> AddressProvenance::learned_for(std::string_view name,
                                                           Clock::time_point now) const {
    std::vector<LearnedAddress> result;
    std::lock_guard lock(mutex_);
    for (const auto& [address, names] : names_by_address_) {
        const auto found = names.find(name);
        if (found != names.end() && found->second.expires > now) {
            if (auto summary = summarize(address, names, now)) {
                summary->expires = found->second.expires;  // this name's own
                result.push_back(std::move(*summary));
            }
        }
    }
    return result;
}

std::optional<LearnedAddress> AddressProvenance::learned(const common::IpAddress& address,
                                                         Clock::time_point now) const {
    std::lock_guard lock(mutex_);
    const auto found = names_by_address_.find(address);
    return found == names_by_address_.end() ? std::nullopt : summarize(address, found->second, now);
}

std::vector<StaleName> AddressProvenance::stale_names_in_use(std::span<const common::IpAddress> used,
                                                             Clock::time_point now,
                                                             Clock::time_point stale_before) const {
    std::map<std::string, StaleName, std::less<>> stale;
    std::lock_guard lock(mutex_);
    for_each_unexpired_name_locked(
        used, now, [&](const common::IpAddress& address, const std::string& name, const Learned&) {
            const auto answer = answer_expires_.find(name);
            if (answer == answer_expires_.end() || answer->second < stale_before) {
                auto& entry = stale.try_emplace(name, StaleName{name}).first->second;
                (address.is_v4() ? entry.v4 : entry.v6) = true;
            }
        });
    std::vector<StaleName> result;
    for (auto& [name, entry] : stale) {
        result.push_back(std::move(entry));
    }
    return result;
}

std::vector<std::pair<std::string, common::IpAddress>> AddressProvenance::due_for_renewal(
    std::span<const common::IpAddress> used, Clock::time_point expired_after,
    Clock::time_point renew_before) const {
    std::vector<std::pair<std::string, common::IpAddress>> due;
    std::lock_guard lock(mutex_);
    for_each_unexpired_name_locked(
        used, expired_after,
        [&](const common::IpAddress& address, const std::string& name, const Learned& learned) {
            if (learned.expires < renew_before) {
                due.emplace_back(name, address);
            }
        });
    return due;
}

void AddressProvenance::for_each_unexpired_name_locked(
    std::span<const common::IpAddress> addresses, Clock::time_point now,
    const std::function<void(const common::IpAddress&, const std::string&, const Learned&)>& visit) const {
    for (const auto& address : addresses) {
        const auto found = names_by_address_.find(address);
        if (found == names_by_address_.end()) {
            continue;
        }
        for (const auto& [name, learned] : found->second) {
            if (learned.expires > now) {
                visit(address, name, learned);
            }
        }
    }
}

size_t AddressProvenance::size() const {
    std::lock_guard lock(mutex_);
    return names_by_address_.size();
}

}  // namespace egress::nft
