#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "policy/policy.hpp"

namespace egress::policy {

enum class PolicySource { environment, file };

struct InitialPolicy {
    Policy policy;
    PolicySource source = PolicySource::environment;
};

// Told why the policy file is not used: "is empty" or "is invalid: <reason>". It may throw to stop
// the start instead of falling back.
using FileFallbackSink = std::function<void(std::string_view problem)>;

// The start-up user policy. With a policy_file (empty path: none) that exists and holds a valid
// policy, the file wins over env_rules (OPENSANDBOX_EGRESS_RULES). A missing file silently, and
// an empty or invalid one after telling `fallback`, fall back to env_rules. Throws
// std::system_error when the file exists but cannot be read and PolicyError when env_rules is
// needed and invalid; both messages name their source, and a bad rule by its index and field.
InitialPolicy load_initial_policy(const std::filesystem::path& policy_file, std::string_view env_rules,
                                  const FileFallbackSink& fallback);

// Upstream's warning: "egress policy file <path> <problem>; falling back to OPENSANDBOX_EGRESS_RULES".
std::string policy_file_fallback_warning(const std::filesystem::path& policy_file, std::string_view problem);

// Writes the user policy atomically (see write_file_atomically); a new file gets mode 0600.
// Throws std::system_error. Call only after the change has been applied.
void save_policy_file(const std::filesystem::path& policy_file, const Policy& policy);

}  // namespace egress::policy
