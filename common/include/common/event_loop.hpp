#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/epoll.hpp"
#include "common/event_fd.hpp"

namespace common {

// A single-threaded epoll loop with descriptor callbacks, one-shot timers and a thread-safe post().
// Every method except post(), stop() and close() must be called on the loop's thread (or while no
// thread runs it): a call from another thread while the loop runs aborts with a message, since it
// would race with the loop on its timer and descriptor tables.
class EventLoop {
  public:
    using Clock = std::chrono::steady_clock;
    using FdCallback = std::function<void(uint32_t events)>;
    using TimerId = uint64_t;

    EventLoop();

    // Starts (or replaces) watching fd for `events`; the callback gets the ready event mask.
    void watch(int fd, uint32_t events, FdCallback callback);
    void change_events(int fd, uint32_t events);
    // Stops watching; safe to call from any callback, including the fd's own.
    void unwatch(int fd);
    bool is_watching(int fd) const;

    TimerId run_after(std::chrono::milliseconds delay, std::function<void()> callback);
    void cancel_timer(TimerId id);

    // Runs callbacks until stop() is called.
    void run();
    // Runs at most one round: waits up to `timeout` for events, then dispatches what is due.
    void run_once(std::chrono::milliseconds timeout);

    // Thread-safe: queue a function to run on the loop thread. A closed loop refuses it (returns
    // false and destroys the task at once).
    bool post(std::function<void()> task);
    // Thread-safe: makes run() return after the current round.
    void stop();
    // Thread-safe, once run() has returned for good (call it on the loop's thread after run(), or
    // after joining that thread): destroys every pending timer, watch and queued task without
    // running it, and refuses later posts. Nothing handed to the loop then outlives it.
    void close();

  private:
    struct Watch {
        uint32_t generation;
        std::shared_ptr<FdCallback> callback;
    };
    struct Timer {
        Clock::time_point due;
        std::function<void()> callback;
    };

    class RunningScope;

    void expect_loop_thread(const char* method) const;
    std::chrono::milliseconds time_until_next_timer(std::chrono::milliseconds cap) const;
    void dispatch_ready(const ReadyEvent& event);
    void run_due_timers();
    void run_posted_tasks();

    Epoll epoll_;
    EventFd wakeup_;
    std::unordered_map<int, Watch> watches_;
    uint32_t next_generation_ = 1;
    std::multimap<Clock::time_point, TimerId> timer_order_;
    std::unordered_map<TimerId, Timer> timers_;
    TimerId next_timer_id_ = 1;
    std::vector<ReadyEvent> ready_;
    // The thread inside run() or run_once(); empty while none is.
    std::atomic<std::thread::id> running_thread_{};

    std::mutex posted_mutex_;
    std::vector<std::function<void()>> posted_;
    bool stop_requested_ = false;      // guarded by posted_mutex_
    std::atomic<bool> closed_{false};  // set under posted_mutex_, so no post() lands after close()
};

}  // namespace common
