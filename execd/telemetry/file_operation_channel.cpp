#include "telemetry/file_operation_channel.hpp"

namespace execd::telemetry {

FileOperationChannel::FileOperationChannel(std::shared_ptr<http::ResponseChannel> inner,
                                           FileOperation operation)
    : ObservedResponseChannel(std::move(inner)), operation_(operation) {}

FileOperationChannel::~FileOperationChannel() {
    abandon();
}

void FileOperationChannel::on_complete(int status, bool delivered) {
    record_file_operation(operation_, delivered && status >= 200 && status < 300, started());
}

std::shared_ptr<http::ResponseChannel> time_file_operation(FileOperation operation,
                                                           std::shared_ptr<http::ResponseChannel> channel) {
    return std::make_shared<FileOperationChannel>(std::move(channel), operation);
}

}  // namespace execd::telemetry
