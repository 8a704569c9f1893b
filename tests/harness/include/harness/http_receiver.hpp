#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace harness {

struct ReceivedRequest {
    std::string method;
    std::string path;
    std::multimap<std::string, std::string> headers;
    std::string body;
    std::chrono::steady_clock::time_point at;

    std::string header(const std::string& name) const;
};

// An HTTP server inside a network namespace that records every request (a webhook endpoint).
// It answers each request with the next status of `statuses` (then 200), after `delay`.
class HttpReceiver {
  public:
    HttpReceiver(const std::string& netns, const std::string& address, uint16_t port);
    ~HttpReceiver();
    HttpReceiver(const HttpReceiver&) = delete;
    HttpReceiver& operator=(const HttpReceiver&) = delete;

    void answer_with(std::vector<int> statuses);
    void set_delay(std::chrono::milliseconds delay);

    std::vector<ReceivedRequest> requests() const;
    // Waits until at least `count` requests arrived; returns whether they did.
    bool wait_for_requests(size_t count, std::chrono::milliseconds timeout) const;

  private:
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    mutable std::mutex mutex_;
    mutable std::condition_variable arrived_;
    std::vector<ReceivedRequest> requests_;
    std::vector<int> statuses_;
    size_t answered_ = 0;
    std::chrono::milliseconds delay_{0};
};

}  // namespace harness
