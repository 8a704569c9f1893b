#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "common/event_loop.hpp"
#include "common/fd.hpp"
#include "common/ip_endpoint.hpp"
#include "dns/datagram_receiver.hpp"
#include "dns/log_budget.hpp"
#include "dns/proxy_metrics.hpp"
#include "dns/query.hpp"
#include "dns/query_events.hpp"
#include "dns/query_policy.hpp"
#include "dns/tcp_connection.hpp"
#include "dns/udp_send_batch.hpp"
#include "dns/upstream_forwarder.hpp"

namespace egress::dns {

struct ProxyOptions {
    std::vector<common::IpEndpoint> listen;
    size_t max_in_flight = 10000;  // queries waiting on an upstream; past it, SERVFAIL at once
    size_t max_tcp_connections = 1024;
    std::chrono::milliseconds tcp_idle_timeout{10000};
    size_t event_lines_per_second = 100;  // per event kind (egress.outbound, egress.denied); 0: none
    // A listener bound already (by an earlier egress) for an endpoint and SOCK_DGRAM/SOCK_STREAM,
    // used instead of binding a new one; an empty descriptor: bind.
    std::function<common::UniqueFd(const common::IpEndpoint&, int type)> adopt_listener;
};

// The transparent DNS proxy: UDP and TCP listeners on one event loop. Denied names get NXDOMAIN
// without leaving the sandbox; allowed ones are forwarded, their addresses handed to the
// resolved-address hook, and the answer released to the client only when the hook says so.
class DnsProxy {
  public:
    DnsProxy(common::EventLoop& loop, ProxyOptions options, const QueryPolicy& policy,
             UpstreamForwarder& forwarder, ProxyMetrics& metrics);
    ~DnsProxy();
    DnsProxy(const DnsProxy&) = delete;
    DnsProxy& operator=(const DnsProxy&) = delete;

    void set_resolved_hook(ResolvedAddressHook* hook) { resolved_hook_ = hook; }
    void set_denied_listener(DeniedNameListener listener) { denied_listener_ = std::move(listener); }
    // Hosts whose successful egress.outbound lines are left out; set before the loop runs.
    void set_log_skip(LogSkipList list) { events_.set_log_skip(std::move(list)); }

    // Binds every listen address for UDP and TCP; throws std::system_error naming the address.
    void start();
    // Takes no more queries; the UDP listeners stay open to send the answers still owed, and what
    // arrives from now on waits in the listeners' queues (for the next egress, when a keeper holds
    // them).
    void stop_listening();
    // Closes the listeners and every client connection; answers still owed are dropped.
    void stop();

    // The listeners' descriptors, UDP then TCP, valid while the proxy runs.
    std::vector<int> listener_fds() const;
    // The addresses actually bound (useful when a listen port was 0), UDP then TCP per address.
    const std::vector<common::IpEndpoint>& udp_endpoints() const { return udp_endpoints_; }
    const std::vector<common::IpEndpoint>& tcp_endpoints() const { return tcp_endpoints_; }
    size_t in_flight() const { return in_flight_; }

  private:
    using Clock = std::chrono::steady_clock;
    struct ReplyTarget {
        bool tcp = false;
        int udp_socket = -1;
        sockaddr_storage peer{};
        socklen_t peer_length = 0;
        uint64_t connection_id = 0;
    };
    struct PendingAnswer;

    common::UniqueFd adopted_or_bound(const common::IpEndpoint& endpoint, int type, const char* protocol);
    void bind_udp(const common::IpEndpoint& endpoint);
    void bind_tcp(const common::IpEndpoint& endpoint);
    void receive_datagrams(int socket);
    void handle_datagrams(int socket, size_t count);
    void accept_connections(int socket);
    void handle_message(std::span<const uint8_t> wire, const ReplyTarget& target);
    // `over_limit`: the wildcard guard's limit that denied it ("" when a rule did).
    void answer_denied(const Query& query, const ReplyTarget& target, Clock::time_point received,
                       std::string_view over_limit = {});
    void forward(std::span<const uint8_t> wire, const Query& query, const ReplyTarget& target,
                 Clock::time_point received);
    void on_upstream_result(const PendingAnswer& pending, ForwardResult result);
    void deliver(const PendingAnswer& pending, std::span<const uint8_t> answer);
    void reply(const ReplyTarget& target, std::span<const uint8_t> message);
    void abandon(const ReplyTarget& target);

    common::EventLoop& loop_;
    ProxyOptions options_;
    const QueryPolicy& policy_;
    UpstreamForwarder& forwarder_;
    ProxyMetrics& metrics_;
    ResolvedAddressHook* resolved_hook_ = nullptr;
    DeniedNameListener denied_listener_;

    std::vector<common::UniqueFd> udp_sockets_;
    std::vector<common::UniqueFd> tcp_listeners_;
    std::vector<common::IpEndpoint> udp_endpoints_;
    std::vector<common::IpEndpoint> tcp_endpoints_;
    std::unordered_map<uint64_t, std::unique_ptr<TcpConnection>> connections_;
    uint64_t next_connection_id_ = 1;
    size_t in_flight_ = 0;
    DatagramReceiver receiver_;
    std::vector<uint8_t> forwarded_;  // the query forward() sends upstream, reused
    UdpSendBatch udp_replies_;
    QueryEvents events_;
    LogBudget forward_error_log_{"upstream failures", 20};
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace egress::dns
