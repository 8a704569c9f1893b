#include "api/policy_handlers.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "api/policy_events.hpp"
#include "policy/json_document.hpp"
#include "policy/policy_changes.hpp"
#include "policy/policy_error.hpp"
#include "policy/policy_json.hpp"
#include "policy/policy_mode.hpp"
#include "policy/text.hpp"

namespace egress::api {
namespace {

constexpr int kOk = 200;
constexpr int kBadRequest = 400;
constexpr int kPayloadTooLarge = 413;
constexpr int kInternalError = 500;

bool is_blank(std::string_view body) {
    return policy::trim_space(body).empty();
}

using Rules = std::vector<policy::Rule>;

// The rules of `before` that `after` no longer has (a DELETE removes rules and keeps the order).
Rules removed_rules(const policy::Policy& before, const policy::Policy& after) {
    Rules removed;
    size_t kept = 0;
    for (const policy::Rule& rule : before.rules) {
        if (kept < after.rules.size() && after.rules[kept] == rule) {
            ++kept;
        } else {
            removed.push_back(rule);
        }
    }
    return removed;
}

}  // namespace

PolicyHandlers::PolicyHandlers(policy::PolicyEngine& engine, std::string enforcement_mode,
                               common::MetricsRegistry& metrics)
    : engine_(engine),
      enforcement_mode_(std::move(enforcement_mode)),
      updates_(metrics.counter_family("egress_policy_updates_total",
                                      "Policy changes through the API by operation and result.",
                                      {"operation", "result"})),
      apply_seconds_(
          metrics.histogram("egress_policy_apply_seconds",
                            "Time to validate and enforce a policy change (nft and DNS) and persist it.",
                            common::exponential_buckets(0.0001, 2, 16))) {}

ApiResponse PolicyHandlers::get() const {
    const auto snapshot = engine_.current();
    nlohmann::ordered_json document;
    document["status"] = "ok";
    document["mode"] = policy::to_string(snapshot->mode());
    document["enforcementMode"] = enforcement_mode_;
    document["policy"] = policy::policy_to_json(snapshot->user_policy());
    return json_response(kOk, document);
}

ApiResponse PolicyHandlers::replace(std::string_view body) {
    if (is_blank(body)) {
        return reset();
    }
    policy::Policy parsed;
    try {
        parsed = policy::parse_policy(body);
    } catch (const policy::PolicyError& error) {
        count("replace", "invalid");
        return refuse(kBadRequest, common::LogLevel::warn, std::string("invalid policy: ") + error.what());
    }
    spdlog::info("policy API: updating policy to mode={}, enforcement={}",
                 policy::to_string(policy::mode_of(parsed)), enforcement_mode_);
    const Rules requested = parsed.rules;
    return apply(
        "replace", "failed to apply nftables policy: ", [&] { return engine_.replace(std::move(parsed)); },
        [&](const policy::Policy&, const policy::Policy&) { return requested; });
}

ApiResponse PolicyHandlers::reset() {
    auto response = apply(
        "reset", "failed to apply nftables: ", [&] { return engine_.replace(policy::default_deny_policy()); },
        [](const policy::Policy&, const policy::Policy&) { return Rules{}; });
    if (response.status != kOk) {
        return response;
    }
    spdlog::info("policy API: reset to default deny-all");
    // Upstream's reset answer has a reason and no enforcementMode.
    nlohmann::ordered_json document;
    document["status"] = "ok";
    document["mode"] = "deny_all";
    document["reason"] = "policy reset to default deny-all";
    return json_response(kOk, document);
}

ApiResponse PolicyHandlers::patch(std::string_view body) {
    if (is_blank(body)) {
        count("patch", "invalid");
        return refuse(kBadRequest, common::LogLevel::warn, "empty body");
    }
    std::vector<policy::Rule> rules;
    try {
        rules = policy::parse_rule_list(body);
    } catch (const policy::PolicyError& error) {
        count("patch", "invalid");
        return refuse(kBadRequest, common::LogLevel::warn,
                      std::string("invalid patch rules: ") + error.what());
    }
    spdlog::info("policy API: patching policy with {} new rule(s), enforcement={}", rules.size(),
                 enforcement_mode_);
    return apply(
        "patch", "failed to apply nftables policy: ", [&] { return engine_.patch(rules); },
        [&](const policy::Policy&, const policy::Policy&) { return rules; });
}

ApiResponse PolicyHandlers::remove(std::string_view body) {
    if (is_blank(body)) {
        count("delete", "invalid");
        return refuse(kBadRequest, common::LogLevel::warn, "empty body");
    }
    std::vector<std::string> targets;
    try {
        targets = policy::parse_target_list(body);
    } catch (const policy::PolicyError& error) {
        count("delete", "invalid");
        return refuse(kBadRequest, common::LogLevel::warn,
                      std::string("invalid delete targets: ") + error.what());
    }
    return apply(
        "delete", "failed to apply nftables policy: ", [&] { return engine_.remove(targets); },
        removed_rules);
}

ApiResponse PolicyHandlers::set_mode(std::string_view body) {
    policy::EnforcementMode mode;
    try {
        const auto document = policy::parse_json_folding_keys(policy::trim_space(body));
        const auto found = document.is_object() ? document.find("mode") : document.end();
        if (found == document.end() || !found->is_string()) {
            throw policy::PolicyError(R"(the body must be {"mode":"enforce"} or {"mode":"audit"})");
        }
        mode = policy::parse_enforcement_mode(found->get<std::string>());
    } catch (const policy::PolicyError& error) {
        count("mode", "invalid");
        return refuse(kBadRequest, common::LogLevel::warn, std::string("invalid mode: ") + error.what());
    }
    if (engine_.current()->user_policy().mode == mode) {
        count("mode", "unchanged");
        return status_response({false, engine_.current()->mode(), {}},
                               "policy already in " + std::string(policy::to_string(mode)) + " mode");
    }
    spdlog::info("policy API: switching the policy to {} mode", policy::to_string(mode));
    return apply(
        "mode", "failed to apply nftables policy: ", [&] { return engine_.set_mode(mode); },
        [](const policy::Policy&, const policy::Policy&) { return Rules{}; });
}

template <typename Change, typename Delta>
ApiResponse PolicyHandlers::apply(std::string_view operation, std::string_view apply_error_prefix,
                                  Change&& change, Delta&& delta) {
    const auto started = std::chrono::steady_clock::now();
    const auto before = engine_.current();
    policy::ChangeOutcome outcome;
    try {
        outcome = change();
    } catch (const policy::GuardRefusal& error) {
        count(operation, "refused");
        spdlog::warn("policy API: {} refused: {}", operation, error.what());
        return refuse(kBadRequest, common::LogLevel::warn, error.what());
    } catch (const policy::RuleLimitError& error) {
        count(operation, "too_many_rules");
        return refuse(kPayloadTooLarge, common::LogLevel::warn, error.what());
    } catch (const policy::PolicyError& error) {
        count(operation, "invalid");
        const char* prefix = operation == "delete" ? "invalid delete targets: " : "invalid merged policy: ";
        return refuse(kBadRequest, common::LogLevel::warn, std::string(prefix) + error.what());
    } catch (const std::exception& error) {
        count(operation, "enforcement_failed");
        spdlog::error("policy API: nftables apply failed: {}", error.what());
        return refuse(kInternalError, common::LogLevel::err, std::string(apply_error_prefix) + error.what());
    }
    apply_seconds_.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (!outcome.changed) {
        count(operation, "unchanged");
        return status_response(outcome, "no matching targets found");
    }
    count(operation, "applied");
    spdlog::info("policy API: proxy and nftables updated to {}", policy::to_string(outcome.mode));
    const auto after = engine_.current();
    log_policy_updated(after->user_policy(), delta(before->user_policy(), after->user_policy()));
    if (!outcome.persist_error.empty()) {
        spdlog::error("policy API: policy applied but not saved: {}", outcome.persist_error);
        return status_response(outcome, "policy applied but not saved: " + outcome.persist_error);
    }
    return status_response(outcome);
}

ApiResponse PolicyHandlers::status_response(const policy::ChangeOutcome& outcome, std::string reason) const {
    nlohmann::ordered_json document;
    document["status"] = "ok";
    document["mode"] = policy::to_string(outcome.mode);
    document["enforcementMode"] = enforcement_mode_;
    if (!reason.empty()) {
        document["reason"] = std::move(reason);
    }
    return json_response(kOk, document);
}

ApiResponse PolicyHandlers::refuse(int status, common::LogLevel level, std::string message) const {
    log_policy_update_failed(level, message);
    return text_error(status, std::move(message));
}

void PolicyHandlers::count(std::string_view operation, std::string_view result) {
    updates_.with_labels({std::string(operation), std::string(result)}).inc();
}

}  // namespace egress::api
