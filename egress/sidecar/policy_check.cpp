#include "sidecar/policy_check.hpp"

#include <cerrno>
#include <iterator>
#include <optional>
#include <system_error>
#include <utility>

#include "common/config.hpp"
#include "policy/file_io.hpp"
#include "policy/policy_changes.hpp"
#include "policy/policy_error.hpp"
#include "policy/policy_json.hpp"

namespace egress::sidecar {
namespace {

constexpr const char* kStandardInput = "-";

// The text at `source`; throws std::system_error naming it.
std::string read_policy_source(const std::string& source, std::istream& input) {
    if (source == kStandardInput) {
        std::string text{std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>()};
        if (input.bad()) {
            throw std::system_error(EIO, std::generic_category(), "cannot read standard input");
        }
        return text;
    }
    std::optional<std::string> text = policy::read_file_if_exists(source);
    if (!text) {
        throw std::system_error(ENOENT, std::generic_category(), "cannot open " + source);
    }
    return std::move(*text);
}

std::string rule_count_text(size_t count) {
    return std::to_string(count) + (count == 1 ? " rule" : " rules");
}

}  // namespace

int check_policy(const std::string& source, std::istream& input, std::ostream& out, std::ostream& err) {
    std::string text;
    try {
        text = read_policy_source(source, input);
    } catch (const std::system_error& error) {
        err << error.what() << "\n";
        return kPolicyUnreadable;
    }
    const std::string name = source == kStandardInput ? "standard input" : source;
    try {
        const policy::Policy parsed = policy::parse_policy(text);
        policy::check_rule_limit(parsed,
                                 policy::parse_max_rules(common::env_or("OPENSANDBOX_EGRESS_MAX_RULES", "")));
        out << "ok: " << rule_count_text(parsed.rules.size()) << "\n";
        return kPolicyValid;
    } catch (const policy::PolicyError& error) {
        err << name << ": invalid policy: " << policy::located_message(error) << "\n";
        return kPolicyInvalid;
    }
}

}  // namespace egress::sidecar
