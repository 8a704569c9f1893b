#pragma once

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "otlp_payload.hpp"

namespace otlp_test {

// A stand-in OTLP/HTTP collector: a server on `address` that keeps every body POSTed to /v1/metrics and
// answers with `status`.
class StandInCollector {
  public:
    explicit StandInCollector(int status = 200, const std::string& address = "127.0.0.1", int port = 0)
        : status_(status) {
        server_.Post("/v1/metrics", [this](const httplib::Request& request, httplib::Response& response) {
            {
                std::lock_guard lock(mutex_);
                bodies_.push_back(request.body);
                content_types_.push_back(request.get_header_value("Content-Type"));
            }
            arrived_.notify_all();
            response.status = status_;
        });
        if (port == 0) {
            port_ = server_.bind_to_any_port(address);
        } else if (server_.bind_to_port(address, port)) {
            port_ = port;
        }
        thread_ = std::thread([this] { server_.listen_after_bind(); });
    }
    ~StandInCollector() {
        server_.stop();
        thread_.join();
    }
    StandInCollector(const StandInCollector&) = delete;
    StandInCollector& operator=(const StandInCollector&) = delete;

    int port() const { return port_; }

    // Waits for at least `count` payloads; returns every payload received so far.
    std::vector<std::string> wait_for(size_t count,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        std::unique_lock lock(mutex_);
        arrived_.wait_for(lock, timeout, [&] { return bodies_.size() >= count; });
        return bodies_;
    }
    std::vector<std::string> received() {
        std::lock_guard lock(mutex_);
        return bodies_;
    }
    std::string content_type(size_t index) {
        std::lock_guard lock(mutex_);
        return content_types_.at(index);
    }

  private:
    int status_;
    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable arrived_;
    std::vector<std::string> bodies_;
    std::vector<std::string> content_types_;
};

// A loopback port nobody listens on, held for the reservation's lifetime: the socket is bound but never
// listens, so connections are refused, no connect() picks the port as its source (a TCP self-connect would
// otherwise occupy it), and a server binding with SO_REUSEPORT (as httplib does) can still take it over.
class ReservedPort {
  public:
    ReservedPort() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        const int yes = 1;
        ::setsockopt(fd_, SOL_SOCKET, SO_REUSEPORT, &yes, sizeof(yes));
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof(address);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
            port_ = ntohs(address.sin_port);
        }
    }
    ~ReservedPort() { ::close(fd_); }
    ReservedPort(const ReservedPort&) = delete;
    ReservedPort& operator=(const ReservedPort&) = delete;

    int port() const { return port_; }

  private:
    int fd_;
    int port_ = 0;
};

}  // namespace otlp_test
