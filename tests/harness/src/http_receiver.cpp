#include "harness/http_receiver.hpp"

#include <httplib.h>

#include <stdexcept>

#include "harness/netns_scope.hpp"

namespace harness {

std::string ReceivedRequest::header(const std::string& name) const {
    for (const auto& [key, value] : headers) {
        if (strcasecmp(key.c_str(), name.c_str()) == 0) {
            return value;
        }
    }
    return {};
}

HttpReceiver::HttpReceiver(const std::string& netns, const std::string& address, uint16_t port)
    : server_(std::make_unique<httplib::Server>()) {
    server_->set_keep_alive_max_count(1);
    server_->Post(".*", [this](const httplib::Request& request, httplib::Response& response) {
        std::chrono::milliseconds delay;
        int status = 200;
        {
            std::lock_guard lock(mutex_);
            requests_.push_back({request.method,
                                 request.path,
                                 {request.headers.begin(), request.headers.end()},
                                 request.body,
                                 std::chrono::steady_clock::now()});
            if (answered_ < statuses_.size()) {
                status = statuses_[answered_];
            }
            ++answered_;
            delay = delay_;
        }
        arrived_.notify_all();
        std::this_thread::sleep_for(delay);
        response.status = status;
        response.set_content("received", "text/plain");
    });
    {
        NetnsScope inside(netns);  // the listening socket is created in the namespace
        if (!server_->bind_to_port(address, port)) {
            throw std::runtime_error("HttpReceiver: cannot bind " + address + ":" + std::to_string(port));
        }
    }
    thread_ = std::thread([this] { server_->listen_after_bind(); });
}

HttpReceiver::~HttpReceiver() {
    server_->stop();
    thread_.join();
}

void HttpReceiver::answer_with(std::vector<int> statuses) {
    std::lock_guard lock(mutex_);
    statuses_ = std::move(statuses);
    answered_ = 0;
}

void HttpReceiver::set_delay(std::chrono::milliseconds delay) {
    std::lock_guard lock(mutex_);
    delay_ = delay;
}

std::vector<ReceivedRequest> HttpReceiver::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

bool HttpReceiver::wait_for_requests(size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
}

}  // namespace harness
