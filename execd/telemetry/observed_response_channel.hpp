#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include "http/response_channel.hpp"

namespace execd::telemetry {

// Forwards every call to the real channel and reports, once, how the response ended: on_complete()
// gets the status (101 for a connection taken over) and whether the client was still there when the
// last byte was handed over. A subclass that must also count responses never completed calls
// abandon() from its destructor.
class ObservedResponseChannel : public http::ResponseChannel {
  public:
    explicit ObservedResponseChannel(std::shared_ptr<http::ResponseChannel> inner);

    void respond(http::Response response) final;
    void start(http::ResponseHead head) final;
    void write(std::string bytes, WriteDone done) final;
    void finish() final;
    bool peer_gone() const final;
    void take_connection(http::ConnectionTaker taker) final;

  protected:
    virtual void on_complete(int status, bool delivered) = 0;
    // Reports status 0, not delivered, unless the response completed.
    void abandon();
    std::chrono::steady_clock::time_point started() const { return started_; }

  private:
    void complete(int status, bool delivered);

    std::shared_ptr<http::ResponseChannel> inner_;
    const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::atomic<int> status_{0};
    std::atomic<bool> completed_{false};
};

}  // namespace execd::telemetry
