#include "sidecar/dns_service.hpp"

#include <spdlog/spdlog.h>

#include "dns/log_skip_list.hpp"
#include "dns/snapshot_query_policy.hpp"

namespace egress::sidecar {
namespace {

dns::ForwarderOptions forwarder_options(const EgressConfig& config) {
    dns::ForwarderOptions options;
    options.upstreams = config.dns_upstreams;
    options.unmarked_upstreams = config.nameserver_exempt;
    options.socket_mark = config.socket_mark;
    options.timeout = config.dns_upstream_timeout;
    options.probe_interval = config.dns_probe_interval;
    options.probe_timeout = std::min(config.dns_upstream_timeout, std::chrono::milliseconds(2000));
    options.probe_name = config.dns_probe_name;
    return options;
}

// Read once the listeners are bound, as upstream does; a bad file stops the start.
void apply_log_skip_file(dns::DnsProxy& proxy, const std::filesystem::path& path) {
    auto list = dns::load_log_skip_file(path);
    if (!list) {
        return;
    }
    spdlog::info("loaded {} outbound log skip pattern(s) from {}", list->size(), path.string());
    proxy.set_log_skip(std::move(*list));
}

}  // namespace

DnsService::DnsService(const EgressConfig& config, const policy::SnapshotStore& policies,
                       common::MetricsRegistry& metrics)
    : forwarder_options_(forwarder_options(config)),
      log_skip_file_(config.always_rules_dir / "log_skip.always"),
      policies_(policies),
      metrics_(metrics) {
    proxy_options_.listen = config.dns_listen;
    proxy_options_.event_lines_per_second = config.event_lines_per_second;
}

DnsService::~DnsService() {
    stop();
}

void DnsService::start() {
    std::promise<void> started;
    auto ready = started.get_future();
    thread_ = std::thread([this, &started] { serve(started); });
    try {
        ready.get();
    } catch (...) {
        thread_.join();
        throw;
    }
}

void DnsService::stop() {
    if (thread_.joinable()) {
        loop_.stop();
        thread_.join();
    }
}

bool DnsService::answers_within(std::chrono::milliseconds limit) {
    auto answered = std::make_shared<std::promise<void>>();
    auto answer = answered->get_future();
    if (!loop_.post([answered] { answered->set_value(); })) {
        return false;
    }
    return answer.wait_for(limit) == std::future_status::ready;
}

void DnsService::serve(std::promise<void>& started) {
    dns::SnapshotQueryPolicy policy(policies_, new_name_budget_, denied_names_);
    std::unique_ptr<dns::ResolvedAddressHook> hook;
    std::unique_ptr<dns::UpstreamForwarder> forwarder;
    std::unique_ptr<dns::DnsProxy> proxy;
    try {
        if (hook_factory_) {
            hook = hook_factory_(loop_);
        }
        forwarder = std::make_unique<dns::UpstreamForwarder>(loop_, forwarder_options_);
        proxy = std::make_unique<dns::DnsProxy>(loop_, proxy_options_, policy, *forwarder, metrics_);
        proxy->set_resolved_hook(hook.get());
        proxy->set_denied_listener(denied_listener_);
        proxy->start();
        listener_fds_ = proxy->listener_fds();
        proxy_ = proxy.get();
        apply_log_skip_file(*proxy, log_skip_file_);
        forwarder->start_probes();
    } catch (...) {
        started.set_exception(std::current_exception());
        return;
    }
    started.set_value();
    loop_.run();
    proxy_ = nullptr;
}

void DnsService::drain(std::chrono::milliseconds limit) {
    if (!thread_.joinable()) {
        return;
    }
    const auto deadline = std::chrono::steady_clock::now() + limit;
    loop_.post([this] { proxy_->stop_listening(); });
    while (std::chrono::steady_clock::now() < deadline) {
        auto owed = std::make_shared<std::promise<size_t>>();
        auto answer = owed->get_future();
        if (!loop_.post([this, owed] { owed->set_value(proxy_->in_flight()); }) ||
            answer.wait_until(deadline) != std::future_status::ready || answer.get() == 0) {
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

}  // namespace egress::sidecar
