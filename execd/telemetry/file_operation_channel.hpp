#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include "http/response_channel.hpp"
#include "telemetry/operation_metrics.hpp"

namespace execd::telemetry {

// Forwards to the real channel and records one filesystem operation when its response is complete:
// success for a 2xx response that reached the client, failure otherwise (an error status, the client
// gone before the end, or a response never completed).
class FileOperationChannel final : public http::ResponseChannel {
  public:
    FileOperationChannel(std::shared_ptr<http::ResponseChannel> inner, FileOperation operation);
    ~FileOperationChannel() override;

    void respond(http::Response response) override;
    void start(http::ResponseHead head) override;
    void write(std::string bytes, WriteDone done) override;
    void finish() override;
    bool peer_gone() const override;
    void take_connection(http::ConnectionTaker taker) override;

  private:
    void record(bool succeeded);

    std::shared_ptr<http::ResponseChannel> inner_;
    const FileOperation operation_;
    const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::atomic<int> status_{0};
    std::atomic<bool> recorded_{false};
};

// `channel` wrapped so that the response records `operation`'s duration and result.
std::shared_ptr<http::ResponseChannel> time_file_operation(FileOperation operation,
                                                           std::shared_ptr<http::ResponseChannel> channel);

}  // namespace execd::telemetry
