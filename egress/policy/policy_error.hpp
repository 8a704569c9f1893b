#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace egress::policy {

// A policy, rule list or target was rejected. what() is a message a user can act on; the HTTP
// layer prefixes it (for example with "invalid policy: ") and answers 400. An error in a rule also
// says which rule of its list and which of its fields, when known; what() stays the same either way.
class PolicyError : public std::invalid_argument {
  public:
    using std::invalid_argument::invalid_argument;
    // `field`: the part of a rule that is wrong ("target", "ports[1]", "protocol").
    PolicyError(const std::string& message, std::string field);

    // "" when the error is about the rule as a whole or not about a rule.
    const std::string& field() const noexcept { return field_; }
    // The rule's position in its list, once the list parser placed the error.
    std::optional<size_t> rule_index() const noexcept { return rule_index_; }
    // "egress[3].target", "egress[3]" for the whole rule; "" when not placed.
    std::string field_path() const;

    // This error with `field`, unless it already names one.
    PolicyError in_field(std::string field) const;
    // This error placed at rule `index` of a list, whose element is written `rule_path` ("egress[3]").
    PolicyError in_rule(size_t index, std::string rule_path) const;

  private:
    std::string field_;
    std::optional<size_t> rule_index_;
    std::string rule_path_;
};

// "rule 3 (egress[3].target): invalid target ..." for an error placed in a rule, else what().
std::string located_message(const PolicyError& error);

// Runs step; a PolicyError it throws that names no field is rethrown naming `field`.
template <typename Step>
auto blaming_field(std::string_view field, Step&& step) -> decltype(step()) {
    try {
        return step();
    } catch (const PolicyError& error) {
        throw error.in_field(std::string(field));
    }
}

// The change would exceed the configured rule-count limit (the HTTP layer answers 413).
class RuleLimitError : public PolicyError {
  public:
    using PolicyError::PolicyError;
};

// A guard (the credential vault) refused the policy a change would produce: what() is the whole
// message (the HTTP layer answers 400 with it as is).
class GuardRefusal : public std::invalid_argument {
  public:
    using std::invalid_argument::invalid_argument;
};

}  // namespace egress::policy
