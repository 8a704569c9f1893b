#include "api/policy_events.hpp"

#include <string>
#include <vector>

#include "policy/policy_json.hpp"

namespace egress::api {
namespace {

// The rules as GET /policy writes them, whatever fields a rule has.
std::string rules_json(std::span<const policy::Rule> rules) {
    policy::Policy holder;
    holder.rules.assign(rules.begin(), rules.end());
    holder.has_rule_list = true;
    return policy::policy_to_json(holder).at("egress").dump();
}

void log_policy_event(std::string_view event, std::string_view message, const policy::Policy& applied,
                      std::span<const policy::Rule> rules) {
    common::log_fields(common::LogLevel::info, message,
                       {{common::kLogEventKey, event},
                        {"egress.default", policy::to_string(applied.default_action)},
                        common::LogField::raw_json("rules", rules_json(rules))});
}

}  // namespace

void log_policy_loaded(const policy::Policy& user_policy) {
    log_policy_event("egress.loaded", "egress policy loaded", user_policy, user_policy.rules);
}

void log_policy_updated(const policy::Policy& applied, std::span<const policy::Rule> delta) {
    log_policy_event("egress.updated", "egress policy updated", applied, delta);
}

void log_policy_update_failed(common::LogLevel level, std::string_view error) {
    common::log_fields(level, "egress policy update failed",
                       {{common::kLogEventKey, "egress.update_failed"}, {"error", error}});
}

}  // namespace egress::api
