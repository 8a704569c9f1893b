#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace egress::policy {

// Limits on the names a wildcard allow rule admits, so a workload cannot move data out through
// the names it looks up under an allowed wildcard (<data>.x.allowed.example) or in through their
// answers (TXT). A policy's "wildcardGuard"; on by default, with limits real clients stay within
// (package managers, CDNs, cloud SDKs). A limit of 0 (or an empty type list) is no limit.
struct WildcardGuardLimits {
    bool enabled = true;
    std::vector<uint16_t> query_types = {1, 28, 5, 65, 64};  // A, AAAA, CNAME, HTTPS, SVCB
    uint32_t max_label_length = 52;
    uint32_t max_name_length = 160;
    // Distinct names not seen before, per wildcard: a burst, then a steady rate.
    uint32_t new_names_per_minute = 30;
    uint32_t new_names_burst = 100;
    // Shannon entropy in bits per character of each run of kEntropyMinimumLength or more
    // characters without a dot or dash under the wildcard: encoded data scores near the log2 of
    // its alphabet (random base32: 4.3 on average at 36 characters, 4.5 at 50; base64 more),
    // hostnames made of words and ids lower (24 letters of words: 3.1-3.9, 32 hex digits: 3.7).
    // Shorter runs, and data that passes, are left to the new-name budget.
    double max_entropy = 4.2;

    bool operator==(const WildcardGuardLimits&) const = default;
};

inline constexpr size_t kEntropyMinimumLength = 24;

// Which limit a name is over.
enum class GuardLimit : uint8_t { none, query_type, label_length, name_length, new_names, entropy };

// "query_type", "label_length", "name_length", "new_names", "entropy" ("" for none).
std::string_view to_string(GuardLimit limit);

// The limits that do not depend on what came before: the query type, the lengths and the
// entropy of the runs in `under_wildcard` (the labels the wildcard's "*" stands for). `name`:
// lowercase, no trailing dot.
GuardLimit stateless_limit_over(const WildcardGuardLimits& limits, std::string_view name,
                                std::string_view under_wildcard, uint16_t query_type);

double entropy_bits_per_character(std::string_view text);

// From a policy document's "wildcardGuard" (keys folded to lowercase): missing fields keep their
// defaults; throws PolicyError naming the field for a bad one.
WildcardGuardLimits parse_wildcard_guard(const nlohmann::json& value);
// Every field, in the API's spelling.
nlohmann::ordered_json wildcard_guard_to_json(const WildcardGuardLimits& limits);

}  // namespace egress::policy
