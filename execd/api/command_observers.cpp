#include "api/command_observers.hpp"

#include "telemetry/operation_metrics.hpp"

namespace execd::api {

int64_t elapsed_ms(std::chrono::steady_clock::time_point started) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
        .count();
}

http::StreamEvent command_error_event(const process::ExitOutcome& outcome) {
    return http::StreamEvent::failure(http::EventError{"CommandExecError", std::to_string(outcome.exit_code),
                                                       std::vector<std::string>{outcome.error_text}});
}

StreamingCommandObserver::StreamingCommandObserver(std::shared_ptr<process::CommandRecord> record,
                                                   std::shared_ptr<http::EventStream> stream,
                                                   std::chrono::steady_clock::time_point started)
    : record_(std::move(record)), stream_(std::move(stream)), started_(started) {}

void StreamingCommandObserver::on_started(pid_t pid) {
    record_->set_pid(pid);
    stream_->send(http::StreamEvent::init(record_->id()));
}

void StreamingCommandObserver::on_output(bool is_stderr, std::string_view line) {
    stream_->queue_output(is_stderr, line);
}

void StreamingCommandObserver::on_read_complete() {
    stream_->flush_output();
}

bool StreamingCommandObserver::backlogged() const {
    return stream_->unsent_bytes() > kMaxUnsentBytes;
}

void StreamingCommandObserver::on_exit(const process::ExitOutcome& outcome) {
    record_->set_finished(outcome);
    telemetry::record_execution(telemetry::Execution::run_command, outcome.succeeded(), started_);
    if (outcome.succeeded()) {
        stream_->end_with(http::StreamEvent::complete(elapsed_ms(started_)));
    } else {
        stream_->end_with(command_error_event(outcome));
    }
}

BackgroundCommandObserver::BackgroundCommandObserver(std::shared_ptr<process::CommandRecord> record,
                                                     std::shared_ptr<http::EventStream> stream,
                                                     std::chrono::steady_clock::time_point started)
    : record_(std::move(record)), stream_(std::move(stream)), started_(started) {}

void BackgroundCommandObserver::on_started(pid_t pid) {
    record_->set_pid(pid);
    stream_->send(http::StreamEvent::init(record_->id()));
    stream_->end_with(http::StreamEvent::complete(elapsed_ms(started_)));
    stream_.reset();
}

void BackgroundCommandObserver::on_exit(const process::ExitOutcome& outcome) {
    record_->set_finished(outcome);
    telemetry::record_execution(telemetry::Execution::run_command, outcome.succeeded(), started_);
}

}  // namespace execd::api
