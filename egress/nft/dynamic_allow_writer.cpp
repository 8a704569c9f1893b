#include "nft/dynamic_allow_writer.hpp"

#include <sys/epoll.h>

#include <cerrno>
#include <optional>

#include "common/log.hpp"
#include "nft/learned_removal.hpp"
#include "nft/nft_error.hpp"
#include "nft/ruleset_names.hpp"
#include "nft/set_elements.hpp"

namespace egress::nft {

struct DynamicAllowWriter::InFlight {
    explicit InFlight(uint32_t first_seq) : batch(first_seq) {}

    NftBatch batch;
    std::optional<BatchAcks> acks;  // once the batch is finished and sent
    std::string name;
    std::vector<common::IpAddress> addresses;
    std::chrono::seconds longest_timeout{0};
    Release release;
    common::EventLoop::TimerId timer = 0;
};

namespace {

// One entry per address (the longest timeout wins), split by family.
std::vector<TimedAddress> timed_addresses(const std::vector<dns::ResolvedAddress>& addresses,
                                          const ElementTimeoutPolicy& timeouts, common::IpFamily family,
                                          std::string_view owner) {
    std::map<common::IpAddress, std::chrono::seconds> longest;
    for (const auto& resolved : addresses) {
        if (resolved.address.family() == family) {
            auto& timeout = longest[resolved.address];
            timeout = std::max(timeout, timeouts.timeout_for(resolved.ttl_seconds));
        }
    }
    std::vector<TimedAddress> result;
    for (const auto& [address, timeout] : longest) {
        result.push_back({address, timeout, owner});
    }
    return result;
}

std::vector<TimedPortedAddress> on_ports(std::span<const TimedAddress> addresses,
                                         std::span<const L4Port> ports) {
    std::vector<TimedPortedAddress> result;
    result.reserve(addresses.size() * ports.size());
    for (const auto& item : addresses) {
        for (const L4Port port : ports) {
            result.push_back({{item.address, port}, item.timeout, item.owner});
        }
    }
    return result;
}

}  // namespace

DynamicAllowWriter::DynamicAllowWriter(common::EventLoop& loop, std::shared_ptr<AddressProvenance> provenance,
                                       Options options, std::shared_ptr<LearningGate> gate)
    : loop_(loop),
      provenance_(provenance ? std::move(provenance) : std::make_shared<AddressProvenance>()),
      options_(options),
      gate_(gate ? std::move(gate) : std::make_shared<LearningGate>()),
      socket_(NetlinkSocket::Mode::non_blocking),
      receive_buffer_(64 * 1024) {
    loop_.watch(socket_.fd(), EPOLLIN, [this](uint32_t) { on_readable(); });
}

DynamicAllowWriter::~DynamicAllowWriter() {
    loop_.unwatch(socket_.fd());
    fail_all("the nftables writer is shutting down");
}

void DynamicAllowWriter::on_resolved(std::string_view name,
                                     const std::vector<dns::ResolvedAddress>& addresses, Release release) {
    auto entry = std::make_unique<InFlight>(sequence_.reserve_block());
    std::vector<TimedAddress> timed[2];
    for (const auto family : {common::IpFamily::v4, common::IpFamily::v6}) {
        auto& of_family = timed[family == common::IpFamily::v4 ? 0 : 1];
        of_family = timed_addresses(addresses, options_.timeouts, family, name);
        for (const auto& item : of_family) {
            entry->addresses.push_back(item.address);
            entry->longest_timeout = std::max(entry->longest_timeout, item.timeout);
        }
    }
    if (entry->addresses.empty()) {
        release(true);
        return;
    }
    entry->name = std::string(name);
    // Recorded before the elements are written, inside the gate, so a revocation never misses them.
    std::string failure;
    std::vector<Eviction> evictions;
    const bool allowed = gate_->learn_if_allowed(name, [&](const PortGrant& grant) {
        for (const auto family : {common::IpFamily::v4, common::IpFamily::v6}) {
            const auto& of_family = timed[family == common::IpFamily::v4 ? 0 : 1];
            if (of_family.empty()) {
                continue;
            }
            if (grant.every_port) {
                add_timed_elements(entry->batch, names::dyn_allow(family), of_family, options_.renewal);
            } else {
                add_timed_ported_elements(entry->batch, names::dyn_port_allow(family),
                                          on_ports(of_family, grant.ports), options_.renewal);
            }
        }
        const Recorded recorded = provenance_->record(
            name, entry->addresses, grant, AddressProvenance::Clock::now() + entry->longest_timeout);
        remove_learned_elements(entry->batch, recorded.removed);
        failure = entry->batch.empty() ? "" : send(*entry);
        evictions = recorded.evictions;
    });
    if (!allowed) {
        ++denied_in_flight_;
        release(false);
        return;
    }
    if (options_.on_eviction) {
        for (const auto& eviction : evictions) {
            options_.on_eviction(eviction);
        }
    }
    if (entry->batch.empty()) {
        release(true);
        return;
    }
    if (!failure.empty()) {
        ++failed_;
        common::log_fields(common::LogLevel::warn, "nftables: adding resolved addresses failed",
                           {{"host", name}, {"error", failure}});
        release(true);
        return;
    }
    entry->release = std::move(release);
    const uint32_t key = entry->batch.begin_seq();
    entry->timer = loop_.run_after(options_.ack_timeout, [this, key] {
        finish(key, "no acknowledgement from the kernel within " +
                        std::to_string(options_.ack_timeout.count()) + " ms");
    });
    in_flight_.emplace(key, std::move(entry));
}

// The kernel applies a batch while it is being sent; its acknowledgements come later.
std::string DynamicAllowWriter::send(InFlight& entry) {
    try {
        socket_.send(entry.batch.finish());
    } catch (const NftError& error) {
        return error.what();
    }
    entry.acks.emplace(entry.batch);
    return "";
}

void DynamicAllowWriter::on_readable() {
    for (;;) {
        const ptrdiff_t received = socket_.receive(receive_buffer_);
        if (received == -EAGAIN || received == -EWOULDBLOCK) {
            return;
        }
        if (received == -EINTR) {
            continue;
        }
        if (received < 0) {
            // ENOBUFS: acknowledgements were dropped; we cannot tell which batches they were for.
            fail_all("reading acknowledgements: " + describe_kernel_error(static_cast<int>(-received)));
            return;
        }
        for_each_netlink_message(
            std::span<const uint8_t>(receive_buffer_.data(), static_cast<size_t>(received)),
            [this](const nlmsghdr& message) { on_ack(message); });
    }
}

void DynamicAllowWriter::on_ack(const nlmsghdr& message) {
    auto owner = in_flight_.upper_bound(message.nlmsg_seq);
    if (owner == in_flight_.begin()) {
        return;
    }
    --owner;
    InFlight& entry = *owner->second;
    if (!entry.acks->owns(message.nlmsg_seq)) {
        return;
    }
    entry.acks->on_ack(message);
    if (entry.acks->complete()) {
        finish(owner->first, entry.acks->failure_summary());
    }
}

void DynamicAllowWriter::finish(uint32_t key, const std::string& failure) {
    const auto found = in_flight_.find(key);
    if (found == in_flight_.end()) {
        return;
    }
    std::unique_ptr<InFlight> entry = std::move(found->second);
    in_flight_.erase(found);
    loop_.cancel_timer(entry->timer);
    if (failure.empty()) {
        ++acknowledged_;
    } else {
        ++failed_;
        common::log_fields(common::LogLevel::warn, "nftables: adding resolved addresses failed",
                           {{"host", entry->name}, {"error", failure}});
    }
    entry->release(true);
}

void DynamicAllowWriter::fail_all(const std::string& failure) {
    while (!in_flight_.empty()) {
        finish(in_flight_.begin()->first, failure);
    }
}

}  // namespace egress::nft
