#include "nft/learning_gate.hpp"

namespace egress::nft {

bool LearningGate::learn_if_allowed(std::string_view name, const std::function<void()>& learn) {
    std::lock_guard lock(mutex_);
    if (allowed_ && !allowed_(name)) {
        return false;
    }
    learn();
    return true;
}

void LearningGate::enforce(NameAllowed allowed, const std::function<void()>& revoke) {
    std::lock_guard lock(mutex_);
    revoke();
    allowed_ = std::move(allowed);
}

}  // namespace egress::nft
