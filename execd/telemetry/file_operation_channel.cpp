#include "telemetry/file_operation_channel.hpp"

namespace execd::telemetry {
namespace {

bool is_success(int status) {
    return status >= 200 && status < 300;
}

}  // namespace

FileOperationChannel::FileOperationChannel(std::shared_ptr<http::ResponseChannel> inner,
                                           FileOperation operation)
    : inner_(std::move(inner)), operation_(operation) {}

FileOperationChannel::~FileOperationChannel() {
    record(false);
}

void FileOperationChannel::respond(http::Response response) {
    const bool succeeded = is_success(response.status);
    inner_->respond(std::move(response));
    record(succeeded);
}

void FileOperationChannel::start(http::ResponseHead head) {
    status_.store(head.status, std::memory_order_relaxed);
    inner_->start(std::move(head));
}

void FileOperationChannel::write(std::string bytes, WriteDone done) {
    inner_->write(std::move(bytes), std::move(done));
}

void FileOperationChannel::finish() {
    const bool succeeded = is_success(status_.load(std::memory_order_relaxed)) && !inner_->peer_gone();
    inner_->finish();
    record(succeeded);
}

bool FileOperationChannel::peer_gone() const {
    return inner_->peer_gone();
}

void FileOperationChannel::take_connection(http::ConnectionTaker taker) {
    inner_->take_connection(std::move(taker));
}

void FileOperationChannel::record(bool succeeded) {
    if (!recorded_.exchange(true)) {
        record_file_operation(operation_, succeeded, started_);
    }
}

std::shared_ptr<http::ResponseChannel> time_file_operation(FileOperation operation,
                                                           std::shared_ptr<http::ResponseChannel> channel) {
    return std::make_shared<FileOperationChannel>(std::move(channel), operation);
}

}  // namespace execd::telemetry
