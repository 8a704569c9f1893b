#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

#include "common/fd.hpp"
#include "process/process_supervisor.hpp"
#include "process/spawn_spec.hpp"
#include "process/worker_pool.hpp"
#include "session/run_listener.hpp"

namespace execd::session {

struct RunRequest {
    std::string command;
    std::string cwd;                       // already validated; empty: wherever the shell is
    std::chrono::milliseconds timeout{0};  // 0: none
};

// One long-lived interactive bash driven over pipes (see shell_protocol.hpp). Runs are queued and
// executed one at a time in the shell itself, so variables, functions, aliases, options and the
// working directory persist between them. A timeout interrupts the shell (SIGINT) and kills every
// process the run started; the shell and its state stay. All state lives on the supervisor's loop
// thread; the public methods are thread-safe.
class BashSession : public std::enable_shared_from_this<BashSession> {
  public:
    // How long an interrupted run may take to report back before it is interrupted again; after
    // kAbortAttempts the shell itself is killed and the session ends.
    static constexpr std::chrono::milliseconds kAbortGrace{1000};
    static constexpr int kAbortAttempts = 3;

    using ClosedCallback = std::function<void(const std::string& id)>;

    // Blocking (call from a worker): starts the shell described by `spec` (its shell, cwd and
    // environment; the command is replaced). Returns the session or the reason it could not start.
    static std::variant<std::shared_ptr<BashSession>, std::string> start(
        std::string id, process::SpawnSpec spec, process::ProcessSupervisor& supervisor,
        process::WorkerPool& workers, ClosedCallback on_closed);

    // Queues a run; the listener hears of its output and its end.
    void submit(RunRequest request, std::shared_ptr<RunListener> listener);
    // Ends the session: queued runs end at once, the running one when the shell is gone; the
    // shell gets SIGHUP (which it passes to its jobs) and SIGKILL after the supervisor's grace.
    void close(std::string reason);
    // Blocking: waits until the shell has exited; false if `limit` passed first.
    bool wait_closed(std::chrono::milliseconds limit);

    const std::string& id() const { return id_; }

    BashSession(std::string id, process::ProcessSupervisor& supervisor, process::WorkerPool& workers,
                ClosedCallback on_closed);
    ~BashSession();

  private:
    class ShellObserver;
    struct Pending {
        RunRequest request;
        std::shared_ptr<RunListener> listener;
    };
    struct CurrentRun {
        std::string token;
        std::shared_ptr<RunListener> listener;
        std::chrono::steady_clock::time_point started;
        common::EventLoop::TimerId timer = 0;
        // Each stream's start marker; a stream's text before it belongs to no run. Either marker
        // means bash has read the run's whole input line.
        bool stdout_started = false;
        bool stderr_started = false;
        bool input_read() const { return stdout_started || stderr_started; }
        std::optional<int> exit_code;
        bool stderr_done = false;
        bool timed_out = false;
        int abort_attempts = 0;
    };

    // Loop thread.
    void on_output(bool is_stderr, std::string_view line);
    void on_marker(bool is_stderr, const std::string& token, const std::string& value);
    void on_shell_exit(const process::ExitOutcome& outcome);
    void start_next();
    void finish_current();
    void on_timeout(const std::string& token);
    void abort_current();
    bool backlogged() const;

    // Any thread.
    void write_input(std::string text);
    void set_running_token(std::string token);
    void remove_fifo();

    std::string id_;
    process::ProcessSupervisor& supervisor_;
    process::WorkerPool& workers_;
    ClosedCallback on_closed_;
    std::string fifo_dir_;
    common::UniqueFd input_;  // the write side of the shell's stdin FIFO
    std::mutex write_mutex_;  // one input write at a time
    std::atomic<pid_t> pid_{-1};
    // The token of the executing run, for workers that signal the shell on its behalf: they hold
    // the mutex while signalling, so a signal meant for a run never reaches the next one.
    std::mutex running_mutex_;
    std::string running_token_;

    // Loop thread only.
    std::string ready_token_;
    bool ready_stdout_ = false;
    bool ready_stderr_ = false;
    bool ready_ = false;
    bool closing_ = false;
    std::string close_reason_;
    std::deque<Pending> queue_;
    std::optional<CurrentRun> current_;

    std::mutex closed_mutex_;
    std::condition_variable closed_changed_;
    std::atomic<bool> closed_{false};
};

}  // namespace execd::session
