#include "proxy_under_test.hpp"

#include "harness/netns_scope.hpp"

namespace egress::dns::testing {

ProxyUnderTest::ProxyUnderTest(std::string netns, ForwarderOptions forwarder_options,
                               ProxyOptions proxy_options, const QueryPolicy& policy,
                               ResolvedAddressHook* hook)
    : netns_(std::move(netns)),
      forwarder_options_(std::move(forwarder_options)),
      proxy_options_(std::move(proxy_options)),
      policy_(policy),
      hook_(hook),
      metrics_(std::make_unique<ProxyMetrics>(registry_)) {
    std::promise<void> started;
    auto ready = started.get_future();
    thread_ = std::thread([this, &started] { run(started); });
    try {
        ready.get();
    } catch (...) {
        thread_.join();
        throw;
    }
}

ProxyUnderTest::~ProxyUnderTest() {
    loop_.stop();
    thread_.join();
}

void ProxyUnderTest::run(std::promise<void>& started) {
    std::unique_ptr<UpstreamForwarder> forwarder;
    std::unique_ptr<DnsProxy> proxy;
    bool running = false;
    try {
        harness::NetnsScope inside(netns_);
        forwarder = std::make_unique<UpstreamForwarder>(loop_, forwarder_options_);
        proxy = std::make_unique<DnsProxy>(loop_, proxy_options_, policy_, *forwarder, *metrics_);
        proxy->set_resolved_hook(hook_);
        proxy->start();
        forwarder->start_probes();
        started.set_value();
        running = true;
        loop_.run();
        proxy.reset();
        forwarder.reset();
    } catch (...) {
        if (running) {
            throw;  // a failure while serving is a bug: let it terminate the test binary loudly
        }
        started.set_exception(std::current_exception());
    }
}

}  // namespace egress::dns::testing
