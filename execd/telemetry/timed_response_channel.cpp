#include "telemetry/timed_response_channel.hpp"

namespace execd::telemetry {

TimedResponseChannel::TimedResponseChannel(std::shared_ptr<http::ResponseChannel> inner,
                                           common::Family<common::Histogram>& durations, std::string method,
                                           std::string route)
    : inner_(std::move(inner)), durations_(durations), method_(std::move(method)), route_(std::move(route)) {}

void TimedResponseChannel::respond(http::Response response) {
    status_.store(response.status, std::memory_order_relaxed);
    inner_->respond(std::move(response));
    record();
}

void TimedResponseChannel::start(http::ResponseHead head) {
    status_.store(head.status, std::memory_order_relaxed);
    inner_->start(std::move(head));
}

void TimedResponseChannel::write(std::string bytes, WriteDone done) {
    inner_->write(std::move(bytes), std::move(done));
}

void TimedResponseChannel::finish() {
    inner_->finish();
    record();
}

bool TimedResponseChannel::peer_gone() const {
    return inner_->peer_gone();
}

void TimedResponseChannel::take_connection(http::ConnectionTaker taker) {
    status_.store(101, std::memory_order_relaxed);
    inner_->take_connection(std::move(taker));
    record();
}

void TimedResponseChannel::record() {
    if (recorded_.exchange(true)) {
        return;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    durations_.with_labels({method_, route_, std::to_string(status_.load(std::memory_order_relaxed))})
        .observe(seconds);
}

}  // namespace execd::telemetry
