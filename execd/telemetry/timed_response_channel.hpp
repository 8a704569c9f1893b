#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "common/metrics.hpp"
#include "http/response_channel.hpp"

namespace execd::telemetry {

// Forwards to the real channel and, when the response is complete (respond() or finish()), observes the
// time since construction in `durations` under {method, route, status}.
class TimedResponseChannel final : public http::ResponseChannel {
  public:
    TimedResponseChannel(std::shared_ptr<http::ResponseChannel> inner,
                         common::Family<common::Histogram>& durations, std::string method, std::string route);

    void respond(http::Response response) override;
    void start(http::ResponseHead head) override;
    void write(std::string bytes, WriteDone done) override;
    void finish() override;
    bool peer_gone() const override;
    // A connection taken over (a WebSocket upgrade) counts as a 101 answered when it is handed over.
    void take_connection(http::ConnectionTaker taker) override;

  private:
    void record();

    std::shared_ptr<http::ResponseChannel> inner_;
    common::Family<common::Histogram>& durations_;
    const std::string method_;
    const std::string route_;
    const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::atomic<int> status_{0};
    std::atomic<bool> recorded_{false};
};

}  // namespace execd::telemetry
