#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "harness/dns_responder.hpp"
#include "harness/dns_types.hpp"
#include "harness/dns_zone.hpp"

namespace harness {

struct TestDnsServerConfig {
    std::string netns;  // sockets are created in this namespace; empty: the caller's
    std::string address = "127.0.0.1";
    uint16_t port = 53;  // 0 picks a free port, the same for UDP and TCP
    DnsZone zone;
    uint32_t ttl = 300;
};

struct ReceivedQuery {
    std::string name;  // as received, without trailing dot
    uint16_t qtype = 0;
    DnsTransport transport = DnsTransport::udp;
    std::chrono::steady_clock::time_point received_at;
};

// An authoritative-looking DNS server on UDP and TCP (RFC 7766 framing, several queries per
// connection) running on its own thread. Every setter and accessor is thread-safe.
class TestDnsServer {
  public:
    explicit TestDnsServer(TestDnsServerConfig config);
    ~TestDnsServer();
    TestDnsServer(const TestDnsServer&) = delete;
    TestDnsServer& operator=(const TestDnsServer&) = delete;

    uint16_t port() const { return port_; }
    const std::string& address() const { return address_; }

    void set_zone(DnsZone zone);
    void set_ttl(uint32_t ttl);
    void set_failure_mode(DnsFailureMode mode);
    // Answers are held back this long; other queries are still received and answered meanwhile.
    void set_delay(std::chrono::milliseconds delay);

    std::vector<ReceivedQuery> queries() const;
    void clear_queries();
    // How many queries for `name` (case-insensitive) arrived, over any transport.
    size_t query_count(std::string_view name) const;

  private:
    class Loop;

    std::optional<std::vector<uint8_t>> answer(std::span<const uint8_t> query, DnsTransport transport);
    std::chrono::milliseconds delay() const;

    std::string address_;
    uint16_t port_ = 0;
    mutable std::mutex mutex_;
    DnsZone zone_;
    uint32_t ttl_;
    DnsFailureMode mode_ = DnsFailureMode::none;
    std::chrono::milliseconds delay_{0};
    std::vector<ReceivedQuery> queries_;
    std::unique_ptr<Loop> loop_;
    std::thread thread_;
};

}  // namespace harness
