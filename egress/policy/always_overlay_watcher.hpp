#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>

namespace egress::policy {

// Runs poll() on its own thread every interval (the always-rules reload: upstream polled once a
// minute; this is meant to run every few seconds) until stop() or destruction. An exception
// thrown by poll() is passed to report_problem and polling goes on.
class AlwaysOverlayWatcher {
  public:
    using ProblemSink = std::function<void(std::string_view)>;

    AlwaysOverlayWatcher(std::chrono::milliseconds interval, std::function<void()> poll,
                         ProblemSink report_problem);
    ~AlwaysOverlayWatcher();
    AlwaysOverlayWatcher(const AlwaysOverlayWatcher&) = delete;
    AlwaysOverlayWatcher& operator=(const AlwaysOverlayWatcher&) = delete;

    // Wakes the thread and joins it; idempotent.
    void stop();

  private:
    void run();

    std::chrono::milliseconds interval_;
    std::function<void()> poll_;
    ProblemSink report_problem_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;  // guarded by mutex_
    std::thread thread_;     // last: starts after the members it uses exist
};

}  // namespace egress::policy
