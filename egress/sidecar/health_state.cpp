#include "sidecar/health_state.hpp"

namespace egress::sidecar {
namespace {

constexpr std::chrono::seconds kLivenessLimit{5};
constexpr std::chrono::seconds kReadinessLimit{1};

}  // namespace

std::optional<std::string> HealthState::liveness() const {
    DnsService* dns = dns_;
    if (dns != nullptr && !dns->answers_within(kLivenessLimit)) {
        return "dns proxy loop not answering";
    }
    return std::nullopt;
}

std::optional<std::string> HealthState::readiness() const {
    if (!installed_) {
        return "enforcement not installed";
    }
    DnsService* dns = dns_;
    if (dns == nullptr) {
        return "dns proxy not serving";
    }
    if (!dns->answers_within(kReadinessLimit)) {
        return "dns proxy loop not answering";
    }
    return std::nullopt;
}

}  // namespace egress::sidecar
