#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "process/process_supervisor.hpp"
#include "pty/pty_child.hpp"
#include "pty/pty_client.hpp"
#include "pty/replay_ring.hpp"

namespace execd::pty {

// One PTY session: a shell started on the first attach (and again on a later attach after it
// exited), its output kept in a replay ring and forwarded to the one client that holds the session.
// Descriptors are read and written on the supervisor's loop thread; every public method is
// thread-safe and non-blocking except ensure_started().
class PtySession : public std::enable_shared_from_this<PtySession> {
  public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::size_t kReadChunk = 32 * 1024;
    // Input waiting for the shell above which write_input() asks the client to stop sending, and
    // the level it must fall to before the client hears input_drained().
    static constexpr std::size_t kInputHighWater = 256 * 1024;
    static constexpr std::size_t kInputLowWater = 128 * 1024;

    struct Status {
        bool running = false;
        uint64_t output_offset = 0;
    };

    PtySession(std::string id, PtyLaunch launch, process::ProcessSupervisor& supervisor);
    ~PtySession();

    const std::string& id() const { return id_; }

    // Reserves the session for a new client. nullopt when another client holds it and `takeover` is
    // false; with `takeover` the holder is told it was taken over and loses the session at once.
    std::optional<uint64_t> claim(bool takeover);
    // Gives the session up (the client left); no effect if `ticket` no longer holds it.
    void release(uint64_t ticket);
    // Blocking (call from a worker): starts the shell in `mode` unless one is running.
    std::optional<std::string> ensure_started(PtyMode mode);
    // Atomically hands the client the output from `since` and then everything new. False if `ticket`
    // no longer holds the session.
    bool attach(uint64_t ticket, std::shared_ptr<PtyClient> client, uint64_t since);

    // Queues input for the shell. False when more than kInputHighWater is waiting (a program that
    // does not read its terminal): the client should send nothing more until input_drained().
    bool write_input(std::string bytes);
    // Whether write_input() said false and input_drained() has not followed yet.
    bool input_held_back() const;
    // False in pipe mode or without a running shell.
    bool resize(TerminalSize size);
    void send_signal(int signal);
    Status status() const;
    // SIGKILL to the shell's process group and to every process of the session's cgroup (what the
    // shell started, wherever it went), descriptors closed, the client told the session is gone.
    void close();
    // No client held the session for `idle` (and it is not being attached).
    bool idle_for(std::chrono::milliseconds idle, Clock::time_point now) const;

    struct Run;

  private:
    std::shared_ptr<process::WorkloadCgroup> session_cgroup();
    void start_watching(const std::shared_ptr<Run>& run);
    void watch_output(const std::shared_ptr<Run>& run, bool is_stderr);
    void read_output(const std::shared_ptr<Run>& run, bool is_stderr, bool until_drained);
    void on_output_ready(const std::shared_ptr<Run>& run, bool is_stderr, uint32_t events);
    void flush_input(const std::shared_ptr<Run>& run);
    void drop_input(const std::shared_ptr<Run>& run);
    void input_gone(std::size_t bytes);
    void on_exit(const std::shared_ptr<Run>& run, int wait_status);
    void close_descriptors(const std::shared_ptr<Run>& run);

    const std::string id_;
    const PtyLaunch launch_;
    process::ProcessSupervisor& supervisor_;

    std::mutex start_mutex_;  // serialises ensure_started()
    mutable std::mutex mutex_;
    ReplayRing ring_;
    std::shared_ptr<Run> run_;  // the current or last shell
    int exit_code_ = -1;
    uint64_t holder_ = 0;  // ticket of the client holding the session; 0: none
    uint64_t next_ticket_ = 1;
    std::shared_ptr<PtyClient> client_;
    std::size_t queued_input_ = 0;  // given to write_input(), neither written nor dropped yet
    bool input_held_back_ = false;  // write_input() said false and input_drained() has not followed
    // Every shell of the session and what it starts runs here; killed and removed by close().
    std::shared_ptr<process::WorkloadCgroup> cgroup_;
    Clock::time_point last_released_ = Clock::now();
    bool closed_ = false;
};

}  // namespace execd::pty
