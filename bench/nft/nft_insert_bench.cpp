// Element insertion into dyn_allow_v4: netlink batches (this library) vs `nft -f -` subprocesses.
// Needs root; everything happens in a throw-away network namespace. Prints elements/s.
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "harness/command.hpp"
#include "harness/netns_scope.hpp"
#include "harness/require_netns.hpp"
#include "harness/topology.hpp"
#include "nft/nft_enforcer.hpp"
#include "nft/ruleset_names.hpp"
#include "nft/set_elements.hpp"
#include "nft/transaction.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using egress::nft::TimedAddress;

// Distinct addresses in 10.0.0.0/8, so every insertion creates a new element.
class AddressSource {
  public:
    common::IpAddress next() {
        const uint32_t value = 0x0a000001u + counter_++;
        return common::IpAddress::from_v4({static_cast<uint8_t>(value >> 24),
                                           static_cast<uint8_t>(value >> 16),
                                           static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)});
    }

  private:
    uint32_t counter_ = 0;
};

std::vector<TimedAddress> next_batch(AddressSource& source, size_t size) {
    std::vector<TimedAddress> batch;
    for (size_t index = 0; index < size; ++index) {
        batch.push_back({source.next(), std::chrono::seconds(300), {}});
    }
    return batch;
}

double netlink_rate(egress::nft::NetlinkSocket& socket, AddressSource& source, size_t batch_size,
                    size_t batches) {
    uint32_t seq = 1;
    const auto start = Clock::now();
    for (size_t round = 0; round < batches; ++round) {
        egress::nft::NftBatch batch(seq);
        seq += 1u << 16;
        egress::nft::add_timed_elements(batch, egress::nft::names::kDynAllowV4,
                                        next_batch(source, batch_size));
        egress::nft::commit(socket, batch, "bench");
    }
    const std::chrono::duration<double> elapsed = Clock::now() - start;
    return static_cast<double>(batch_size * batches) / elapsed.count();
}

double nft_subprocess_rate(AddressSource& source, size_t batch_size, size_t batches) {
    const auto start = Clock::now();
    for (size_t round = 0; round < batches; ++round) {
        std::string script = "add element inet opensandbox dyn_allow_v4 { ";
        const auto batch = next_batch(source, batch_size);
        for (size_t index = 0; index < batch.size(); ++index) {
            script += (index ? ", " : "") + batch[index].address.to_string() + " timeout 300s";
        }
        script += " }\n";
        harness::run_checked({"nft", "-f", "-"}, script);
    }
    const std::chrono::duration<double> elapsed = Clock::now() - start;
    return static_cast<double>(batch_size * batches) / elapsed.count();
}

int run() {
    if (const auto reason = harness::netns_unavailable_reason()) {
        std::fprintf(stderr, "nft_insert_bench: %s\n", reason->c_str());
        return 1;
    }
    harness::Topology topology;
    harness::NetnsScope scope(topology.sandbox());  // nft children inherit the namespace
    egress::nft::NftEnforcer enforcer(egress::nft::RulesetOptions{}, nullptr);
    egress::nft::NetlinkSocket socket(egress::nft::NetlinkSocket::Mode::blocking);
    std::printf("%-10s %16s %16s %10s\n", "batch", "netlink el/s", "nft -f - el/s", "speedup");
    for (const size_t batch_size : {1, 10, 100, 1000}) {
        enforcer.install(egress::nft::FilterPolicy{});  // empty dyn sets for every size
        AddressSource source;
        const size_t netlink_batches = std::max<size_t>(20, 4000 / batch_size);
        const size_t nft_batches = std::max<size_t>(5, 200 / batch_size);
        const double netlink = netlink_rate(socket, source, batch_size, netlink_batches);
        const double subprocess = nft_subprocess_rate(source, batch_size, nft_batches);
        std::printf("%-10zu %16.0f %16.0f %9.1fx\n", batch_size, netlink, subprocess, netlink / subprocess);
    }
    return 0;
}

}  // namespace

int main() {
    try {
        return run();
    } catch (const std::exception& error) {
        std::fprintf(stderr, "nft_insert_bench: %s\n", error.what());
        return 1;
    }
}
