#include "policy/always_overlay_watcher.hpp"

#include <exception>
#include <string>

namespace egress::policy {

AlwaysOverlayWatcher::AlwaysOverlayWatcher(std::chrono::milliseconds interval, std::function<void()> poll,
                                           ProblemSink report_problem)
    : interval_(interval),
      poll_(std::move(poll)),
      report_problem_(std::move(report_problem)),
      thread_([this](std::stop_token stop) { run(stop); }) {}

AlwaysOverlayWatcher::~AlwaysOverlayWatcher() {
    stop();
}

void AlwaysOverlayWatcher::stop() {
    if (thread_.joinable()) {
        thread_.request_stop();
        thread_.join();
    }
}

void AlwaysOverlayWatcher::run(std::stop_token stop) {
    std::unique_lock lock(mutex_);
    while (true) {
        // Returns early only when stop is requested; the predicate never ends the wait.
        wake_.wait_for(lock, stop, interval_, [] { return false; });
        if (stop.stop_requested()) {
            return;
        }
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
