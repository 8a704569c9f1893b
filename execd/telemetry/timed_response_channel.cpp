#include "telemetry/timed_response_channel.hpp"

namespace execd::telemetry {

TimedResponseChannel::TimedResponseChannel(std::shared_ptr<http::ResponseChannel> inner,
                                           common::Family<common::Histogram>& durations, std::string method,
                                           std::string route)
    : ObservedResponseChannel(std::move(inner)),
      durations_(durations),
      method_(std::move(method)),
      route_(std::move(route)) {}

void TimedResponseChannel::on_complete(int status, bool /*delivered*/) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started()).count();
    durations_.with_labels({method_, route_, std::to_string(status)}).observe(seconds);
}

}  // namespace execd::telemetry
