#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "http/event_stream.hpp"
#include "session/run_listener.hpp"

namespace execd::api {

// Turns one session run into upstream's event stream: one event per output line, then
// execution_complete (exit 0) or an error event (CommandExecError with the exit code). A timeout
// or a deleted session ends the stream with upstream's in-band runtime error. A run that ended the
// shell (`exit`, `exec`) gets a `status` event saying so before its terminal event.
class SessionRunStream : public session::RunListener {
  public:
    explicit SessionRunStream(std::shared_ptr<http::EventStream> stream, int64_t timeout_ms);
    void on_output(bool is_stderr, std::string_view line) override;
    void on_finished(const session::RunEnd& end) override;
    bool backlogged() const override;

    static constexpr std::size_t kMaxUnsentBytes = 1024 * 1024;

  private:
    void end_with_exit_code(int exit_code, const std::string& error_text, int64_t elapsed_ms);

    std::shared_ptr<http::EventStream> stream_;
    int64_t timeout_ms_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

// Whether a run ends with execution_complete (exit code 0) rather than an error.
bool run_succeeded(const session::RunEnd& end);

// A millisecond count the way Go prints a time.Duration: "500ms", "30s", "1m30s", "1.5s".
std::string go_duration_text(int64_t milliseconds);

// The message of the in-band error ending a session run, as upstream words it.
inline std::string session_run_error(const std::string& detail) {
    return "error running in session. " + detail;
}

}  // namespace execd::api
