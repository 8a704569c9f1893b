#pragma once

#include <chrono>
#include <memory>

#include "http/event_stream.hpp"
#include "process/command_record.hpp"
#include "process/process_observer.hpp"

namespace execd::api {

// A foreground command: init, one event per output line, then execution_complete or error.
class StreamingCommandObserver : public process::ProcessObserver {
  public:
    StreamingCommandObserver(std::shared_ptr<process::CommandRecord> record,
                             std::shared_ptr<http::EventStream> stream,
                             std::chrono::steady_clock::time_point started);
    void on_started(pid_t pid) override;
    void on_output(bool is_stderr, std::string_view line) override;
    void on_read_complete() override;
    void on_exit(const process::ExitOutcome& outcome) override;
    bool backlogged() const override;

    // Output events a slow client may have outstanding before the command's output waits for it.
    static constexpr std::size_t kMaxUnsentBytes = 1024 * 1024;

  private:
    std::shared_ptr<process::CommandRecord> record_;
    std::shared_ptr<http::EventStream> stream_;
    std::chrono::steady_clock::time_point started_;
};

// A background command: init and execution_complete as soon as it started; output goes to its log.
class BackgroundCommandObserver : public process::ProcessObserver {
  public:
    BackgroundCommandObserver(std::shared_ptr<process::CommandRecord> record,
                              std::shared_ptr<http::EventStream> stream,
                              std::chrono::steady_clock::time_point started);
    void on_started(pid_t pid) override;
    void on_output(bool, std::string_view) override {}
    void on_exit(const process::ExitOutcome& outcome) override;

  private:
    std::shared_ptr<process::CommandRecord> record_;
    std::shared_ptr<http::EventStream> stream_;
    std::chrono::steady_clock::time_point started_;
};

// Milliseconds since `started`.
int64_t elapsed_ms(std::chrono::steady_clock::time_point started);

// Upstream's error event for a failed command: evalue is the exit code ("-1" for a signal death).
http::StreamEvent command_error_event(const process::ExitOutcome& outcome);

}  // namespace execd::api
