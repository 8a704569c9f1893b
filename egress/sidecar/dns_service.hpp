#pragma once

#include <future>
#include <memory>
#include <thread>

#include "common/event_loop.hpp"
#include "common/metrics.hpp"
#include "dns/proxy_metrics.hpp"
#include "dns/proxy_server.hpp"
#include "dns/query_policy.hpp"
#include "dns/upstream_forwarder.hpp"
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

    void set_resolved_hook(dns::ResolvedAddressHook* hook) { resolved_hook_ = hook; }
    void set_denied_listener(dns::DeniedNameListener listener) { denied_listener_ = std::move(listener); }
    // The loop the proxy runs on, for components that must share it (the nft writer).
    common::EventLoop& loop() { return loop_; }

    // Binds the listeners and starts serving; throws what binding threw.
    void start();
    void stop();

  private:
    void serve(std::promise<void>& started);

    dns::ForwarderOptions forwarder_options_;
    dns::ProxyOptions proxy_options_;
    const policy::SnapshotStore& policies_;
    dns::ProxyMetrics metrics_;
    dns::ResolvedAddressHook* resolved_hook_ = nullptr;
    dns::DeniedNameListener denied_listener_;
    common::EventLoop loop_;
    std::thread thread_;
};

}  // namespace egress::sidecar
