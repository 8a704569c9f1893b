#include "nft/learning_gate.hpp"

namespace egress::nft {

bool LearningGate::learn_if_allowed(std::string_view name,
                                    const std::function<void(const PortGrant&)>& learn) {
    std::lock_guard lock(mutex_);
    const PortGrant* grant = grant_of_ ? grant_of_(name) : &every_port();
    if (grant == nullptr) {
        return false;
    }
    learn(*grant);
    return true;
}

void LearningGate::learn_under_policy(const std::function<void(const NameGrantLookup&)>& learn) {
    std::lock_guard lock(mutex_);
    if (grant_of_) {
        learn(grant_of_);
    } else {
        learn([](std::string_view) { return &every_port(); });
    }
}

void LearningGate::enforce(NameGrantLookup grant_of, const std::function<void()>& revoke) {
    std::lock_guard lock(mutex_);
    revoke();
    grant_of_ = std::move(grant_of);
}

}  // namespace egress::nft
