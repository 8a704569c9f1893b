#include "policy/policy.hpp"

namespace egress::policy {

Policy default_deny_policy() {
    return Policy{};
}

}  // namespace egress::policy
