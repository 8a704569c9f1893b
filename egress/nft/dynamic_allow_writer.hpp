#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/event_loop.hpp"
#include "dns/query_policy.hpp"
#include "nft/address_provenance.hpp"
#include "nft/batch_acks.hpp"
#include "nft/element_timeout.hpp"
#include "nft/learning_gate.hpp"
#include "nft/netlink_socket.hpp"
#include "nft/nft_batch.hpp"
#include "nft/sequence_counter.hpp"

namespace egress::nft {

// Feeds the DNS proxy's answers into dyn_allow_v4/v6 without blocking its loop: one batch per
// answer (A and AAAA together) on a non-blocking netlink socket watched by the same EventLoop;
// the answer is released only when the kernel has acknowledged the batch. A kernel error or a
// missing acknowledgement is logged and the answer released anyway: the connection then fails
// closed at the filter chain. Re-adding an address restarts its timeout (see TimeoutRenewal).
// Construct and use on the loop's thread; the socket lives in that thread's network namespace.
class DynamicAllowWriter final : public dns::ResolvedAddressHook {
  public:
    struct Options {
        ElementTimeoutPolicy timeouts;
        std::chrono::milliseconds ack_timeout{2000};
        TimeoutRenewal renewal = TimeoutRenewal::in_place;
        // Told of every address given up to stay within the provenance's limits (on the loop).
        std::function<void(const Eviction&)> on_eviction;
    };

    // Answers are learned through `gate` (none: every answer is learned).
    DynamicAllowWriter(common::EventLoop& loop, std::shared_ptr<AddressProvenance> provenance,
                       Options options, std::shared_ptr<LearningGate> gate = nullptr);
    // Releases every answer still waiting (their batches may or may not have been applied).
    ~DynamicAllowWriter() override;
    DynamicAllowWriter(const DynamicAllowWriter&) = delete;
    DynamicAllowWriter& operator=(const DynamicAllowWriter&) = delete;

    void on_resolved(std::string_view name, const std::vector<dns::ResolvedAddress>& addresses,
                     Release release) override;

    size_t in_flight() const { return in_flight_.size(); }
    uint64_t batches_acknowledged() const { return acknowledged_; }
    uint64_t batches_failed() const { return failed_; }
    // Answers not learned because their name was denied while they were on the way.
    uint64_t denied_in_flight() const { return denied_in_flight_; }

  private:
    struct InFlight;

    void on_readable();
    void on_ack(const nlmsghdr& message);
    void finish(uint32_t key, const std::string& failure);
    void fail_all(const std::string& failure);
    std::string send(InFlight& entry);

    common::EventLoop& loop_;
    std::shared_ptr<AddressProvenance> provenance_;
    Options options_;
    std::shared_ptr<LearningGate> gate_;
    NetlinkSocket socket_;
    SequenceCounter sequence_;
    std::vector<uint8_t> receive_buffer_;
    // Keyed by the batch's BATCH_BEGIN sequence number.
    std::map<uint32_t, std::unique_ptr<InFlight>> in_flight_;
    uint64_t acknowledged_ = 0;
    uint64_t failed_ = 0;
    uint64_t denied_in_flight_ = 0;
};

}  // namespace egress::nft
