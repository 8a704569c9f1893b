#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "common/event_loop.hpp"
#include "process/process_observer.hpp"
#include "process/spawn_spec.hpp"
#include "process/workload_cgroups.hpp"

namespace execd::process {

// Starts commands in their own process groups and cgroups, reads their stdout/stderr pipes on one
// epoll loop thread, enforces timeouts and interrupts, and reaps children. A kill reaches the whole
// cgroup (SIGTERM to the group and every process of the cgroup, the cgroup killed 3 s later or as
// soon as the command's shell is gone), so processes that left the process group (setsid, setpgid)
// die too; without cgroups it is the process group alone. execd may be PID 1 or a subreaper, so
// orphans are reaped too, but a managed pid's status always goes to its observer: the reaper peeks
// at each zombie (WNOWAIT) and only then reaps it for its owner or as an orphan. SIGCHLD must be
// blocked in every thread (the caller passes a signalfd).
class ProcessSupervisor {
  public:
    static constexpr std::chrono::seconds kKillGrace{3};
    // How often a pipe paused for a slow client is checked again.
    static constexpr std::chrono::milliseconds kBacklogRecheck{2};
    // How often cgroups that still hold processes are tried again for removal.
    static constexpr std::chrono::milliseconds kCgroupSweep{500};

    // `cgroups` (may be null: process groups only) must outlive the supervisor.
    explicit ProcessSupervisor(int sigchld_fd, WorkloadCgroups* cgroups = nullptr);
    // Calls stop().
    ~ProcessSupervisor();
    ProcessSupervisor(const ProcessSupervisor&) = delete;
    ProcessSupervisor& operator=(const ProcessSupervisor&) = delete;

    // Blocking (call from a worker): forks and execs. On success returns the pid; the observer's
    // on_started then runs on the loop before any output. On failure returns Go-style error text
    // ("fork/exec /bin/bash: permission denied", "chdir /x: no such file or directory").
    std::variant<pid_t, std::string> start(const SpawnSpec& spec, std::shared_ptr<ProcessObserver> observer);

    // Blocking: runs `fork_child`, which forks and returns the child's pid (or -1), while the reaper
    // is held off, so the child is never taken for an orphan. For children whose I/O the caller
    // handles itself (a PTY): `on_exit` gets the wait status on the loop thread once it is reaped.
    // terminate(), terminate_all() and live_count() include such children.
    pid_t start_adopted(const std::function<pid_t()>& fork_child,
                        std::function<void(int wait_status)> on_exit);

    // Thread-safe: SIGTERM to the process group of a running `pid` and to every process of its
    // cgroup; SIGKILL to the group and the whole cgroup after kKillGrace, the cgroup at once when
    // `pid` exits before.
    void terminate(pid_t pid);
    // Thread-safe: terminate() every running process, the groups of finished ones whose members
    // still hold their output pipes, and the cgroups finished commands left processes in.
    void terminate_all();
    // Thread-safe: started processes not reaped yet, plus lingering groups and cgroups.
    std::size_t live_count();

    // Thread-safe: a new cgroup below execd's for a child started through start_adopted(), which
    // joins it itself; nullptr without cgroups.
    std::shared_ptr<WorkloadCgroup> new_cgroup(const std::string& name);
    // Thread-safe: SIGKILL to every process of `cgroup` (null: nothing), then removes it once empty.
    void kill_cgroup(std::shared_ptr<WorkloadCgroup> cgroup);
    // Ends the loop thread and closes the loop: pending timers, watches and posted tasks are
    // destroyed unrun, later posts are refused. Call it before destroying anything a loop callback
    // may use; idempotent.
    void stop();

    // The loop thread, for timers and work that must be ordered with process events.
    common::EventLoop& loop() { return loop_; }
    // Scratch space for reading pipes and terminals; only for code running on the loop thread.
    std::span<char> loop_read_buffer() { return {loop_read_buffer_.get(), kLoopReadBufferSize}; }

    struct Managed;

  private:
    void attach(const std::shared_ptr<Managed>& managed);
    void watch_pipe(const std::shared_ptr<Managed>& managed, bool is_stderr);
    void read_pipe(const std::shared_ptr<Managed>& managed, bool is_stderr, bool until_drained);
    void pause_reading(const std::shared_ptr<Managed>& managed, bool is_stderr);
    void schedule_resume(const std::shared_ptr<Managed>& managed, bool is_stderr);
    void resume_when_drained(const std::shared_ptr<Managed>& managed, bool is_stderr);
    void reap_children();
    void on_reaped(const std::shared_ptr<Managed>& managed, int status);
    void finish(const std::shared_ptr<Managed>& managed);
    void terminate_on_loop(pid_t pid);
    void terminate_cgroup_on_loop(const std::shared_ptr<WorkloadCgroup>& cgroup);
    std::shared_ptr<WorkloadCgroup> cgroup_for(const SpawnSpec& spec);
    void remove_when_empty(std::shared_ptr<WorkloadCgroup> cgroup);
    void sweep_cgroups();

    static constexpr std::size_t kLoopReadBufferSize = 64 * 1024;

    common::EventLoop loop_;
    // On the heap rather than thread_local: static TLS is zeroed in every thread of the process.
    std::unique_ptr<char[]> loop_read_buffer_{new char[kLoopReadBufferSize]};
    int sigchld_fd_;
    // A child may exit before start() has recorded it: while spawns are in flight the reaper leaves
    // unknown children unreaped, and each spawn asks for another reaping pass when it is done.
    std::atomic<int> spawns_in_flight_{0};
    std::mutex table_mutex_;
    std::unordered_map<pid_t, std::shared_ptr<Managed>> table_;
    // Process groups whose leader exited while members still hold its output pipes (guarded by
    // table_mutex_); shutdown terminates them too.
    std::unordered_set<pid_t> lingering_groups_;
    std::unordered_map<pid_t, std::function<void(int)>> adopted_;  // guarded by table_mutex_
    WorkloadCgroups* cgroups_;
    // Cgroups to remove once their last process is gone (guarded by table_mutex_): killed ones, and
    // those of finished commands that left processes behind. Swept every kCgroupSweep.
    std::vector<std::shared_ptr<WorkloadCgroup>> emptying_cgroups_;
    bool sweep_scheduled_ = false;  // loop thread
    std::thread thread_;
};

}  // namespace execd::process
