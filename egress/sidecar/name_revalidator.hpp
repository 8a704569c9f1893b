#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/ip_endpoint.hpp"
#include "common/metrics.hpp"
#include "nft/address_provenance.hpp"

namespace egress::sidecar {

// How much background revalidation egress allows itself.
struct RevalidationBudget {
    double per_second = 10;             // names asked again, in all
    std::chrono::seconds per_name{60};  // at most once per name in this time
    size_t queued = 256;                // names waiting for their turn
};

// Asks again, in the background, for names traffic keeps using whose last answer is stale, so
// their current addresses are learned before a client needs them (a changed answer adds the new
// addresses; the old ones stay while used and then age out). Each name is queried through the
// DNS proxy itself, like a client's query: the policy decides, and the answer is learned the same
// way. Within a global rate and a per-name interval; whatever a budget refuses is counted.
// Thread-safe.
class NameRevalidator {
  public:
    NameRevalidator(common::IpEndpoint proxy, RevalidationBudget budget,
                    std::shared_ptr<const nft::AddressProvenance> provenance,
                    common::MetricsRegistry& metrics);
    ~NameRevalidator();
    NameRevalidator(const NameRevalidator&) = delete;
    NameRevalidator& operator=(const NameRevalidator&) = delete;

    void revalidate(const std::vector<nft::StaleName>& names);

  private:
    enum class Outcome { unchanged, changed, failed };

    void run();
    Outcome ask(const nft::StaleName& name);
    bool query(const std::string& name, uint16_t qtype);

    common::IpEndpoint proxy_;
    RevalidationBudget budget_;
    std::shared_ptr<const nft::AddressProvenance> provenance_;
    common::Family<common::Counter>& revalidations_;
    common::Family<common::Counter>& skipped_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<nft::StaleName> queue_;
    std::map<std::string, std::chrono::steady_clock::time_point> last_asked_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace egress::sidecar
