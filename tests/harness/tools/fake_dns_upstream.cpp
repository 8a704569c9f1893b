// fake-dns-upstream: the harness TestDnsServer as a standalone process, for demos and benchmarks.
//
//   fake-dns-upstream --listen 10.77.0.1:53 --record a.example=198.51.100.10
//                     --record cname.example=CNAME:a.example --ttl 300

#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/socket_address.hpp"
#include "harness/test_dns_server.hpp"

namespace {

struct Options {
    std::vector<std::string> listen;
    std::vector<std::string> records;
    std::string netns;
    uint32_t ttl = 300;
    unsigned delay_ms = 0;
    std::string mode = "normal";
    bool log_queries = false;
};

harness::DnsFailureMode parse_mode(const std::string& mode) {
    static const std::map<std::string, harness::DnsFailureMode> kModes = {
        {"normal", harness::DnsFailureMode::none},
        {"drop", harness::DnsFailureMode::drop},
        {"servfail", harness::DnsFailureMode::servfail},
        {"refused", harness::DnsFailureMode::refused},
        {"truncate", harness::DnsFailureMode::truncate}};
    return kModes.at(mode);
}

harness::DnsZone parse_zone(const std::vector<std::string>& records) {
    harness::DnsZone zone;
    for (const auto& record : records) {
        const size_t equals = record.find('=');
        if (equals == std::string::npos) {
            throw std::invalid_argument("--record wants name=value, got '" + record + "'");
        }
        zone.add_from_text(record.substr(0, equals), record.substr(equals + 1));
    }
    return zone;
}

std::unique_ptr<harness::TestDnsServer> start_server(const Options& options, const std::string& listen) {
    const auto [host, port] = harness::split_host_port(listen);
    harness::TestDnsServerConfig config;
    config.netns = options.netns;
    config.address = host;
    config.port = port;
    config.zone = parse_zone(options.records);
    config.ttl = options.ttl;
    auto server = std::make_unique<harness::TestDnsServer>(std::move(config));
    server->set_failure_mode(parse_mode(options.mode));
    server->set_delay(std::chrono::milliseconds(options.delay_ms));
    std::printf("fake-dns-upstream listening on %s port %u (udp+tcp)\n", host.c_str(), server->port());
    return server;
}

void print_new_queries(harness::TestDnsServer& server) {
    for (const auto& query : server.queries()) {
        std::printf("query %s type %u over %s\n", query.name.c_str(), query.qtype,
                    query.transport == harness::DnsTransport::tcp ? "tcp" : "udp");
    }
    server.clear_queries();
    std::fflush(stdout);
}

// Waits for SIGINT/SIGTERM; with log_queries, prints each received query about every 200 ms.
int wait_for_termination(const std::vector<std::unique_ptr<harness::TestDnsServer>>& servers,
                         bool log_queries) {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    const timespec poll_interval{0, 200'000'000};
    while (sigtimedwait(&signals, nullptr, &poll_interval) < 0) {
        for (const auto& server : servers) {
            if (log_queries) {
                print_new_queries(*server);
            }
        }
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    CLI::App app{"Test DNS upstream: answers A/AAAA/CNAME from --record entries, NXDOMAIN otherwise"};
    app.add_option("--listen", options.listen, "address:port or [v6]:port (repeatable)")->required();
    app.add_option("--record", options.records, "name=IPv4 | name=IPv6 | name=CNAME:target (repeatable)");
    app.add_option("--ttl", options.ttl, "TTL of every answer")->capture_default_str();
    app.add_option("--netns", options.netns, "create the sockets inside this named network namespace");
    app.add_option("--delay-ms", options.delay_ms, "hold every answer back this long")->capture_default_str();
    app.add_option("--mode", options.mode, "normal | drop | servfail | refused | truncate")
        ->check(CLI::IsMember({"normal", "drop", "servfail", "refused", "truncate"}))
        ->capture_default_str();
    app.add_flag("--log-queries", options.log_queries, "print every query received (name, type, transport)");
    CLI11_PARSE(app, argc, argv);

    // Blocked before the server threads start, so they inherit the mask and sigwait() gets them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    try {
        std::vector<std::unique_ptr<harness::TestDnsServer>> servers;
        for (const auto& listen : options.listen) {
            servers.push_back(start_server(options, listen));
        }
        std::fflush(stdout);
        return wait_for_termination(servers, options.log_queries);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "fake-dns-upstream: %s\n", error.what());
        return 1;
    }
}
