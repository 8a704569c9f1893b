#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/namespace_process.hpp"

namespace harness {

// DNS servers from Debian run as they are in the field, unlike TestDnsServer, which only acts like
// one. Each behaves differently on the wire (TCP handling, truncation, EDNS sizes, what it says to
// names outside its zone), which is the point of testing against them.
enum class RealDnsServerKind {
    dnsmasq,  // --no-daemon: one process that serves a TCP connection and nothing else until it closes
    unbound,  // a recursive resolver answering from local-data
    nsd,      // authoritative only
    bind9,    // named, authoritative, recursion off
};

std::string_view name_of(RealDnsServerKind kind);

// One record of the zone a real server serves; `name` is relative to the origin ("@" for the apex).
struct ZoneRecord {
    std::string name;
    std::string type;  // "A", "AAAA" or "CNAME" (a CNAME's target is relative to the origin too)
    std::string data;
};

struct RealDnsServerConfig {
    RealDnsServerKind kind = RealDnsServerKind::dnsmasq;
    std::string netns;
    std::string address;  // the IPv4 address it listens on, port 53 (UDP and TCP)
    std::string origin;   // e.g. "example.test"
    std::vector<ZoneRecord> records;
    uint32_t ttl = 60;
    std::filesystem::path work_dir;  // configuration, zone and log files; created if missing
};

// Starts the server in its namespace and waits until it answers for the zone's first A record.
// Killed (whole process group) on destruction.
class RealDnsServer {
  public:
    explicit RealDnsServer(RealDnsServerConfig config);
    RealDnsServer(const RealDnsServer&) = delete;
    RealDnsServer& operator=(const RealDnsServer&) = delete;

    // Kills the server (SIGKILL, as a crash would) and starts it again; returns once it answers.
    void restart();
    void stop();
    std::string log() const;
    const RealDnsServerConfig& config() const { return config_; }

  private:
    void start();
    void wait_until_answering();

    RealDnsServerConfig config_;
    std::vector<std::string> argv_;
    std::unique_ptr<NamespaceProcess> process_;
};

// Whether the server's program is installed (scripts/setup.sh installs all four).
bool real_dns_server_installed(RealDnsServerKind kind);

}  // namespace harness
