#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "common/event_loop.hpp"
#include "common/resource_sampler.hpp"
#include "http/router.hpp"

namespace execd::api {

// Upstream's metrics body: {"cpu_count","cpu_used_pct","mem_total_mib","mem_used_mib","timestamp"}.
std::string metrics_json(const common::ResourceSnapshot& snapshot);

// GET /metrics answers from the background sampler at once; GET /metrics/watch streams one metrics
// object followed by a blank line every `?interval=` seconds (default 1) until the client leaves.
class MetricsApi {
  public:
    static constexpr std::chrono::milliseconds kMinInterval{100};
    static constexpr std::chrono::milliseconds kMaxInterval{std::chrono::hours(1)};

    // Watch timers run on `loop`; `sampler` must outlive the loop (the timers keep using it).
    MetricsApi(const common::ResourceSampler& sampler, common::EventLoop& loop);

    void register_routes(http::Router& router);
    // Ends every watch stream at its next tick (shutdown).
    void stop() { shared_->stopping = true; }

  private:
    // What the watch timers use; they hold it, so it outlives this object.
    struct Shared {
        const common::ResourceSampler& sampler;
        common::EventLoop& loop;
        std::atomic<bool> stopping{false};
    };
    struct Watch;

    void metrics(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);
    void watch(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);
    static void send_and_rearm(const std::shared_ptr<Watch>& watch);

    std::shared_ptr<Shared> shared_;
};

}  // namespace execd::api
