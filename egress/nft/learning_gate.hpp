#pragma once

#include <functional>
#include <mutex>
#include <string_view>

#include "nft/port_grant.hpp"

namespace egress::nft {

// Puts learning (an allowed answer's addresses written to dyn_allow) and revocation (a policy change
// removing the addresses whose names it now denies) in one order. Without it, an answer in flight
// when its name is denied could be learned after the revocation and stay reachable until its
// element expired. The DNS path records an answer's provenance and writes its elements inside
// learn_if_allowed, checked against the newest enforced policy; the policy path revokes inside
// enforce, so it sees every answer learned before, and every answer after is checked against it.
// Thread-safe.
class LearningGate {
  public:
    // Until the first enforce(), answers are checked against `initial` (null: every name, every port).
    explicit LearningGate(NameGrantLookup initial = nullptr) : grant_of_(std::move(initial)) {}

    // Runs `learn` with the name's grant only if the newest enforced policy allows `name`; returns
    // whether it ran.
    bool learn_if_allowed(std::string_view name, const std::function<void(const PortGrant&)>& learn);
    // Runs `learn` with the newest enforced policy's grants, for writes that cover many names.
    void learn_under_policy(const std::function<void(const NameGrantLookup&)>& learn);

    // Runs `revoke` (write the new policy, remove what it revokes); once it returns without
    // throwing, answers are checked against `grant_of`.
    void enforce(NameGrantLookup grant_of, const std::function<void()>& revoke);

  private:
    std::mutex mutex_;
    NameGrantLookup grant_of_;
};

}  // namespace egress::nft
