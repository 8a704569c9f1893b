#include "nft/use_renewer.hpp"

#include <ctime>

#include "nft/learned_removal.hpp"
#include "nft/nft_batch.hpp"
#include "nft/nft_error.hpp"
#include "nft/ruleset_names.hpp"
#include "nft/set_element_dump.hpp"
#include "nft/set_elements.hpp"
#include "nft/transaction.hpp"

namespace egress::nft {
namespace {

// Keeps each element message well under the kernel's 64 KiB attribute limit.
constexpr size_t kAddressesPerMessage = 256;

std::chrono::microseconds thread_cpu_time() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return std::chrono::seconds(now.tv_sec) +
           std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::nanoseconds(now.tv_nsec));
}

// The elements of one pass, by set.
struct RenewalElements {
    std::vector<TimedAddress> any_port[2];
    std::vector<TimedPortedAddress> on_port[2];

    static size_t index(common::IpFamily family) { return family == common::IpFamily::v4 ? 0 : 1; }

    void add(const common::IpAddress& address, std::string_view owner, const PortGrant& grant,
             std::chrono::seconds timeout) {
        const size_t family = index(address.family());
        if (grant.every_port) {
            any_port[family].push_back({address, timeout, owner});
            return;
        }
        for (const L4Port port : grant.ports) {
            on_port[family].push_back({{address, port}, timeout, owner});
        }
    }

    size_t size() const {
        return any_port[0].size() + any_port[1].size() + on_port[0].size() + on_port[1].size();
    }

    void put_into(NftBatch& batch, TimeoutRenewal renewal) const {
        for (const auto family : {common::IpFamily::v4, common::IpFamily::v6}) {
            const std::span<const TimedAddress> addresses = any_port[index(family)];
            for (size_t start = 0; start < addresses.size(); start += kAddressesPerMessage) {
                add_timed_elements(
                    batch, names::dyn_allow(family),
                    addresses.subspan(start, std::min(kAddressesPerMessage, addresses.size() - start)),
                    renewal);
            }
            if (!on_port[index(family)].empty()) {
                add_timed_ported_elements(batch, names::dyn_port_allow(family), on_port[index(family)],
                                          renewal);
            }
        }
    }
};

}  // namespace

UseRenewer::UseRenewer(std::shared_ptr<AddressProvenance> provenance, std::shared_ptr<LearningGate> gate,
                       UseRenewalOptions options)
    : provenance_(std::move(provenance)),
      gate_(std::move(gate)),
      options_(options),
      socket_(NetlinkSocket::Mode::blocking) {}

UseRenewer::~UseRenewer() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

UseRenewalPass UseRenewer::renew_once() {
    const auto cpu_before = thread_cpu_time();
    std::vector<common::IpAddress> used;
    for (const auto family : {common::IpFamily::v4, common::IpFamily::v6}) {
        for (const auto& listed : list_set_elements(socket_, sequence_, names::dyn_seen(family))) {
            used.push_back(listed.address);
        }
    }
    const auto now = AddressProvenance::Clock::now();
    UseRenewalPass pass;
    pass.marked = used.size();
    provenance_->touch(used);
    // A pass that came late still renews what expired since the last one: the address was used
    // through its element within the marks' window, and the gate still checks its name.
    pass.renewed =
        write_renewals(provenance_->due_for_renewal(used, now - options_.interval, now + options_.tail));
    pass.stale_names = provenance_->stale_names_in_use(used, now, now + options_.interval);
    pass.cpu = thread_cpu_time() - cpu_before;
    return pass;
}

size_t UseRenewer::write_renewals(const std::vector<std::pair<std::string, common::IpAddress>>& due) {
    if (due.empty()) {
        return 0;
    }
    const auto timeout = options_.tail + options_.tail / 2;
    size_t written = 0;
    gate_->learn_under_policy([&](const NameGrantLookup& grant_of) {
        RenewalElements elements;
        const auto expires = AddressProvenance::Clock::now() + timeout;
        Revocation removed;  // none unless the limits shrank: renewals add no address
        for (const auto& [name, address] : due) {
            const PortGrant* grant = grant_of(name);
            if (grant == nullptr) {
                continue;
            }
            elements.add(address, name, *grant, timeout);
            const Recorded recorded =
                provenance_->record(name, std::span(&address, 1), *grant, expires, LearnedFrom::use);
            removed.addresses.insert(removed.addresses.end(), recorded.removed.addresses.begin(),
                                     recorded.removed.addresses.end());
            removed.ported.insert(removed.ported.end(), recorded.removed.ported.begin(),
                                  recorded.removed.ported.end());
        }
        NftBatch batch(sequence_.reserve_block());
        elements.put_into(batch, options_.renewal);
        remove_learned_elements(batch, removed);
        commit(socket_, batch, "renewing learned addresses in use");
        written = elements.size();
    });
    return written;
}

void UseRenewer::start(std::function<void(const UseRenewalPass&)> on_pass,
                       std::function<void(const std::string&)> on_failure) {
    thread_ = std::thread([this, on_pass = std::move(on_pass), on_failure = std::move(on_failure)] {
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, options_.interval, [this] { return stopping_; })) {
            lock.unlock();
            try {
                on_pass(renew_once());
            } catch (const NftError& error) {
                on_failure(error.what());
            }
            lock.lock();
        }
    });
}

}  // namespace egress::nft
