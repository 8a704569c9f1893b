#pragma once

#include <memory>
#include <string>

#include "common/metrics.hpp"
#include "telemetry/observed_response_channel.hpp"

namespace execd::telemetry {

// Observes, when the response is complete, the time since construction in `durations` under
// {method, route, status}. A connection taken over (a WebSocket upgrade) counts as a 101 answered
// when it is handed over.
class TimedResponseChannel final : public ObservedResponseChannel {
  public:
    TimedResponseChannel(std::shared_ptr<http::ResponseChannel> inner,
                         common::Family<common::Histogram>& durations, std::string method, std::string route);

  private:
    void on_complete(int status, bool delivered) override;

    common::Family<common::Histogram>& durations_;
    const std::string method_;
    const std::string route_;
};

}  // namespace execd::telemetry
