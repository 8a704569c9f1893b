#include "dns/new_name_budget.hpp"

#include <algorithm>

namespace egress::dns {

NewNameBudget::Wildcard& NewNameBudget::wildcard_state(std::string_view wildcard, uint32_t burst,
                                                       Clock::time_point now) {
    auto found = wildcards_.find(wildcard);
    if (found != wildcards_.end()) {
        return found->second;
    }
    if (wildcards_.size() >= kMaxWildcards) {
        wildcards_.erase(wildcards_.begin());  // a policy with that many wildcards: start one afresh
    }
    Wildcard fresh;
    fresh.tokens = burst;
    fresh.refilled = now;
    return wildcards_.emplace(std::string(wildcard), std::move(fresh)).first->second;
}

bool NewNameBudget::admit(std::string_view wildcard, std::string_view name, uint32_t per_minute,
                          uint32_t burst, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    Wildcard& state = wildcard_state(wildcard, burst, now);
    if (state.seen.contains(name)) {
        return true;
    }
    const std::chrono::duration<double> elapsed = now - state.refilled;
    state.tokens = std::min<double>(burst, state.tokens + elapsed.count() * per_minute / 60.0);
    state.refilled = now;
    if (state.tokens < 1) {
        return false;
    }
    state.tokens -= 1;
    if (state.seen_order.size() >= kMaxNamesPerWildcard) {
        state.seen.erase(state.seen_order.front());
        state.seen_order.pop_front();
    }
    state.seen_order.emplace_back(name);
    state.seen.insert(state.seen_order.back());
    return true;
}

}  // namespace egress::dns
