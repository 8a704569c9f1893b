#include "harness/echo_server.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <map>
#include <string_view>
#include <vector>

#include "harness/net_socket.hpp"
#include "harness/socket_address.hpp"
#include "wake_fd.hpp"

namespace harness {
namespace {

constexpr std::string_view kHttpGet = "GET ";

enum class Protocol { undecided, http, echo };

struct Connection {
    UniqueFd fd;
    std::string in;
    std::string out;
    Protocol protocol = Protocol::undecided;
    bool close_after_flush = false;
};

std::string http_response(const std::string& server_name) {
    const std::string body = "served-by " + server_name + "\n";
    return "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
}

}  // namespace

class EchoServer::Loop {
  public:
    Loop(EchoServer& server, TcpUdpSockets sockets)
        : server_(server), tcp_(std::move(sockets.tcp)), udp_(std::move(sockets.udp)) {}

    void run() {
        try {
            while (!stopping_) {
                poll_once();
            }
        } catch (const std::exception& error) {
            std::fprintf(stderr, "EchoServer loop stopped: %s\n", error.what());
        }
    }

    void stop() {
        stopping_ = true;
        wake_.wake();
    }

  private:
    void poll_once() {
        std::vector<pollfd> fds = {
            {wake_.get(), POLLIN, 0}, {udp_.get(), POLLIN, 0}, {tcp_.get(), POLLIN, 0}};
        std::vector<uint64_t> ids;
        for (const auto& [id, connection] : connections_) {
            fds.push_back({connection.fd.get(),
                           static_cast<short>(POLLIN | (connection.out.empty() ? 0 : POLLOUT)), 0});
            ids.push_back(id);
        }
        if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) {
            throw std::runtime_error("poll failed");
        }
        if (fds[0].revents != 0) {
            wake_.drain();
        }
        if (fds[1].revents != 0) {
            echo_datagrams();
        }
        if (fds[2].revents != 0) {
            accept_connections();
        }
        for (size_t i = 0; i < ids.size(); ++i) {
            if (fds[i + 3].revents != 0 && !service(connections_.at(ids[i]))) {
                connections_.erase(ids[i]);
            }
        }
    }

    void echo_datagrams() {
        while (true) {
            char buffer[65536];
            SocketAddress peer;
            peer.length = sizeof peer.storage;
            const ssize_t n = ::recvfrom(udp_.get(), buffer, sizeof buffer, 0, peer.get(), &peer.length);
            if (n < 0) {
                return;
            }
            ++server_.udp_datagrams_;
            ::sendto(udp_.get(), buffer, static_cast<size_t>(n), 0, peer.get(), peer.length);
        }
    }

    void accept_connections() {
        while (true) {
            UniqueFd fd(::accept4(tcp_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
            if (!fd) {
                return;
            }
            ++server_.tcp_connections_;
            connections_[next_id_++].fd = std::move(fd);
        }
    }

    // Returns false when the connection is done.
    bool service(Connection& connection) {
        char buffer[65536];
        const ssize_t n = ::recv(connection.fd.get(), buffer, sizeof buffer, 0);
        if (n == 0) {
            if (connection.protocol == Protocol::undecided) {
                connection.protocol = Protocol::echo;  // flush the few undecided bytes we hold
            }
            connection.close_after_flush = true;
        } else if (n > 0) {
            connection.in.append(buffer, static_cast<size_t>(n));
        } else if (errno != EAGAIN && errno != EINTR) {
            return false;
        }
        handle_input(connection);
        if (!flush(connection)) {
            return false;
        }
        return !(connection.close_after_flush && connection.out.empty());
    }

    void handle_input(Connection& connection) {
        if (connection.protocol == Protocol::undecided) {
            const std::string_view seen(connection.in);
            if (seen.size() < kHttpGet.size() && kHttpGet.starts_with(seen)) {
                return;  // could still become a GET
            }
            connection.protocol = seen.starts_with(kHttpGet) ? Protocol::http : Protocol::echo;
        }
        if (connection.protocol == Protocol::echo) {
            connection.out += connection.in;
            connection.in.clear();
        } else if (!connection.close_after_flush && connection.in.find("\r\n\r\n") != std::string::npos) {
            ++server_.http_requests_;
            connection.out += http_response(server_.name_);
            connection.in.clear();
            connection.close_after_flush = true;
        }
    }

    static bool flush(Connection& connection) {
        while (!connection.out.empty()) {
            const ssize_t n =
                ::send(connection.fd.get(), connection.out.data(), connection.out.size(), MSG_NOSIGNAL);
            if (n < 0) {
                return errno == EAGAIN || errno == EINTR;
            }
            connection.out.erase(0, static_cast<size_t>(n));
        }
        return true;
    }

    EchoServer& server_;
    UniqueFd tcp_;
    UniqueFd udp_;
    WakeFd wake_;
    std::atomic<bool> stopping_{false};
    std::map<uint64_t, Connection> connections_;
    uint64_t next_id_ = 0;
};

EchoServer::EchoServer(EchoServerConfig config) : name_(std::move(config.name)) {
    TcpUdpSockets sockets = bind_tcp_and_udp(config.netns, config.address, config.port);
    port_ = sockets.port;
    loop_ = std::make_unique<Loop>(*this, std::move(sockets));
    thread_ = std::thread([this] { loop_->run(); });
}

EchoServer::~EchoServer() {
    loop_->stop();
    thread_.join();
}

}  // namespace harness
