#include "common/event_loop.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <utility>

namespace common {
namespace {

constexpr uint64_t kWakeupTag = ~uint64_t{0};

uint64_t watch_tag(int fd, uint32_t generation) {
    return (static_cast<uint64_t>(generation) << 32) | static_cast<uint32_t>(fd);
}

[[noreturn]] void abort_misuse(const char* method, const char* problem) {
    std::fprintf(stderr, "common::EventLoop::%s: %s\n", method, problem);
    std::abort();
}

}  // namespace

// Records the thread running the loop for expect_loop_thread(); a run_once() inside run() keeps
// run()'s record.
class EventLoop::RunningScope {
  public:
    RunningScope(std::atomic<std::thread::id>& running, const char* method) : running_(running) {
        std::thread::id none;
        if (running_.compare_exchange_strong(none, std::this_thread::get_id())) {
            owner_ = true;
        } else if (none != std::this_thread::get_id()) {
            abort_misuse(method, "the loop is already running on another thread");
        }
    }
    ~RunningScope() {
        if (owner_) {
            running_.store(std::thread::id());
        }
    }
    RunningScope(const RunningScope&) = delete;
    RunningScope& operator=(const RunningScope&) = delete;

  private:
    std::atomic<std::thread::id>& running_;
    bool owner_ = false;
};

EventLoop::EventLoop() {
    epoll_.add(wakeup_.fd(), EPOLLIN, kWakeupTag);
}

void EventLoop::expect_loop_thread(const char* method) const {
    const std::thread::id running = running_thread_.load(std::memory_order_relaxed);
    if (running != std::thread::id() && running != std::this_thread::get_id()) {
        abort_misuse(method, "called off the loop's thread while the loop runs");
    }
}

void EventLoop::watch(int fd, uint32_t events, FdCallback callback) {
    expect_loop_thread("watch");
    if (closed_) {
        return;
    }
    const uint32_t generation = next_generation_++;
    auto existing = watches_.find(fd);
    if (existing == watches_.end()) {
        epoll_.add(fd, events, watch_tag(fd, generation));
    } else {
        epoll_.modify(fd, events, watch_tag(fd, generation));
    }
    watches_[fd] = Watch{generation, std::make_shared<FdCallback>(std::move(callback))};
}

void EventLoop::change_events(int fd, uint32_t events) {
    expect_loop_thread("change_events");
    auto found = watches_.find(fd);
    if (found == watches_.end()) {
        throw std::logic_error("EventLoop::change_events: fd " + std::to_string(fd) + " is not watched");
    }
    epoll_.modify(fd, events, watch_tag(fd, found->second.generation));
}

void EventLoop::unwatch(int fd) {
    expect_loop_thread("unwatch");
    if (watches_.erase(fd) > 0) {
        epoll_.remove(fd);
    }
}

bool EventLoop::is_watching(int fd) const {
    expect_loop_thread("is_watching");
    return watches_.contains(fd);
}

EventLoop::TimerId EventLoop::run_after(std::chrono::milliseconds delay, std::function<void()> callback) {
    expect_loop_thread("run_after");
    if (closed_) {
        return 0;
    }
    const TimerId id = next_timer_id_++;
    const auto due = Clock::now() + delay;
    timers_.emplace(id, Timer{due, std::move(callback)});
    timer_order_.emplace(due, id);
    return id;
}

void EventLoop::cancel_timer(TimerId id) {
    expect_loop_thread("cancel_timer");
    auto found = timers_.find(id);
    if (found == timers_.end()) {
        return;
    }
    auto [first, last] = timer_order_.equal_range(found->second.due);
    for (auto it = first; it != last; ++it) {
        if (it->second == id) {
            timer_order_.erase(it);
            break;
        }
    }
    timers_.erase(found);
}

void EventLoop::run() {
    const RunningScope running(running_thread_, "run");
    for (;;) {
        {
            std::lock_guard lock(posted_mutex_);
            if (stop_requested_) {
                stop_requested_ = false;
                return;
            }
        }
        run_once(Epoll::kWaitForever);
    }
}

void EventLoop::run_once(std::chrono::milliseconds timeout) {
    const RunningScope running(running_thread_, "run_once");
    epoll_.wait(ready_, time_until_next_timer(timeout));
    // Callbacks may watch or unwatch descriptors, but never wait, so ready_ stays intact.
    for (const ReadyEvent& event : ready_) {
        dispatch_ready(event);
    }
    run_due_timers();
    run_posted_tasks();
}

bool EventLoop::post(std::function<void()> task) {
    {
        std::lock_guard lock(posted_mutex_);
        if (closed_) {
            return false;
        }
        posted_.push_back(std::move(task));
    }
    wakeup_.notify();
    return true;
}

void EventLoop::stop() {
    {
        std::lock_guard lock(posted_mutex_);
        stop_requested_ = true;
    }
    wakeup_.notify();
}

void EventLoop::close() {
    expect_loop_thread("close");
    std::vector<std::function<void()>> tasks;
    {
        std::lock_guard lock(posted_mutex_);
        closed_ = true;
        tasks.swap(posted_);
    }
    // Emptied before the callbacks are destroyed: their destructors may still cancel a timer or
    // unwatch a descriptor of this loop.
    auto timers = std::exchange(timers_, {});
    auto watches = std::exchange(watches_, {});
    timer_order_.clear();
}

std::chrono::milliseconds EventLoop::time_until_next_timer(std::chrono::milliseconds cap) const {
    if (timer_order_.empty()) {
        return cap;
    }
    const auto remaining = timer_order_.begin()->first - Clock::now();
    // Round up so a timer never fires early and the loop does not spin on a sub-millisecond wait.
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(remaining);
    wait = std::max(wait, std::chrono::milliseconds(0));
    return cap < std::chrono::milliseconds(0) ? wait : std::min(wait, cap);
}

void EventLoop::dispatch_ready(const ReadyEvent& event) {
    if (event.tag == kWakeupTag) {
        wakeup_.drain();
        return;
    }
    const int fd = static_cast<int>(event.tag & 0xFFFFFFFFu);
    const auto generation = static_cast<uint32_t>(event.tag >> 32);
    auto found = watches_.find(fd);
    // A stale event: the fd was unwatched (and maybe reused) earlier in this batch.
    if (found == watches_.end() || found->second.generation != generation) {
        return;
    }
    auto callback = found->second.callback;  // keeps it alive if the callback unwatches its own fd
    (*callback)(event.events);
}

void EventLoop::run_due_timers() {
    const auto now = Clock::now();
    while (!timer_order_.empty() && timer_order_.begin()->first <= now) {
        const TimerId id = timer_order_.begin()->second;
        timer_order_.erase(timer_order_.begin());
        auto found = timers_.find(id);
        std::function<void()> callback = std::move(found->second.callback);
        timers_.erase(found);
        callback();
    }
}

void EventLoop::run_posted_tasks() {
    std::vector<std::function<void()>> tasks;
    {
        std::lock_guard lock(posted_mutex_);
        tasks.swap(posted_);
    }
    for (auto& task : tasks) {
        task();
    }
}

}  // namespace common
