#pragma once

#include <memory>

#include "telemetry/observed_response_channel.hpp"
#include "telemetry/operation_metrics.hpp"

namespace execd::telemetry {

// Records one filesystem operation when its response is complete: success for a 2xx response that
// reached the client, failure otherwise (an error status, the client gone before the end, or a
// response never completed).
class FileOperationChannel final : public ObservedResponseChannel {
  public:
    FileOperationChannel(std::shared_ptr<http::ResponseChannel> inner, FileOperation operation);
    ~FileOperationChannel() override;

  private:
    void on_complete(int status, bool delivered) override;

    const FileOperation operation_;
};

// `channel` wrapped so that the response records `operation`'s duration and result.
std::shared_ptr<http::ResponseChannel> time_file_operation(FileOperation operation,
                                                           std::shared_ptr<http::ResponseChannel> channel);

}  // namespace execd::telemetry
