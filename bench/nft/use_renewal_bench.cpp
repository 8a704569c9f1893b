// The cost of keeping learned addresses alive while they are used: CPU per renewed element in a
// renewal pass (both ways of renewing a timeout), the pass that renews nothing, and what the
// datapath's marking rules cost a packet. Needs root; everything happens in throw-away namespaces.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "harness/command.hpp"
#include "harness/net_socket.hpp"
#include "harness/netns_scope.hpp"
#include "harness/require_netns.hpp"
#include "harness/socket_address.hpp"
#include "harness/topology.hpp"
#include "nft/learning_gate.hpp"
#include "nft/nft_enforcer.hpp"
#include "nft/ruleset_names.hpp"
#include "nft/set_elements.hpp"
#include "nft/transaction.hpp"
#include "nft/use_renewer.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace nft = egress::nft;

common::IpAddress numbered(size_t index) {
    const uint32_t value = 0x0a000001u + static_cast<uint32_t>(index);
    return common::IpAddress::from_v4({static_cast<uint8_t>(value >> 24), static_cast<uint8_t>(value >> 16),
                                       static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)});
}

// `count` addresses learned for one name each, in dyn_allow_v4 with a short expiry, all marked used.
void learn_and_mark(nft::NetlinkSocket& socket, nft::AddressProvenance& provenance, size_t count) {
    std::vector<nft::TimedAddress> elements;
    for (size_t index = 0; index < count; ++index) {
        elements.push_back({numbered(index), 60s, {}});
        provenance.record("host" + std::to_string(index) + ".test", std::vector{numbered(index)},
                          nft::PortGrant{}, Clock::now() + 60s);
    }
    for (size_t start = 0; start < count; start += 256) {
        const std::span<const nft::TimedAddress> chunk(elements.data() + start,
                                                       std::min<size_t>(256, count - start));
        nft::NftBatch batch(static_cast<uint32_t>(start * 8 + 1));
        nft::add_timed_elements(batch, nft::names::kDynAllowV4, chunk);
        nft::add_timed_elements(batch, nft::names::kDynSeenV4, chunk);
        nft::commit(socket, batch, "bench");
    }
}

void renewal_costs(nft::TimeoutRenewal renewal, size_t count) {
    nft::NftEnforcer enforcer(nft::RulesetOptions{}, nullptr);
    enforcer.install(nft::FilterPolicy{});
    nft::NetlinkSocket socket(nft::NetlinkSocket::Mode::blocking);
    auto provenance = std::make_shared<nft::AddressProvenance>(nft::LearningLimits{256, 65536});
    learn_and_mark(socket, *provenance, count);
    nft::UseRenewer renewer(provenance, std::make_shared<nft::LearningGate>(),
                            nft::UseRenewalOptions{std::chrono::seconds(3600), 10s, renewal});
    const auto started = Clock::now();
    const auto renewing = renewer.renew_once();  // every element has less than the tail left
    const std::chrono::duration<double, std::micro> wall = Clock::now() - started;
    const auto idle = renewer.renew_once();  // all renewed already: reads the marks only
    std::printf("%-15s %8zu %8zu %12.2f %12.2f %14.2f\n",
                renewal == nft::TimeoutRenewal::in_place ? "in place" : "delete and add", count,
                renewing.renewed,
                static_cast<double>(renewing.cpu.count()) / static_cast<double>(renewing.renewed),
                wall.count() / static_cast<double>(renewing.renewed),
                static_cast<double>(idle.cpu.count()) / static_cast<double>(count));
}

// Datagrams a second from the sandbox to an address in dyn_allow_v4, with the marking rules in
// the chain or deleted from it.
double datagrams_per_second(const harness::Topology& topology) {
    const auto target = harness::make_socket_address("198.18.0.1", 9);
    const harness::UniqueFd sender = harness::make_socket(topology.sandbox(), AF_INET, SOCK_DGRAM);
    const char payload[64] = {};
    const size_t count = 300000;
    const auto started = Clock::now();
    for (size_t sent = 0; sent < count;) {
        if (::sendto(sender.get(), payload, sizeof payload, 0, target.get(), target.length) > 0) {
            ++sent;
        }
    }
    const std::chrono::duration<double> elapsed = Clock::now() - started;
    return static_cast<double>(count) / elapsed.count();
}

void marking_cost(const harness::Topology& topology) {
    nft::NftEnforcer enforcer(nft::RulesetOptions{}, nullptr);
    enforcer.install(nft::FilterPolicy{});
    harness::run_checked(
        {"nft", "add", "element", "inet", "opensandbox", "dyn_allow_v4", "{ 198.18.0.1 timeout 1h }"});
    const double with_marks = datagrams_per_second(topology);
    const std::string listing =
        harness::run_checked({"nft", "-a", "list", "chain", "inet", "opensandbox", "egress"});
    for (size_t at = listing.find("update @dyn_seen"); at != std::string::npos;
         at = listing.find("update @dyn_seen", at + 1)) {
        const size_t handle = listing.find("# handle ", at);
        const std::string number = listing.substr(handle + 9, listing.find('\n', handle) - handle - 9);
        harness::run_checked({"nft", "delete", "rule", "inet", "opensandbox", "egress", "handle", number});
    }
    const double without_marks = datagrams_per_second(topology);
    std::printf(
        "\ndatagrams/s to a learned address: %.0f with the marking rules, %.0f without (%.3f us a packet)\n",
        with_marks, without_marks, (1e6 / with_marks - 1e6 / without_marks));
}

int run() {
    if (const auto reason = harness::netns_unavailable_reason()) {
        std::fprintf(stderr, "use_renewal_bench: %s\n", reason->c_str());
        return 1;
    }
    harness::Topology topology;
    harness::run_checked({"ip", "netns", "exec", topology.upstream(), "ip", "route", "add", "local",
                          "198.18.0.0/16", "dev", "lo"});
    harness::NetnsScope scope(topology.sandbox());
    std::printf("%-15s %8s %8s %12s %12s %14s\n", "renewal", "marked", "renewed", "cpu us/el", "wall us/el",
                "idle cpu us/el");
    for (const auto renewal : {nft::TimeoutRenewal::in_place, nft::TimeoutRenewal::delete_and_add}) {
        for (const size_t count : {1000, 10000, 50000}) {
            renewal_costs(renewal, count);
        }
    }
    marking_cost(topology);
    return 0;
}

}  // namespace

int main() {
    try {
        return run();
    } catch (const std::exception& error) {
        std::fprintf(stderr, "use_renewal_bench: %s\n", error.what());
        return 1;
    }
}
