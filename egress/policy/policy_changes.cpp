#include "policy/policy_changes.hpp"

#include <algorithm>
#include <charconv>
#include <unordered_set>

#include "policy/policy_error.hpp"
#include "policy/text.hpp"

namespace egress::policy {

std::optional<size_t> parse_rule_limit(std::string_view text) {
    const std::string_view digits = trim_space(text);
    size_t value = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size()) {
        return std::nullopt;
    }
    return value;
}

size_t parse_max_rules(std::string_view text) {
    return parse_rule_limit(text).value_or(default_max_rules);
}

void check_rule_limit(const Policy& policy, size_t max_rules) {
    if (max_rules != 0 && policy.rules.size() > max_rules) {
        throw RuleLimitError("egress rule total count " + std::to_string(policy.rules.size()) +
                             " exceeds limit " + std::to_string(max_rules));
    }
}

Policy merge_rules(const Policy& base, std::span<const Rule> patch) {
    Policy merged{base.default_action, {}, true, base.mode, base.wildcard_guard};
    merged.rules.reserve(patch.size() + base.rules.size());
    std::unordered_set<std::string> seen_keys;
    auto keep_first = [&](const Rule& rule) {
        if (seen_keys.insert(rule.target.text + '|' + port_scope_key(rule.scope)).second) {
            merged.rules.push_back(rule);
        }
    };
    std::for_each(patch.begin(), patch.end(), keep_first);
    std::for_each(base.rules.begin(), base.rules.end(), keep_first);
    return merged;
}

DeletionResult delete_targets(const Policy& base, std::span<const std::string> targets) {
    std::unordered_set<std::string> doomed;  // removes a target's rules whatever their ports
    for (const std::string& target : targets) {
        if (!trim_space(target).empty()) {
            doomed.insert(parse_target(target).text);
        }
    }
    DeletionResult result{base, 0};
    auto& rules = result.policy.rules;
    const auto removed_from = std::remove_if(
        rules.begin(), rules.end(), [&](const Rule& rule) { return doomed.contains(rule.target.text); });
    result.removed_count = static_cast<size_t>(rules.end() - removed_from);
    rules.erase(removed_from, rules.end());
    return result;
}

}  // namespace egress::policy
