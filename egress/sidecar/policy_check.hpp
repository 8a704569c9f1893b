#pragma once

#include <istream>
#include <ostream>
#include <string>

namespace egress::sidecar {

// egress --check-policy's exit codes.
inline constexpr int kPolicyValid = 0;
inline constexpr int kPolicyInvalid = 1;
inline constexpr int kPolicyUnreadable = 2;

// Validates the policy at `source` (a path, or "-" for `input`) as POST /policy does (the same
// parser, and the rule-count limit of OPENSANDBOX_EGRESS_MAX_RULES) and prints "ok: N rules" to
// `out`, or the problem to `err`: an invalid rule by its index and field. Reads nothing else.
int check_policy(const std::string& source, std::istream& input, std::ostream& out, std::ostream& err);

}  // namespace egress::sidecar
