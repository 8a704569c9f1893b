#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "nft/address_provenance.hpp"
#include "nft/element_timeout.hpp"
#include "nft/learning_gate.hpp"
#include "nft/netlink_socket.hpp"
#include "nft/sequence_counter.hpp"

namespace egress::nft {

struct UseRenewalOptions {
    // A learned element in use stays at least this long after its last packet.
    std::chrono::seconds tail{900};
    // How often the datapath's marks are read: shorter than RulesetOptions::seen_window.
    std::chrono::milliseconds interval{10000};
    TimeoutRenewal renewal = TimeoutRenewal::in_place;
};

// What one pass did.
struct UseRenewalPass {
    size_t marked = 0;   // addresses the datapath marked as used
    size_t renewed = 0;  // elements written again with a new timeout
    std::chrono::microseconds cpu{0};
    // Names in use whose last answer is past its TTL (or will be by the next pass).
    std::vector<StaleName> stale_names;
};

// Keeps learned elements alive while traffic uses them. The datapath marks every address it sends
// to through a learned element in dyn_seen; each pass reads the marks and renews, through the
// learning gate (a name the policy denies now is never renewed), the elements of marked addresses
// with less than a tail left, to one and a half tails. Elements nobody uses expire as before.
class UseRenewer {
  public:
    // The netlink socket lives in the calling thread's network namespace.
    UseRenewer(std::shared_ptr<AddressProvenance> provenance, std::shared_ptr<LearningGate> gate,
               UseRenewalOptions options);
    // Stops the thread, if started.
    ~UseRenewer();
    UseRenewer(const UseRenewer&) = delete;
    UseRenewer& operator=(const UseRenewer&) = delete;

    // One pass on the calling thread. Throws NftError when the kernel refuses.
    UseRenewalPass renew_once();
    // A pass every interval on a thread of its own, each result (or failure) to the callbacks.
    void start(std::function<void(const UseRenewalPass&)> on_pass,
               std::function<void(const std::string&)> on_failure);

  private:
    size_t write_renewals(const std::vector<std::pair<std::string, common::IpAddress>>& due);

    std::shared_ptr<AddressProvenance> provenance_;
    std::shared_ptr<LearningGate> gate_;
    UseRenewalOptions options_;
    NetlinkSocket socket_;
    SequenceCounter sequence_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace egress::nft
