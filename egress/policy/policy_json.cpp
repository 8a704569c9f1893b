#include "policy/policy_json.hpp"

#include <utility>

#include "policy/json_document.hpp"
#include "policy/policy_error.hpp"
#include "policy/text.hpp"
#include "policy/wildcard_guard.hpp"

namespace egress::policy {
namespace {

using nlohmann::json;

// `field`: the part of a rule the value is ("ports[0]"), when it is in a rule.
[[noreturn]] void reject_type(const std::string& what, const char* expected, const json& value,
                              std::string field = {}) {
    throw PolicyError(what + " must be " + expected + ", got " + json_type_name(value), std::move(field));
}

// A string member of an object whose keys are already folded to lowercase.
std::string string_member(const json& object, const char* key, const std::string& path,
                          std::string field = {}) {
    const auto found = object.find(key);
    if (found == object.end() || found->is_null()) {
        return {};
    }
    if (!found->is_string()) {
        reject_type(path, "a string", *found, std::move(field));
    }
    return found->get<std::string>();
}

Action parse_default_action(std::string_view raw) {
    const std::string action = to_lower_ascii(trim_space(raw));
    if (action.empty() || action == "deny") {
        return Action::deny;
    }
    if (action == "allow") {
        return Action::allow;
    }
    throw PolicyError("unsupported defaultAction \"" + action + "\" (use \"allow\" or \"deny\")");
}

int64_t port_from_json(const json& value, const std::string& path, std::string field) {
    if (value.is_number_unsigned()) {
        const auto port = value.get<uint64_t>();
        return port > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(port);
    }
    if (!value.is_number_integer()) {
        reject_type(path, "an integer", value, std::move(field));
    }
    return value.get<int64_t>();
}

RawPortScope port_scope_from_json(const json& rule, const std::string& path) {
    RawPortScope scope;
    const auto ports = rule.find("ports");
    if (ports != rule.end() && !ports->is_null()) {
        if (!ports->is_array()) {
            reject_type(path + ".ports", "an array of integers", *ports, "ports");
        }
        for (size_t i = 0; i < ports->size(); ++i) {
            const std::string field = "ports[" + std::to_string(i) + "]";
            scope.ports.push_back(port_from_json((*ports)[i], path + "." + field, field));
        }
    }
    const auto protocol = rule.find("protocol");
    if (protocol != rule.end() && !protocol->is_null()) {
        if (!protocol->is_string()) {
            reject_type(path + ".protocol", "a string", *protocol, "protocol");
        }
        scope.protocol = protocol->get_ref<const std::string&>();
    }
    return scope;
}

EnforcementMode parse_mode(std::string_view raw) {
    const std::string mode = to_lower_ascii(trim_space(raw));
    if (mode.empty() || mode == "enforce") {
        return EnforcementMode::enforce;
    }
    if (mode == "audit") {
        return EnforcementMode::audit;
    }
    throw PolicyError("unsupported mode \"" + mode + "\" (use \"enforce\" or \"audit\")");
}

Rule rule_from_json(const json& element, const std::string& path) {
    if (element.is_null()) {
        return make_rule("", "");  // Go leaves a null element as a zero rule: empty target
    }
    if (!element.is_object()) {
        reject_type(path, "an object", element);
    }
    const std::string action = string_member(element, "action", path + ".action", "action");
    const std::string target = string_member(element, "target", path + ".target", "target");
    return make_rule(action, target, port_scope_from_json(element, path));
}

std::vector<Rule> rules_from_json(const json& array, const std::string& path) {
    std::vector<Rule> rules;
    rules.reserve(array.size());
    for (size_t i = 0; i < array.size(); ++i) {
        const std::string rule_path = path + "[" + std::to_string(i) + "]";
        try {
            rules.push_back(rule_from_json(array[i], rule_path));
        } catch (const PolicyError& error) {
            throw error.in_rule(i, rule_path);
        }
    }
    return rules;
}

bool means_default_policy(std::string_view trimmed) {
    return trimmed.empty() || trimmed == "null" || trimmed == "{}";
}

// A top-level array document for PATCH and DELETE; null or [] are "empty array".
json non_empty_array_document(std::string_view text, const char* what) {
    const json document = parse_json_folding_keys(trim_space(text));
    if (document.is_null() || (document.is_array() && document.empty())) {
        throw PolicyError("empty array");
    }
    if (!document.is_array()) {
        reject_type(what, "a JSON array", document);
    }
    return document;
}

}  // namespace

std::string_view to_string(EnforcementMode mode) {
    return mode == EnforcementMode::audit ? "audit" : "enforce";
}

EnforcementMode parse_enforcement_mode(std::string_view raw) {
    return parse_mode(raw);
}

nlohmann::ordered_json rule_to_json(const Rule& rule) {
    nlohmann::ordered_json document{{"action", to_string(rule.action)}};
    if (rule.target.kind != TargetKind::any) {
        document["target"] = rule.target.text;
    }
    if (rule.scope.scoped()) {
        document["ports"] = rule.scope.ports;
        document["protocol"] = to_string(rule.scope.protocol);
    }
    return document;
}

Policy parse_policy(std::string_view text) {
    const std::string_view trimmed = trim_space(text);
    if (means_default_policy(trimmed)) {
        return default_deny_policy();
    }
    const json document = parse_json_folding_keys(trimmed);
    if (document.is_null()) {
        return default_deny_policy();
    }
    if (!document.is_object()) {
        reject_type("the policy", "a JSON object", document);
    }
    Policy policy;
    policy.default_action = parse_default_action(string_member(document, "defaultaction", "defaultAction"));
    policy.mode = parse_mode(string_member(document, "mode", "mode"));
    if (const auto guard = document.find("wildcardguard"); guard != document.end()) {
        policy.wildcard_guard = parse_wildcard_guard(*guard);
    }
    const auto egress = document.find("egress");
    if (egress == document.end() || egress->is_null()) {
        return policy;
    }
    if (!egress->is_array()) {
        reject_type("egress", "an array of rules", *egress);
    }
    policy.rules = rules_from_json(*egress, "egress");
    policy.has_rule_list = true;
    return policy;
}

std::vector<Rule> parse_rule_list(std::string_view text) {
    return rules_from_json(non_empty_array_document(text, "the rule list"), "rule");
}

std::vector<std::string> parse_target_list(std::string_view text) {
    const json document = non_empty_array_document(text, "the target list");
    std::vector<std::string> targets;
    for (size_t i = 0; i < document.size(); ++i) {
        if (!document[i].is_string()) {
            reject_type("target[" + std::to_string(i) + "]", "a string", document[i]);
        }
        const std::string_view target = trim_space(document[i].get_ref<const std::string&>());
        if (!target.empty()) {
            targets.emplace_back(target);
        }
    }
    return targets;
}

nlohmann::ordered_json policy_to_json(const Policy& policy) {
    nlohmann::ordered_json egress = nullptr;
    if (policy.has_rule_list || !policy.rules.empty()) {
        egress = nlohmann::ordered_json::array();
        for (const Rule& rule : policy.rules) {
            egress.push_back(rule_to_json(rule));
        }
    }
    nlohmann::ordered_json document;
    document["egress"] = std::move(egress);
    document["defaultAction"] = to_string(policy.default_action);
    if (policy.mode == EnforcementMode::audit) {
        document["mode"] = "audit";
    }
    if (policy.wildcard_guard != WildcardGuardLimits{}) {
        document["wildcardGuard"] = wildcard_guard_to_json(policy.wildcard_guard);
    }
    return document;
}

std::string serialize_policy(const Policy& policy) {
    return policy_to_json(policy).dump();
}

std::string serialize_policy_pretty(const Policy& policy) {
    return policy_to_json(policy).dump(2) + "\n";
}

}  // namespace egress::policy
