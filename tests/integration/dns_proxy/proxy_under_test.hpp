#pragma once

#include <future>
#include <memory>
#include <string>
#include <thread>

#include "common/event_loop.hpp"
#include "common/metrics.hpp"
#include "dns/proxy_metrics.hpp"
#include "dns/proxy_server.hpp"
#include "dns/query_policy.hpp"
#include "dns/upstream_forwarder.hpp"

namespace egress::dns::testing {

// The DNS proxy and its forwarder running on their own loop thread inside a network namespace,
// so its listeners and upstream sockets live there, as in the sidecar.
class ProxyUnderTest {
  public:
    ProxyUnderTest(std::string netns, ForwarderOptions forwarder_options, ProxyOptions proxy_options,
                   const QueryPolicy& policy, ResolvedAddressHook* hook = nullptr);
    ~ProxyUnderTest();

    std::string metrics_text() const { return registry_.render(); }
    const ProxyMetrics& metrics() const { return *metrics_; }

  private:
    void run(std::promise<void>& started);

    std::string netns_;
    ForwarderOptions forwarder_options_;
    ProxyOptions proxy_options_;
    const QueryPolicy& policy_;
    ResolvedAddressHook* hook_;
    common::MetricsRegistry registry_;
    std::unique_ptr<ProxyMetrics> metrics_;
    common::EventLoop loop_;
    std::thread thread_;
};

}  // namespace egress::dns::testing
