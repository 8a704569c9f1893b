#pragma once

#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <thread>

#include "common/event_loop.hpp"
#include "common/metrics.hpp"
#include "dns/new_name_budget.hpp"
#include "dns/proxy_metrics.hpp"
#include "dns/proxy_server.hpp"
#include "dns/query_policy.hpp"
#include "dns/upstream_forwarder.hpp"
#include "policy/denial_tally.hpp"
#include "policy/snapshot_store.hpp"
#include "sidecar/config.hpp"

namespace egress::sidecar {

// The DNS proxy on its own event-loop thread: judged by the newest policy snapshot, forwarding
// through the marked upstream client. start() returns once the listeners are bound.
class DnsService {
  public:
    DnsService(const EgressConfig& config, const policy::SnapshotStore& policies,
               common::MetricsRegistry& metrics);
    ~DnsService();
    DnsService(const DnsService&) = delete;
    DnsService& operator=(const DnsService&) = delete;

    // Builds the resolved-address hook on the loop thread (the nft writer must live there).
    using HookFactory = std::function<std::unique_ptr<dns::ResolvedAddressHook>(common::EventLoop&)>;
    void set_resolved_hook_factory(HookFactory factory) { hook_factory_ = std::move(factory); }
    void set_denied_listener(dns::DeniedNameListener listener) { denied_listener_ = std::move(listener); }
    // Where denied and would-deny names are noted for stats and suggestions (set before start).
    void set_denied_names(policy::DenialTally* denied) { denied_names_ = denied; }
    // Listeners to take over instead of binding (set before start).
    void adopt_listeners_with(std::function<common::UniqueFd(const common::IpEndpoint&, int type)> adopt) {
        proxy_options_.adopt_listener = std::move(adopt);
    }
    // Binds the listeners and starts serving; throws what binding threw.
    void start();
    // Stops taking queries and waits, at most `limit`, for the answers still owed to go out.
    void drain(std::chrono::milliseconds limit);
    // The listeners' descriptors once started (UDP then TCP), valid until stop().
    const std::vector<int>& listener_fds() const { return listener_fds_; }
    void stop();
    // True when the proxy's loop runs a task posted now within `limit` (any thread).
    bool answers_within(std::chrono::milliseconds limit);
    // egress_log_events_suppressed_total, for the events other parts of the sidecar log.
    common::Family<common::Counter>& log_events_suppressed() { return metrics_.log_events_suppressed; }

  private:
    void serve(std::promise<void>& started);

    dns::ForwarderOptions forwarder_options_;
    dns::ProxyOptions proxy_options_;
    std::filesystem::path log_skip_file_;
    const policy::SnapshotStore& policies_;
    dns::ProxyMetrics metrics_;
    HookFactory hook_factory_;
    dns::DeniedNameListener denied_listener_;
    policy::DenialTally* denied_names_ = nullptr;
    dns::NewNameBudget new_name_budget_;  // shared by the loop threads
    std::vector<int> listener_fds_;
    dns::DnsProxy* proxy_ = nullptr;  // used on the loop thread only
    common::EventLoop loop_;
    std::thread thread_;
};

}  // namespace egress::sidecar
