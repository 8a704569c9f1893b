#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "harness/command.hpp"
#include "harness/echo_server.hpp"
#include "harness/net_clients.hpp"
#include "harness/require_netns.hpp"
#include "harness/topology.hpp"
#include "nft_test_support.hpp"

namespace egress::nft::testing {

using namespace std::chrono_literals;

// A sandbox/upstream topology with echo servers on a few "internet" hosts and two locally
// routed ranges (198.18.0.0/16, 2001:db8:99::/64) where every address answers on port 8080.
class NftTest : public ::testing::Test {
  protected:
    static constexpr uint16_t kPort = 8080;
    static constexpr uint16_t kV6Port = 8081;

    void SetUp() override {
        HARNESS_REQUIRE_NETNS();
        topology_ = std::make_unique<harness::Topology>();
        for (const char* address :
             {"198.51.100.10", "198.51.100.66", "203.0.113.5", "2001:db8:1::10", "2001:db8:1::66"}) {
            topology_->add_upstream_address(address);
        }
        upstream_exec({"ip", "route", "add", "local", "198.18.0.0/16", "dev", "lo"});
        upstream_exec({"ip", "-6", "route", "add", "local", "2001:db8:99::/64", "dev", "lo"});
        servers_.push_back(std::make_unique<harness::EchoServer>(
            harness::EchoServerConfig{topology_->upstream(), "0.0.0.0", kPort, "v4"}));
        servers_.push_back(std::make_unique<harness::EchoServer>(
            harness::EchoServerConfig{topology_->upstream(), "::", kV6Port, "v6"}));
        servers_.push_back(std::make_unique<harness::EchoServer>(
            harness::EchoServerConfig{topology_->upstream(), "0.0.0.0", 853, "dot"}));
    }

    void upstream_exec(std::vector<std::string> argv) {
        argv.insert(argv.begin(), {"ip", "netns", "exec", topology_->upstream()});
        harness::run_checked(argv);
    }

    const std::string& sandbox() const { return topology_->sandbox(); }

    bool reachable(const std::string& address, uint16_t port = 0,
                   std::chrono::milliseconds timeout = std::chrono::milliseconds(300)) {
        if (port == 0) {
            port = address.find(':') == std::string::npos ? kPort : kV6Port;
        }
        return harness::tcp_connect(sandbox(), address, port, timeout).connected;
    }

    std::unique_ptr<harness::Topology> topology_;
    std::vector<std::unique_ptr<harness::EchoServer>> servers_;
};

// NftTest with the ruleset installed (no static rules, default deny) by an enforcer that shares
// provenance_ with the writers it makes. Set provenance_ in a constructor to give it limits.
class LearningNftTest : public NftTest {
  protected:
    void SetUp() override {
        NftTest::SetUp();
        if (IsSkipped()) {
            return;
        }
        enforcer_ = make_enforcer(sandbox(), ruleset_options(), provenance_);
        enforcer_->install(FilterPolicy{});
    }

    virtual RulesetOptions ruleset_options() const { return {}; }

    std::unique_ptr<WriterThread> writer(DynamicAllowWriter::Options options = {},
                                         std::shared_ptr<LearningGate> gate = nullptr) {
        return std::make_unique<WriterThread>(sandbox(), provenance_, std::move(options), std::move(gate));
    }

    std::shared_ptr<AddressProvenance> provenance_ = std::make_shared<AddressProvenance>();
    std::unique_ptr<NftEnforcer> enforcer_;
};

}  // namespace egress::nft::testing
