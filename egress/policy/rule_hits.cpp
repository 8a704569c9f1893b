#include "policy/rule_hits.hpp"

#include <cstdio>

#include "policy/policy_json.hpp"

namespace egress::policy {
namespace {

uint64_t fnv1a(std::string_view text) {
    uint64_t hash = 14695981039346656037ull;
    for (const char c : text) {
        hash = (hash ^ static_cast<uint8_t>(c)) * 1099511628211ull;
    }
    return hash;
}

}  // namespace

void HitCounts::count(Verdict verdict) {
    auto& counter = verdict == Verdict::allow ? allowed : verdict == Verdict::deny ? denied : would_deny;
    counter.fetch_add(1, std::memory_order_relaxed);
}

std::string rule_id(const Rule& rule, RuleSource source) {
    const std::string key = std::string(to_string(source)) + '|' + std::string(to_string(rule.action)) + '|' +
                            rule.target.text + '|' + port_scope_key(rule.scope);
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(fnv1a(key)));
    return text;
}

std::shared_ptr<HitCounts> RuleHits::counts_for(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto& slot = counts_[id];
    if (auto existing = slot.lock()) {
        return existing;
    }
    auto created = std::make_shared<HitCounts>();
    slot = created;
    return created;
}

void RuleHits::prune() {
    std::lock_guard lock(mutex_);
    std::erase_if(counts_, [](const auto& entry) { return entry.second.expired(); });
}

std::vector<RuleHits::Entry> RuleHits::entries() const {
    std::lock_guard lock(mutex_);
    std::vector<Entry> result;
    for (const auto& [id, weak] : counts_) {
        if (auto counts = weak.lock()) {
            result.push_back({id, std::move(counts)});
        }
    }
    return result;
}

}  // namespace egress::policy
