#include "api/session_run_stream.hpp"

#include <vector>

#include "telemetry/operation_metrics.hpp"

namespace execd::api {
namespace {

// Go trims trailing zeros of the fractional part: 1.500s -> "1.5s".
std::string seconds_with_fraction(int64_t whole, int64_t millis) {
    std::string text = std::to_string(whole);
    if (millis != 0) {
        std::string fraction = std::to_string(1000 + millis).substr(1);
        while (fraction.back() == '0') {
            fraction.pop_back();
        }
        text += "." + fraction;
    }
    return text + "s";
}

bool exit_completes(int exit_code, const std::string& error_text) {
    return exit_code == 0 && (error_text.empty() || error_text == "exit status 0");
}

}  // namespace

bool run_succeeded(const session::RunEnd& end) {
    using Reason = session::RunEnd::Reason;
    return (end.reason == Reason::exited || end.reason == Reason::shell_exited) &&
           exit_completes(end.exit_code, end.reason == Reason::exited ? "" : end.detail);
}

std::string go_duration_text(int64_t milliseconds) {
    if (milliseconds == 0) {
        return "0s";
    }
    if (milliseconds < 1000) {
        return std::to_string(milliseconds) + "ms";
    }
    const int64_t hours = milliseconds / 3'600'000;
    const int64_t minutes = milliseconds / 60'000 % 60;
    const int64_t seconds = milliseconds / 1000 % 60;
    std::string text;
    if (hours > 0) {
        text += std::to_string(hours) + "h";
    }
    if (hours > 0 || minutes > 0) {
        text += std::to_string(minutes) + "m";
    }
    return text + seconds_with_fraction(seconds, milliseconds % 1000);
}

SessionRunStream::SessionRunStream(std::shared_ptr<http::EventStream> stream, int64_t timeout_ms)
    : stream_(std::move(stream)), timeout_ms_(timeout_ms) {}

void SessionRunStream::on_output(bool is_stderr, std::string_view line) {
    stream_->send(http::StreamEvent::output(is_stderr, std::string(line)));
}

bool SessionRunStream::backlogged() const {
    return stream_->unsent_bytes() > kMaxUnsentBytes;
}

void SessionRunStream::end_with_exit_code(int exit_code, const std::string& error_text, int64_t elapsed_ms) {
    if (exit_completes(exit_code, error_text)) {
        stream_->end_with(http::StreamEvent::complete(elapsed_ms));
        return;
    }
    stream_->end_with(http::StreamEvent::failure(
        {"CommandExecError", std::to_string(exit_code), std::vector<std::string>{error_text}}));
}

void SessionRunStream::on_finished(const session::RunEnd& end) {
    telemetry::record_execution(telemetry::Execution::run_in_session, run_succeeded(end), started_);
    using Reason = session::RunEnd::Reason;
    switch (end.reason) {
        case Reason::exited:
            end_with_exit_code(end.exit_code, "exit status " + std::to_string(end.exit_code), end.elapsed_ms);
            break;
        case Reason::timed_out:
            stream_->fail_in_band(session_run_error("timeout after " + go_duration_text(timeout_ms_)));
            break;
        case Reason::shell_exited: {
            http::StreamEvent status;
            status.type = "status";
            status.timestamp = http::unix_millis_now();
            status.text = "session ended: the shell exited (" + end.detail + ")";
            stream_->send(status);
            end_with_exit_code(end.exit_code, end.detail, end.elapsed_ms);
            break;
        }
        case Reason::session_closed:
        case Reason::shell_failed:
            stream_->fail_in_band(session_run_error(end.detail));
            break;
    }
}

}  // namespace execd::api
