#include "policy/policy_file.hpp"

#include <optional>
#include <string>

#include "policy/file_io.hpp"
#include "policy/policy_error.hpp"
#include "policy/policy_json.hpp"
#include "policy/text.hpp"

namespace egress::policy {
namespace {

constexpr std::string_view env_rules_name = "OPENSANDBOX_EGRESS_RULES";

void tell_fallback(const FileFallbackSink& fallback, std::string_view problem) {
    if (fallback) {
        fallback(problem);
    }
}

// The policy the file holds, or nullopt (after telling `fallback`) when the environment must be used.
std::optional<Policy> read_policy_file(const std::filesystem::path& file, const FileFallbackSink& fallback) {
    const std::optional<std::string> content = read_file_if_exists(file);
    if (!content) {
        return std::nullopt;
    }
    if (trim_space(*content).empty()) {
        tell_fallback(fallback, "is empty");
        return std::nullopt;
    }
    try {
        return parse_policy(*content);
    } catch (const PolicyError& problem) {
        tell_fallback(fallback, "is invalid: " + located_message(problem));
        return std::nullopt;
    }
}

Policy parse_env_rules(std::string_view env_rules) {
    try {
        return parse_policy(env_rules);
    } catch (const PolicyError& problem) {
        throw PolicyError(std::string(env_rules_name) + ": " + located_message(problem));
    }
}

}  // namespace

InitialPolicy load_initial_policy(const std::filesystem::path& policy_file, std::string_view env_rules,
                                  const FileFallbackSink& fallback) {
    if (!policy_file.empty()) {
        if (std::optional<Policy> from_file = read_policy_file(policy_file, fallback)) {
            return {std::move(*from_file), PolicySource::file};
        }
    }
    return {parse_env_rules(env_rules), PolicySource::environment};
}

std::string policy_file_fallback_warning(const std::filesystem::path& policy_file, std::string_view problem) {
    return "egress policy file " + policy_file.string() + " " + std::string(problem) + "; falling back to " +
           std::string(env_rules_name);
}

void save_policy_file(const std::filesystem::path& policy_file, const Policy& policy) {
    write_file_atomically(policy_file, serialize_policy_pretty(policy), 0600);
}

}  // namespace egress::policy
