#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "process/process_supervisor.hpp"
#include "pty/pty_session.hpp"

namespace execd::pty {

// The PTY sessions by id. Sessions that no client held for `idle_timeout` are closed and removed
// (0 keeps them until deleted, as upstream does).
class PtyRegistry {
  public:
    PtyRegistry(process::ProcessSupervisor& supervisor, std::chrono::milliseconds idle_timeout);
    ~PtyRegistry();
    PtyRegistry(const PtyRegistry&) = delete;
    PtyRegistry& operator=(const PtyRegistry&) = delete;

    std::shared_ptr<PtySession> create(PtyLaunch launch);
    std::shared_ptr<PtySession> find(const std::string& id) const;
    // Removes and closes the session; false if there is none.
    bool remove(const std::string& id);
    // Starts the idle check on the supervisor's loop.
    void start_pruning();
    // Closes every session (shutdown).
    void close_all();

  private:
    struct State {
        mutable std::mutex mutex;
        std::unordered_map<std::string, std::shared_ptr<PtySession>> sessions;
    };
    static void prune(const std::shared_ptr<State>& state, std::chrono::milliseconds idle_timeout);
    // Loop thread.
    static void schedule_prune(const std::weak_ptr<State>& state, process::ProcessSupervisor& supervisor,
                               std::chrono::milliseconds idle_timeout);

    process::ProcessSupervisor& supervisor_;
    const std::chrono::milliseconds idle_timeout_;
    std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace execd::pty
