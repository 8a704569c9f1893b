#pragma once

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/event_loop.hpp"
#include "harness/topology.hpp"
#include "nft/dynamic_allow_writer.hpp"
#include "nft/nft_enforcer.hpp"

namespace egress::nft::testing {

// `nft -j list ruleset` inside the namespace, parsed; and the items of one kind ("rule", "set").
nlohmann::json list_ruleset(const std::string& netns);
std::vector<nlohmann::json> ruleset_items(const nlohmann::json& ruleset, const std::string& kind);
// `nft list chain inet opensandbox <chain>` rule lines, trimmed, handles stripped.
std::vector<std::string> chain_rule_lines(const std::string& netns, const std::string& chain);
// Elements of one set as nft prints them ("10.0.0.0/8", "1.2.3.4").
std::vector<std::string> set_elements(const std::string& netns, const std::string& set);

// An enforcer whose netlink socket lives in `netns`.
std::unique_ptr<NftEnforcer> make_enforcer(const std::string& netns, RulesetOptions options = {},
                                           std::shared_ptr<AddressProvenance> provenance = nullptr);

// An EventLoop running on its own thread inside `netns`, with a DynamicAllowWriter on it.
class WriterThread {
  public:
    // gate: what each name is granted (none: every name on every port).
    WriterThread(const std::string& netns, std::shared_ptr<AddressProvenance> provenance,
                 DynamicAllowWriter::Options options, std::shared_ptr<LearningGate> gate = nullptr);
    ~WriterThread();
    // Calls on_resolved on the loop thread; returns once the answer was released (or timeout).
    bool resolve_and_wait(const std::string& name, const std::vector<dns::ResolvedAddress>& addresses,
                          std::chrono::milliseconds timeout = std::chrono::seconds(5));
    uint64_t failures();

  private:
    template <typename Result>
    Result on_loop(std::function<Result()> task);

    common::EventLoop loop_;
    std::unique_ptr<DynamicAllowWriter> writer_;
    std::thread thread_;
};

// One UDP DNS query for `name` from `netns`, optionally from a fixed source port and with SO_MARK.
// True when an answer arrived within the timeout.
bool udp_dns_query_answered(const std::string& netns, const std::string& server, uint16_t port,
                            std::optional<uint16_t> source_port, std::optional<uint32_t> mark,
                            std::chrono::milliseconds timeout = std::chrono::milliseconds(500));

dns::ResolvedAddress resolved(const std::string& address, uint32_t ttl);
common::IpPrefix prefix(const std::string& text);

// Grant lookups for NftEnforcer::apply: every name on every port; no name at all.
const PortGrant* every_name_every_port(std::string_view name);
const PortGrant* no_name(std::string_view name);

}  // namespace egress::nft::testing
