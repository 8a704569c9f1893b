#include "vault/candidate_validation.hpp"

#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include "vault/binding_ambiguity.hpp"
#include "vault/binding_host.hpp"
#include "vault/go_text.hpp"
#include "vault/vault_error.hpp"

namespace egress::vault {
namespace {

[[noreturn]] void reject_candidate(const std::string& message) {
    throw VaultError(VaultError::Kind::invalid, message);
}

std::vector<std::string> referenced_credentials(const BindingAuth& auth) {
    if (auth.type != "customHeaders") {
        return {auth.credential};
    }
    std::vector<std::string> names;
    for (const HeaderCredential& header : auth.headers) {
        names.push_back(header.credential);
    }
    return names;
}

void check_credential_references(const Binding& binding, const VaultContents& contents) {
    for (const std::string& name : referenced_credentials(binding.auth)) {
        if (!contents.credentials.contains(name)) {
            reject_candidate("binding " + go_quote(binding.name) + " references unknown credential " +
                             go_quote(name));
        }
    }
}

void check_intercept_ports(const Binding& binding, const VaultSettings& settings) {
    for (const uint16_t port : binding.match.ports) {
        const auto& intercepted = settings.intercept_ports;
        if (std::find(intercepted.begin(), intercepted.end(), port) == intercepted.end()) {
            reject_candidate("binding " + go_quote(binding.name) + " port " + std::to_string(port) +
                             " is not a configured transparent intercept port");
        }
    }
}

// An allow rule naming the host itself, or a "*.x" allow rule with the host (or, for a wildcard
// binding, its suffix) at or below x.
bool allow_rule_names_host(const policy::Rule& rule, std::string_view host) {
    if (rule.action != policy::Action::allow || !rule.target.is_name()) {
        return false;
    }
    const std::string& target = rule.target.text;
    if (target == host) {
        return true;
    }
    if (rule.target.kind != policy::TargetKind::wildcard) {
        return false;
    }
    const std::string_view rule_suffix = wildcard_suffix(target);
    const std::string_view name = wildcard_suffix(host);
    return (is_wildcard_host(host) && name == rule_suffix) || is_strictly_below(name, rule_suffix);
}

std::vector<std::regex> compile_ignore_hosts(const std::vector<std::string>& patterns) {
    std::vector<std::regex> compiled;
    for (const std::string& pattern : patterns) {
        const std::string_view trimmed = trim_go_space(pattern);
        if (trimmed.empty()) {
            continue;
        }
        try {
            compiled.emplace_back(trimmed.begin(), trimmed.end());
        } catch (const std::regex_error&) {
        }
    }
    return compiled;
}

// The wildcard form itself and a name below it are both tried, as upstream does.
bool host_is_ignored(const std::vector<std::regex>& ignore_hosts, const std::string& host) {
    std::vector<std::string> candidates = {host};
    if (is_wildcard_host(host)) {
        candidates.push_back("probe." + std::string(wildcard_suffix(host)));
    }
    for (const std::regex& pattern : ignore_hosts) {
        for (const std::string& candidate : candidates) {
            if (std::regex_search(candidate, pattern)) {
                return true;
            }
        }
    }
    return false;
}

void check_hosts(const Binding& binding, const policy::PolicySnapshot& policy,
                 const std::vector<std::regex>& ignore_hosts) {
    for (const std::string& host : binding.match.hosts) {
        const std::string prefix = "binding " + go_quote(binding.name) + " host " + go_quote(host);
        if (!policy_covers_binding_host(policy, host)) {
            reject_candidate(prefix + " is not covered by an explicit allow egress rule");
        }
        if (host_is_ignored(ignore_hosts, host)) {
            reject_candidate(prefix + " matches mitmproxy ignore_hosts");
        }
    }
}

}  // namespace

bool policy_covers_binding_host(const policy::PolicySnapshot& policy, std::string_view host) {
    const auto& rules = policy.effective_policy().rules;
    const bool named = std::any_of(rules.begin(), rules.end(), [&](const policy::Rule& rule) {
        return allow_rule_names_host(rule, host);
    });
    if (!named) {
        return false;
    }
    // First-match evaluation must agree: an earlier deny (e.g. deny.always) wins over the allow.
    const std::string probe =
        is_wildcard_host(host) ? "probe." + std::string(wildcard_suffix(host)) : std::string(host);
    return policy.evaluate(probe) == policy::Action::allow;
}

void validate_candidate(const VaultContents& contents, const policy::PolicySnapshot& policy,
                        const VaultSettings& settings) {
    if (contents.bindings.empty()) {
        return;
    }
    if (policy.effective_policy().rules.empty()) {
        reject_candidate("credential bindings require explicit networkPolicy.egress allow rules");
    }
    const std::vector<std::regex> ignore_hosts = compile_ignore_hosts(settings.ignore_hosts);
    for (const auto& [name, binding] : contents.bindings) {
        check_credential_references(binding, contents);
        check_intercept_ports(binding, settings);
        check_hosts(binding, policy, ignore_hosts);
    }
    check_binding_ambiguity(contents.bindings);
}

}  // namespace egress::vault
