#pragma once

#include <stdexcept>
#include <string>

namespace egress::policy {

// A policy, rule list or target was rejected. what() is a message a user can act on; the HTTP
// layer prefixes it (for example with "invalid policy: ") and answers 400.
class PolicyError : public std::invalid_argument {
  public:
    using std::invalid_argument::invalid_argument;
};

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
