#include "policy/always_overlay_watcher.hpp"

#include <exception>
#include <string>

namespace egress::policy {

AlwaysOverlayWatcher::AlwaysOverlayWatcher(std::chrono::milliseconds interval, std::function<void()> poll,
                                           ProblemSink report_problem)
    : interval_(interval),
      poll_(std::move(poll)),
      report_problem_(std::move(report_problem)),
      thread_([this] { run(); }) {}

AlwaysOverlayWatcher::~AlwaysOverlayWatcher() {
    stop();
}

// The flag is set under the mutex the thread waits with, so the wake-up cannot be lost (a stop
// request that only notified could land between the thread's check and its wait, and cost a
// whole interval at shutdown).
void AlwaysOverlayWatcher::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void AlwaysOverlayWatcher::run() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
        lock.unlock();
        try {
            poll_();
        } catch (const std::exception& problem) {
            if (report_problem_) {
                report_problem_(std::string("always rules reload failed: ") + problem.what());
            }
        }
        lock.lock();
    }
}

}  // namespace egress::policy
