#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace harness {

struct DnsAnswer {
    std::string name;  // owner, without trailing dot
    uint16_t type = 0;
    uint32_t ttl = 0;
    std::string data;  // "198.51.100.10", "2001:db8::1", or a target name without trailing dot
};

struct DnsQueryResult {
    int error = 0;  // errno-style: ETIMEDOUT, ECONNREFUSED, EBADMSG (unparseable/mismatched reply)
    int rcode = -1;
    uint16_t id = 0;
    bool qr = false;
    bool ra = false;
    bool truncated = false;
    std::string question_name;  // as echoed, without trailing dot
    uint16_t question_type = 0;
    std::vector<DnsAnswer> answers;

    bool ok() const { return error == 0; }
    // The A/AAAA data in answer order.
    std::vector<std::string> addresses() const;
};

// The wire bytes of a standard query (RD=1) for name/qtype with the given message ID.
std::vector<uint8_t> build_dns_query(const std::string& name, uint16_t qtype, uint16_t id);

// One query from inside `netns` to server:port over UDP or TCP; waits at most `timeout`.
DnsQueryResult dns_query(const std::string& netns, const std::string& server, uint16_t port,
                         const std::string& name, uint16_t qtype, bool use_tcp,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

// Where a UDP query leaves from: a fixed local port (0: any) and a socket mark (0: none), e.g.
// to reuse the tuple of an earlier flow or to look like the proxy's own upstream traffic.
struct UdpQuerySource {
    uint16_t port = 0;
    uint32_t mark = 0;
};

DnsQueryResult dns_query_udp_from(const std::string& netns, const UdpQuerySource& source,
                                  const std::string& server, uint16_t port, const std::string& name,
                                  uint16_t qtype, std::chrono::milliseconds timeout);

// Several queries pipelined on one TCP connection (RFC 7766); answers are matched by ID and
// may arrive in any order; results are in query order.
std::vector<DnsQueryResult> dns_query_tcp_pipelined(
    const std::string& netns, const std::string& server, uint16_t port,
    const std::vector<std::pair<std::string, uint16_t>>& questions,
    std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

}  // namespace harness
