#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/stream_event.hpp"
#include "jupyter/kernel_channel.hpp"

namespace execd::api {

// What a run hands to its stream: events in order, then, once, its end.
class CodeRunSink {
  public:
    virtual ~CodeRunSink() = default;
    virtual void send(std::vector<http::StreamEvent> events) = 0;
    // The run finished normally; `terminal` is its execution_complete event.
    virtual void finish(std::vector<http::StreamEvent> events, http::StreamEvent terminal) = 0;
    // The run cannot finish (the connection to the kernel dropped).
    virtual void fail(std::string message) = 0;
};

// One execute_request's answers turned into upstream's events. Only messages whose parent is this
// request reach it (the channel matches parent_header.msg_id). The run ends when both its
// execute_reply and its own `idle` status have arrived, in whichever order.
class CodeRun : public jupyter::KernelListener {
  public:
    using Ended = std::function<void()>;

    CodeRun(std::shared_ptr<CodeRunSink> sink, Ended ended,
            std::chrono::steady_clock::time_point sent = std::chrono::steady_clock::now());

    void on_message(const jupyter::KernelMessage& message) override;
    void on_lost(const std::string& reason) override;

    // The events one kernel message becomes (exposed for tests).
    static std::vector<http::StreamEvent> events_for(const jupyter::KernelMessage& message);

  private:
    void end_if_complete(std::vector<http::StreamEvent> events);

    std::shared_ptr<CodeRunSink> sink_;
    Ended ended_;
    std::chrono::steady_clock::time_point sent_;
    bool idle_seen_ = false;
    bool reply_seen_ = false;
    bool ended_already_ = false;
    bool error_seen_ = false;  // an error event was sent: the run counts as failed
};

}  // namespace execd::api
