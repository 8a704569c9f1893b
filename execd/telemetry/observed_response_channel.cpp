#include "telemetry/observed_response_channel.hpp"

namespace execd::telemetry {

ObservedResponseChannel::ObservedResponseChannel(std::shared_ptr<http::ResponseChannel> inner)
    : inner_(std::move(inner)) {}

void ObservedResponseChannel::respond(http::Response response) {
    const int status = response.status;
    inner_->respond(std::move(response));
    complete(status, true);
}

void ObservedResponseChannel::start(http::ResponseHead head) {
    status_.store(head.status, std::memory_order_relaxed);
    inner_->start(std::move(head));
}

void ObservedResponseChannel::write(std::string bytes, WriteDone done) {
    inner_->write(std::move(bytes), std::move(done));
}

void ObservedResponseChannel::finish() {
    const bool delivered = !inner_->peer_gone();
    inner_->finish();
    complete(status_.load(std::memory_order_relaxed), delivered);
}

bool ObservedResponseChannel::peer_gone() const {
    return inner_->peer_gone();
}

void ObservedResponseChannel::take_connection(http::ConnectionTaker taker) {
    inner_->take_connection(std::move(taker));
    complete(101, true);
}

void ObservedResponseChannel::abandon() {
    complete(0, false);
}

void ObservedResponseChannel::complete(int status, bool delivered) {
    if (!completed_.exchange(true)) {
        on_complete(status, delivered);
    }
}

}  // namespace execd::telemetry
