#include "sidecar/name_revalidator.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <random>
#include <set>

#include "common/fd.hpp"
#include "dns/probe_query.hpp"

namespace egress::sidecar {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uint16_t kQtypeA = 1;
constexpr uint16_t kQtypeAaaa = 28;
constexpr auto kAnswerTimeout = std::chrono::seconds(3);

// The proxy's own address to send to: loopback for a wildcard listener.
common::IpEndpoint reachable(const common::IpEndpoint& listen) {
    if (!listen.address().is_unspecified()) {
        return listen;
    }
    return {common::IpAddress::parse_or_throw(listen.address().is_v4() ? "127.0.0.1" : "::1"), listen.port()};
}

std::set<common::IpAddress> learned_addresses(const nft::AddressProvenance& provenance,
                                              const std::string& name) {
    std::set<common::IpAddress> addresses;
    for (const auto& learned : provenance.learned_for(name, Clock::now())) {
        addresses.insert(learned.address);
    }
    return addresses;
}

}  // namespace

NameRevalidator::NameRevalidator(common::IpEndpoint proxy, RevalidationBudget budget,
                                 std::shared_ptr<const nft::AddressProvenance> provenance,
                                 common::MetricsRegistry& metrics)
    : proxy_(reachable(proxy)),
      budget_(budget),
      provenance_(std::move(provenance)),
      revalidations_(metrics.counter_family(
          "egress_nft_revalidations_total",
          "Names in use asked again in the background because their answer was stale: unchanged, changed "
          "(new addresses learned) or failed (no answer, or not NOERROR).",
          {"result"})),
      skipped_(metrics.counter_family("egress_nft_revalidations_skipped_total",
                                      "Stale names in use not asked again: asked within the per-name "
                                      "interval (name_budget), or the queue was full (rate).",
                                      {"reason"})),
      thread_([this] { run(); }) {}

NameRevalidator::~NameRevalidator() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void NameRevalidator::revalidate(const std::vector<nft::StaleName>& names) {
    const auto now = Clock::now();
    {
        std::lock_guard lock(mutex_);
        for (const auto& name : names) {
            const auto last = last_asked_.find(name.name);
            if (last != last_asked_.end() && now - last->second < budget_.per_name) {
                skipped_.with_labels({"name_budget"}).inc();
            } else if (queue_.size() >= budget_.queued) {
                skipped_.with_labels({"rate"}).inc();
            } else {
                last_asked_[name.name] = now;
                queue_.push_back(name);
            }
        }
        std::erase_if(last_asked_, [&](const auto& entry) { return now - entry.second >= budget_.per_name; });
    }
    wake_.notify_all();
}

// One name at a time, at most per_second of them a second.
void NameRevalidator::run() {
    const auto spacing =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / budget_.per_second));
    auto next_turn = Clock::now();
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (wake_.wait_until(lock, next_turn, [this] { return stopping_; })) {
            return;
        }
        const nft::StaleName name = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        next_turn = Clock::now() + spacing;
        const Outcome outcome = ask(name);
        revalidations_
            .with_labels({outcome == Outcome::changed     ? "changed"
                          : outcome == Outcome::unchanged ? "unchanged"
                                                          : "failed"})
            .inc();
        lock.lock();
    }
}

NameRevalidator::Outcome NameRevalidator::ask(const nft::StaleName& name) {
    const auto before = learned_addresses(*provenance_, name.name);
    bool answered = true;
    if (name.v4) {
        answered = query(name.name, kQtypeA) && answered;
    }
    if (name.v6) {
        answered = query(name.name, kQtypeAaaa) && answered;
    }
    if (!answered) {
        return Outcome::failed;
    }
    // The proxy releases an answer once its addresses are written: they are recorded by now.
    const auto after = learned_addresses(*provenance_, name.name);
    const bool changed = std::any_of(after.begin(), after.end(), [&](const common::IpAddress& address) {
        return !before.contains(address);
    });
    return changed ? Outcome::changed : Outcome::unchanged;
}

// One UDP query to the proxy; whether a NOERROR answer with our id came back in time.
bool NameRevalidator::query(const std::string& name, uint16_t qtype) {
    static thread_local std::mt19937 random{std::random_device{}()};
    const auto id = static_cast<uint16_t>(random());
    std::vector<uint8_t> request;
    try {
        request = dns::build_query(name, qtype, id);
    } catch (const std::invalid_argument&) {
        return false;
    }
    sockaddr_storage address{};
    const socklen_t length = proxy_.to_sockaddr(address);
    const common::UniqueFd socket(::socket(address.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!socket || ::connect(socket.get(), reinterpret_cast<const sockaddr*>(&address), length) != 0 ||
        ::send(socket.get(), request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) {
        return false;
    }
    const auto deadline = Clock::now() + kAnswerTimeout;
    uint8_t answer[1500];
    while (Clock::now() < deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        pollfd readable{socket.get(), POLLIN, 0};
        if (::poll(&readable, 1, static_cast<int>(std::max<int64_t>(left.count(), 1))) != 1) {
            return false;
        }
        const ssize_t received = ::recv(socket.get(), answer, sizeof answer, 0);
        if (received >= 12 && answer[0] == (id >> 8) && answer[1] == (id & 0xff)) {
            return (answer[3] & 0x0f) == 0;  // NOERROR
        }
        if (received < 0) {
            return false;
        }
    }
    return false;
}

}  // namespace egress::sidecar
