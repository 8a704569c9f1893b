#include "dns/proxy_server.hpp"

#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "dns/reply.hpp"

namespace egress::dns {
namespace {

constexpr size_t kListenerBatchSize = 32;  // datagrams per recvmmsg, replies per sendmmsg
constexpr size_t kBatchesPerWakeup = 2;    // then other descriptors get their turn
constexpr int kListenBacklog = 1024;

std::system_error socket_error(const std::string& what, const common::IpEndpoint& endpoint) {
    return std::system_error(errno, std::generic_category(), what + " " + endpoint.to_string());
}

common::UniqueFd bound_socket(const common::IpEndpoint& endpoint, int type, const char* protocol) {
    const int family = endpoint.address().is_v4() ? AF_INET : AF_INET6;
    common::UniqueFd socket_fd(::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!socket_fd) {
        throw socket_error(std::string("cannot create DNS listener socket for ") + protocol, endpoint);
    }
    const int on = 1;
    setsockopt(socket_fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (family == AF_INET6) {
        setsockopt(socket_fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    }
    if (type == SOCK_DGRAM) {
        // Every client shares this socket: absorb bursts instead of dropping queries.
        constexpr int kReceiveBuffer = 8 * 1024 * 1024;
        if (setsockopt(socket_fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &kReceiveBuffer, sizeof kReceiveBuffer) !=
            0) {
            setsockopt(socket_fd.get(), SOL_SOCKET, SO_RCVBUF, &kReceiveBuffer, sizeof kReceiveBuffer);
        }
    }
    sockaddr_storage address{};
    const socklen_t length = endpoint.to_sockaddr(address);
    if (bind(socket_fd.get(), reinterpret_cast<sockaddr*>(&address), length) != 0) {
        throw socket_error(std::string("cannot bind DNS listener ") + protocol, endpoint);
    }
    return socket_fd;
}

common::IpEndpoint local_endpoint(int socket_fd, const common::IpEndpoint& fallback) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (getsockname(socket_fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        return fallback;
    }
    return common::IpEndpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&address), length)
        .value_or(fallback);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

struct DnsProxy::PendingAnswer {
    ReplyTarget target;
    Query query;
    Clock::time_point received;
    Clock::time_point forwarded;
};

DnsProxy::DnsProxy(common::EventLoop& loop, ProxyOptions options, const QueryPolicy& policy,
                   UpstreamForwarder& forwarder, ProxyMetrics& metrics)
    : loop_(loop),
      options_(std::move(options)),
      policy_(policy),
      forwarder_(forwarder),
      metrics_(metrics),
      receiver_(kListenerBatchSize),
      udp_replies_(kListenerBatchSize),
      events_(options_.event_lines_per_second, metrics.log_events_suppressed) {
    // Answers that arrive together leave together.
    forwarder_.set_burst_hooks({[this] { udp_replies_.hold(); }, [this] { udp_replies_.release(); }});
}

DnsProxy::~DnsProxy() {
    *alive_ = false;
    forwarder_.set_burst_hooks({});
    stop();
}

void DnsProxy::start() {
    for (const auto& endpoint : options_.listen) {
        bind_udp(endpoint);
        bind_tcp(endpoint);
    }
}

void DnsProxy::stop_listening() {
    for (auto& socket_fd : udp_sockets_) {
        loop_.unwatch(socket_fd.get());
    }
    for (auto& socket_fd : tcp_listeners_) {
        loop_.unwatch(socket_fd.get());
    }
    tcp_listeners_.clear();
}

void DnsProxy::stop() {
    stop_listening();
    udp_sockets_.clear();
    tcp_listeners_.clear();
    connections_.clear();
}

std::vector<int> DnsProxy::listener_fds() const {
    std::vector<int> descriptors;
    for (const auto& socket_fd : udp_sockets_) {
        descriptors.push_back(socket_fd.get());
    }
    for (const auto& socket_fd : tcp_listeners_) {
        descriptors.push_back(socket_fd.get());
    }
    return descriptors;
}

common::UniqueFd DnsProxy::adopted_or_bound(const common::IpEndpoint& endpoint, int type,
                                            const char* protocol) {
    if (options_.adopt_listener) {
        if (common::UniqueFd adopted = options_.adopt_listener(endpoint, type)) {
            return adopted;
        }
    }
    return bound_socket(endpoint, type, protocol);
}

void DnsProxy::bind_udp(const common::IpEndpoint& endpoint) {
    common::UniqueFd socket_fd = adopted_or_bound(endpoint, SOCK_DGRAM, "udp");
    const int fd = socket_fd.get();
    udp_endpoints_.push_back(local_endpoint(fd, endpoint));
    loop_.watch(fd, EPOLLIN, [this, fd](uint32_t) { receive_datagrams(fd); });
    udp_sockets_.push_back(std::move(socket_fd));
}

void DnsProxy::bind_tcp(const common::IpEndpoint& endpoint) {
    common::UniqueFd socket_fd = adopted_or_bound(endpoint, SOCK_STREAM, "tcp");
    if (listen(socket_fd.get(), kListenBacklog) != 0) {
        throw socket_error("cannot listen for DNS over tcp on", endpoint);
    }
    const int fd = socket_fd.get();
    tcp_endpoints_.push_back(local_endpoint(fd, endpoint));
    loop_.watch(fd, EPOLLIN, [this, fd](uint32_t) { accept_connections(fd); });
    tcp_listeners_.push_back(std::move(socket_fd));
}

void DnsProxy::receive_datagrams(int socket_fd) {
    for (size_t round = 0; round < kBatchesPerWakeup; ++round) {
        const size_t count = receiver_.receive(socket_fd);
        handle_datagrams(socket_fd, count);
        if (count < receiver_.batch_size()) {
            return;  // drained
        }
    }
}

// Replies written while the burst is handled (denied names, malformed queries) leave together,
// and so do the queries forwarded to upstreams (sent first: they have further to go).
void DnsProxy::handle_datagrams(int socket_fd, size_t count) {
    UdpSendBatch::Scope replies(udp_replies_);
    UdpSendBatch::Scope queries(forwarder_.outgoing_queries());
    for (size_t i = 0; i < count; ++i) {
        ReplyTarget target;
        target.udp_socket = socket_fd;
        target.peer_length = receiver_.sender_length(i);
        std::memcpy(&target.peer, &receiver_.sender(i), target.peer_length);
        handle_message(receiver_.datagram(i), target);
    }
}

void DnsProxy::accept_connections(int listener) {
    for (;;) {
        common::UniqueFd client(accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!client) {
            return;
        }
        if (connections_.size() >= options_.max_tcp_connections) {
            metrics_.overloaded.inc();
            continue;  // closing at once is the cheapest refusal
        }
        const uint64_t id = next_connection_id_++;
        auto on_message = [this](std::span<const uint8_t> message, uint64_t connection_id) {
            ReplyTarget target;
            target.tcp = true;
            target.connection_id = connection_id;
            handle_message(message, target);
        };
        auto on_close = [this, alive = std::weak_ptr<bool>(alive_)](uint64_t connection_id) {
            // Destroy outside the connection's own call stack.
            loop_.post([this, alive, connection_id] {
                if (!alive.expired()) {
                    connections_.erase(connection_id);
                }
            });
        };
        connections_.emplace(
            id, std::make_unique<TcpConnection>(loop_, std::move(client), id, options_.tcp_idle_timeout,
                                                on_message, on_close));
    }
}

void DnsProxy::handle_message(std::span<const uint8_t> wire, const ReplyTarget& target) {
    const auto received = Clock::now();
    Query query = parse_query(wire);
    switch (query.verdict) {
        case QueryVerdict::ignore:
            metrics_.malformed.inc();
            abandon(target);
            return;
        case QueryVerdict::form_error:
            metrics_.malformed.inc();
            reply(target, build_reply(query, ResponseCode::form_error).bytes());
            return;
        case QueryVerdict::not_implemented:
            metrics_.not_implemented.inc();
            reply(target, build_reply(query, ResponseCode::not_implemented).bytes());
            return;
        case QueryVerdict::decide:
            break;
    }
    const NameJudgement judgement = policy_.judge(query.policy_name(), query.qtype);
    const std::string_view over_limit = policy::to_string(judgement.over_limit);
    if (!over_limit.empty()) {
        metrics_.wildcard_guard.with_labels({std::string(over_limit)}).inc();
    }
    if (judgement.verdict == NameVerdict::deny) {
        answer_denied(query, target, received, over_limit);
        return;
    }
    if (judgement.verdict == NameVerdict::would_deny) {
        metrics_.would_deny.inc();
        events_.host_event(QueryEvents::HostEvent::would_deny, query.policy_name(), over_limit);
    }
    if (in_flight_ >= options_.max_in_flight) {
        metrics_.overloaded.inc();
        reply(target, build_reply(query, ResponseCode::server_failure).bytes());
        return;
    }
    forward(wire, query, target, received);
}

void DnsProxy::answer_denied(const Query& query, const ReplyTarget& target, Clock::time_point received,
                             std::string_view over_limit) {
    metrics_.denied.inc();
    reply(target, build_reply(query, ResponseCode::name_error, true).bytes());
    metrics_.handling_seconds.observe(seconds_since(received));
    events_.host_event(QueryEvents::HostEvent::denied, query.policy_name(), over_limit);
    if (denied_listener_ && !query.policy_name().empty()) {
        denied_listener_(query.policy_name());
    }
}

void DnsProxy::forward(std::span<const uint8_t> wire, const Query& query, const ReplyTarget& target,
                       Clock::time_point received) {
    ++in_flight_;
    metrics_.in_flight.inc();
    const auto transport = target.tcp ? UpstreamForwarder::Transport::tcp : UpstreamForwarder::Transport::udp;
    build_forwarded_query(query, wire, forwarded_);
    forwarder_.forward(
        forwarded_, transport,
        [this, alive = std::weak_ptr<bool>(alive_),
         pending = PendingAnswer{target, query, received, Clock::now()}](ForwardResult result) {
            if (!alive.expired()) {
                on_upstream_result(pending, std::move(result));
            }
        });
}

void DnsProxy::on_upstream_result(const PendingAnswer& pending, ForwardResult result) {
    --in_flight_;
    metrics_.in_flight.dec();
    if (!result.ok) {
        metrics_.upstream_failed.inc();
        if (forward_error_log_.take()) {
            spdlog::warn("[dns] forward error for {}: {}", pending.query.policy_name(), result.error);
        }
        events_.outbound_failed(pending.query.policy_name(), result.error);
        reply(pending.target, build_reply(pending.query, ResponseCode::server_failure).bytes());
        return;
    }
    metrics_.allowed.inc();
    metrics_.upstream_latency_seconds.observe(seconds_since(pending.forwarded));
    spdlog::debug("[dns] allowed {}", pending.query.policy_name());
    if (resolved_hook_ == nullptr) {
        deliver(pending, result.answer);
        return;
    }
    UpstreamAnswer answer = read_answer(result.answer);
    if (answer.addresses.empty()) {
        deliver(pending, result.answer);
        return;
    }
    auto release = [this, alive = std::weak_ptr<bool>(alive_), pending,
                    bytes = std::move(result.answer)](bool still_allowed) {
        if (alive.expired()) {
            return;
        }
        if (still_allowed) {
            deliver(pending, bytes);
        } else {
            answer_denied(pending.query, pending.target, pending.received);
        }
    };
    resolved_hook_->on_resolved(pending.query.policy_name(), answer.addresses, std::move(release));
}

void DnsProxy::deliver(const PendingAnswer& pending, std::span<const uint8_t> answer) {
    if (!pending.target.tcp && answer.size() > pending.query.udp_reply_limit) {
        // Too big for this client over UDP: tell it to retry over TCP.
        ReplyMessage truncated = build_reply(pending.query, ResponseCode::no_error);
        truncated.set_truncated();
        reply(pending.target, truncated.bytes());
    } else {
        reply(pending.target, answer);
    }
    metrics_.handling_seconds.observe(seconds_since(pending.received));
    events_.outbound(pending.query.policy_name(), answer);
}

void DnsProxy::reply(const ReplyTarget& target, std::span<const uint8_t> message) {
    if (!target.tcp) {
        udp_replies_.send(target.udp_socket, &target.peer, target.peer_length, message);
        return;
    }
    auto connection = connections_.find(target.connection_id);
    if (connection != connections_.end()) {
        connection->second->send(message);
    }
}

void DnsProxy::abandon(const ReplyTarget& target) {
    if (!target.tcp) {
        return;
    }
    auto connection = connections_.find(target.connection_id);
    if (connection != connections_.end()) {
        connection->second->answer_abandoned();
    }
}

}  // namespace egress::dns
