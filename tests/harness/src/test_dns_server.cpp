#include "harness/test_dns_server.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <optional>

#include "harness/net_socket.hpp"
#include "harness/socket_address.hpp"
#include "wake_fd.hpp"

namespace harness {

using Clock = std::chrono::steady_clock;

// The single-threaded poll loop behind a TestDnsServer. Delayed answers wait in `pending_` with a
// due time, so a slow answer never holds up receiving or answering other queries.
class TestDnsServer::Loop {
  public:
    Loop(TestDnsServer& server, TcpUdpSockets sockets)
        : server_(server), tcp_(std::move(sockets.tcp)), udp_(std::move(sockets.udp)) {}

    void run() {
        try {
            while (!stopping_) {
                poll_once();
            }
        } catch (const std::exception& error) {
            std::fprintf(stderr, "TestDnsServer loop stopped: %s\n", error.what());
        }
    }

    void stop() {
        stopping_ = true;
        wake_.wake();
    }

  private:
    struct Connection {
        UniqueFd fd;
        std::vector<uint8_t> in;
        std::vector<uint8_t> out;
        bool peer_closed = false;
    };
    struct Pending {
        Clock::time_point due;
        std::optional<SocketAddress> udp_peer;  // empty: TCP connection `connection_id`
        uint64_t connection_id = 0;
        std::vector<uint8_t> wire;
    };

    void poll_once() {
        std::vector<pollfd> fds = {
            {wake_.get(), POLLIN, 0}, {udp_.get(), POLLIN, 0}, {tcp_.get(), POLLIN, 0}};
        std::vector<uint64_t> ids;
        for (const auto& [id, connection] : connections_) {
            const short events = static_cast<short>((connection.peer_closed ? 0 : POLLIN) |
                                                    (connection.out.empty() ? 0 : POLLOUT));
            fds.push_back({connection.fd.get(), events, 0});
            ids.push_back(id);
        }
        if (::poll(fds.data(), fds.size(), poll_timeout_ms()) < 0 && errno != EINTR) {
            throw std::runtime_error("poll failed");
        }
        if (fds[0].revents != 0) {
            wake_.drain();
        }
        if (fds[1].revents != 0) {
            read_udp();
        }
        if (fds[2].revents != 0) {
            accept_tcp();
        }
        for (size_t i = 0; i < ids.size(); ++i) {
            service_connection(ids[i], fds[i + 3].revents);
        }
        send_due();
    }

    int poll_timeout_ms() const {
        if (pending_.empty()) {
            return -1;
        }
        const auto next = std::min_element(pending_.begin(), pending_.end(),
                                           [](const auto& a, const auto& b) { return a.due < b.due; });
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next->due - Clock::now());
        return static_cast<int>(std::max<int64_t>(0, left.count() + 1));
    }

    void read_udp() {
        while (true) {
            uint8_t buffer[65536];
            SocketAddress peer;
            peer.length = sizeof peer.storage;
            const ssize_t n = ::recvfrom(udp_.get(), buffer, sizeof buffer, 0, peer.get(), &peer.length);
            if (n < 0) {
                return;
            }
            dispatch({buffer, static_cast<size_t>(n)}, DnsTransport::udp, peer, 0);
        }
    }

    void accept_tcp() {
        while (true) {
            UniqueFd fd(::accept4(tcp_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
            if (!fd) {
                return;
            }
            connections_[next_id_++].fd = std::move(fd);
        }
    }

    void service_connection(uint64_t id, short revents) {
        auto it = connections_.find(id);
        if (it == connections_.end()) {
            return;
        }
        bool alive = true;
        if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !it->second.peer_closed) {
            alive = read_tcp(id, it->second);
        }
        if (alive && (revents & POLLOUT) != 0) {
            alive = flush(it->second);
        }
        if (!alive || finished(id, it->second)) {
            connections_.erase(it);
        }
    }

    // RFC 7766: each message is preceded by a two-byte big-endian length; several per connection.
    bool read_tcp(uint64_t id, Connection& connection) {
        uint8_t buffer[65536];
        const ssize_t n = ::recv(connection.fd.get(), buffer, sizeof buffer, 0);
        if (n < 0) {
            return errno == EAGAIN || errno == EINTR;
        }
        if (n == 0) {
            connection.peer_closed = true;
            return true;
        }
        connection.in.insert(connection.in.end(), buffer, buffer + n);
        while (connection.in.size() >= 2) {
            const size_t length = (static_cast<size_t>(connection.in[0]) << 8) | connection.in[1];
            if (connection.in.size() < 2 + length) {
                break;
            }
            const std::vector<uint8_t> message(connection.in.begin() + 2, connection.in.begin() + 2 + length);
            connection.in.erase(connection.in.begin(), connection.in.begin() + 2 + length);
            dispatch(message, DnsTransport::tcp, std::nullopt, id);
        }
        return true;
    }

    bool finished(uint64_t id, const Connection& connection) const {
        const bool awaiting_answer = std::any_of(pending_.begin(), pending_.end(), [id](const Pending& p) {
            return !p.udp_peer && p.connection_id == id;
        });
        return connection.peer_closed && connection.out.empty() && !awaiting_answer;
    }

    static bool flush(Connection& connection) {
        while (!connection.out.empty()) {
            const ssize_t n =
                ::send(connection.fd.get(), connection.out.data(), connection.out.size(), MSG_NOSIGNAL);
            if (n < 0) {
                return errno == EAGAIN || errno == EINTR;
            }
            connection.out.erase(connection.out.begin(), connection.out.begin() + n);
        }
        return true;
    }

    void dispatch(std::span<const uint8_t> query, DnsTransport transport, std::optional<SocketAddress> peer,
                  uint64_t connection_id) {
        auto answer = server_.answer(query, transport);
        if (!answer) {
            return;
        }
        const auto delay = server_.delay();
        pending_.push_back({Clock::now() + delay, std::move(peer), connection_id, std::move(*answer)});
        if (delay.count() == 0) {
            send_due();
        }
    }

    void send_due() {
        const auto now = Clock::now();
        std::vector<Pending> due;
        std::erase_if(pending_, [&](Pending& p) {
            if (p.due > now) {
                return false;
            }
            due.push_back(std::move(p));
            return true;
        });
        for (auto& p : due) {
            send(p);
        }
    }

    void send(const Pending& pending) {
        if (pending.udp_peer) {
            ::sendto(udp_.get(), pending.wire.data(), pending.wire.size(), 0, pending.udp_peer->get(),
                     pending.udp_peer->length);
            return;
        }
        const auto it = connections_.find(pending.connection_id);
        if (it == connections_.end()) {
            return;  // client went away before the (delayed) answer
        }
        auto& out = it->second.out;
        out.push_back(static_cast<uint8_t>(pending.wire.size() >> 8));
        out.push_back(static_cast<uint8_t>(pending.wire.size() & 0xff));
        out.insert(out.end(), pending.wire.begin(), pending.wire.end());
        if (!flush(it->second)) {
            connections_.erase(it);
        }
    }

    TestDnsServer& server_;
    UniqueFd tcp_;
    UniqueFd udp_;
    WakeFd wake_;
    std::atomic<bool> stopping_{false};
    std::map<uint64_t, Connection> connections_;
    uint64_t next_id_ = 0;
    std::vector<Pending> pending_;
};

TestDnsServer::TestDnsServer(TestDnsServerConfig config)
    : address_(config.address), zone_(std::move(config.zone)), ttl_(config.ttl) {
    TcpUdpSockets sockets = bind_tcp_and_udp(config.netns, config.address, config.port);
    // A proxy under load sends thousands of queries at once: queue them rather than drop them.
    const int receive_buffer = 8 * 1024 * 1024;
    ::setsockopt(sockets.udp.get(), SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer, sizeof receive_buffer);
    port_ = sockets.port;
    loop_ = std::make_unique<Loop>(*this, std::move(sockets));
    thread_ = std::thread([this] { loop_->run(); });
}

TestDnsServer::~TestDnsServer() {
    loop_->stop();
    thread_.join();
}

void TestDnsServer::set_zone(DnsZone zone) {
    const std::lock_guard lock(mutex_);
    zone_ = std::move(zone);
}

void TestDnsServer::set_ttl(uint32_t ttl) {
    const std::lock_guard lock(mutex_);
    ttl_ = ttl;
}

void TestDnsServer::set_failure_mode(DnsFailureMode mode) {
    const std::lock_guard lock(mutex_);
    mode_ = mode;
}

void TestDnsServer::set_delay(std::chrono::milliseconds delay) {
    const std::lock_guard lock(mutex_);
    delay_ = delay;
}

std::chrono::milliseconds TestDnsServer::delay() const {
    const std::lock_guard lock(mutex_);
    return delay_;
}

std::vector<ReceivedQuery> TestDnsServer::queries() const {
    const std::lock_guard lock(mutex_);
    return queries_;
}

void TestDnsServer::clear_queries() {
    const std::lock_guard lock(mutex_);
    queries_.clear();
}

size_t TestDnsServer::query_count(std::string_view name) const {
    const std::string wanted = normalize_dns_name(name);
    const std::lock_guard lock(mutex_);
    return static_cast<size_t>(std::count_if(queries_.begin(), queries_.end(), [&](const ReceivedQuery& q) {
        return normalize_dns_name(q.name) == wanted;
    }));
}

std::optional<std::vector<uint8_t>> TestDnsServer::answer(std::span<const uint8_t> query,
                                                          DnsTransport transport) {
    const auto question = parse_dns_question(query);
    const std::lock_guard lock(mutex_);
    if (question) {
        queries_.push_back({question->name, question->qtype, transport, Clock::now()});
    }
    return make_dns_response(query, zone_, ttl_, mode_, transport);
}

}  // namespace harness
