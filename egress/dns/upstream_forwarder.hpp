#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/event_loop.hpp"
#include "common/ip_address.hpp"
#include "common/ip_endpoint.hpp"
#include "dns/ares_channel.hpp"

namespace egress::dns {

struct ForwarderOptions {
    std::vector<common::IpEndpoint> upstreams;
    // Upstreams reached without SO_MARK (e.g. only routable through a path the mark would change).
    std::vector<common::IpAddress> unmarked_upstreams;
    std::optional<uint32_t> socket_mark = 0x1;
    std::chrono::milliseconds timeout{5000};
    std::chrono::milliseconds probe_interval{30000};
    std::chrono::milliseconds probe_timeout{2000};
    // The probe's question: "" or "." for ". IN NS", else "<name>. IN A" (see build_probe_query).
    std::string probe_name;
};

struct ForwardResult {
    bool ok = false;
    std::vector<uint8_t> answer;  // with the client's ID restored
    std::string error;            // why every upstream failed, when !ok
};

// Sends client queries to the upstream resolvers: in order, healthy ones first; fails over on a
// timeout, a transport error, or an answer that is neither NOERROR nor NXDOMAIN. Probes every
// upstream periodically so a dead one does not cost each query a timeout; a probe answered with
// another RCODE (SERVFAIL, REFUSED) marks the upstream unhealthy too, unlike upstream's sidecar.
class UpstreamForwarder {
  public:
    using Completion = std::function<void(ForwardResult)>;
    enum class Transport { udp, tcp };

    UpstreamForwarder(common::EventLoop& loop, ForwarderOptions options);
    ~UpstreamForwarder();

    // `completion` runs on the loop thread exactly once, possibly before forward() returns.
    void forward(std::span<const uint8_t> query, Transport transport, Completion completion);

    // Starts the periodic health probes (the first round runs now).
    void start_probes();

    // Run around every burst of upstream events, whose completions can then be batched.
    void set_burst_hooks(BurstHooks hooks) { owner_hooks_ = std::move(hooks); }

    // Holding it queues the UDP queries forwarded meanwhile, so that a burst of them leaves with
    // one system call.
    UdpSendBatch& outgoing_queries() { return udp_batching_.sends(); }

    size_t upstream_count() const { return upstreams_.size(); }
    bool is_healthy(size_t index) const { return upstreams_[index]->healthy; }

  private:
    struct Upstream {
        common::IpEndpoint endpoint;
        std::unique_ptr<AresChannel> udp;
        std::unique_ptr<AresChannel> tcp;
        std::unique_ptr<AresChannel> probe;
        bool healthy = true;
    };
    struct Attempt;
    struct Probe;

    AresChannel::Options channel_options(const common::IpEndpoint& endpoint);
    void begin_burst();
    void end_burst();
    static void on_answer(void* attempt, int status, int timeouts, unsigned char* answer, int length);
    static void on_probe_answer(void* probe, int status, int timeouts, unsigned char* answer, int length);
    void try_next(std::unique_ptr<Attempt> attempt);
    std::vector<size_t> attempt_order() const;
    void run_probe_round();
    void set_probed_health(Upstream& upstream, bool healthy, std::string_view failure);

    common::EventLoop& loop_;
    ForwarderOptions options_;
    AresUdpBatching udp_batching_;  // shared by every UDP channel
    BurstHooks burst_hooks_;        // shared by every channel: begin_burst(), end_burst()
    BurstHooks owner_hooks_;
    std::vector<std::unique_ptr<Upstream>> upstreams_;
    std::vector<uint8_t> probe_query_;
    std::optional<common::EventLoop::TimerId> probe_timer_;
    bool shutting_down_ = false;
};

}  // namespace egress::dns
