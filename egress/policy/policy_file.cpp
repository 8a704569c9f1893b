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

void warn_fallback(const WarningSink& warn, const std::filesystem::path& file, std::string_view problem) {
    if (warn) {
        warn("egress policy file " + file.string() + " " + std::string(problem) + "; falling back to " +
             std::string(env_rules_name));
    }
}

// The policy the file holds, or nullopt (after a warning) when the environment must be used.
std::optional<Policy> read_policy_file(const std::filesystem::path& file, const WarningSink& warn) {
    const std::optional<std::string> content = read_file_if_exists(file);
    if (!content) {
        return std::nullopt;
    }
    if (trim_space(*content).empty()) {
        warn_fallback(warn, file, "is empty");
        return std::nullopt;
    }
    try {
        return parse_policy(*content);
    } catch (const PolicyError& problem) {
        warn_fallback(warn, file, std::string("is invalid: ") + problem.what());
        return std::nullopt;
    }
}

}  // namespace

InitialPolicy load_initial_policy(const std::filesystem::path& policy_file, std::string_view env_rules,
                                  const WarningSink& warn) {
    if (!policy_file.empty()) {
        if (std::optional<Policy> from_file = read_policy_file(policy_file, warn)) {
            return {std::move(*from_file), PolicySource::file};
        }
    }
    return {parse_policy(env_rules), PolicySource::environment};
}

void save_policy_file(const std::filesystem::path& policy_file, const Policy& policy) {
    write_file_atomically(policy_file, serialize_policy_pretty(policy), 0600);
}

}  // namespace egress::policy
