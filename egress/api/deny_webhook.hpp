#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "api/deny_coalescer.hpp"
#include "api/webhook_url.hpp"
#include "common/ip_address.hpp"
#include "common/metrics.hpp"

namespace httplib {
class Client;
}

namespace egress::api {

struct DenyWebhookSettings {
    WebhookUrl url;
    std::string sandbox_id;  // OPENSANDBOX_EGRESS_SANDBOX_ID, the payload's sandboxId
    std::string secret;      // signs the body (X-OpenSandbox-Signature: sha256=<hex>) when set
    std::chrono::milliseconds coalesce_window{10000};
    size_t queue_capacity = 256;
    size_t max_tracked_hosts = 4096;
    int max_attempts = 4;
    std::chrono::milliseconds first_retry_delay{1000};  // doubled after every failed attempt
    std::chrono::milliseconds request_timeout{5000};
    uint32_t socket_mark = 0x1;  // 0: unmarked
};

// Upstream's payload plus count: {"hostname","timestamp","source","sandboxId","count"}.
std::string deny_event_payload(const DenyEvent& event, std::string_view sandbox_id);

// Delivers denied hostnames to OPENSANDBOX_EGRESS_DENY_WEBHOOK from one worker thread: a bounded
// queue fed through a DenyCoalescer, retries of 5xx and transport errors with a doubling delay,
// an interruptible shutdown. notify() never blocks on the network.
class DenyWebhook {
  public:
    // Resolves the webhook host for each attempt (the sidecar's direct, marked lookup).
    using Resolver = std::function<std::vector<common::IpAddress>(const std::string& host)>;

    DenyWebhook(DenyWebhookSettings settings, Resolver resolver, common::MetricsRegistry& metrics);
    ~DenyWebhook();
    DenyWebhook(const DenyWebhook&) = delete;
    DenyWebhook& operator=(const DenyWebhook&) = delete;

    // A denied query name (any case, optional trailing dot); the root name is ignored.
    void notify(std::string_view query_name);
    // Abandons the queue and the delivery in progress; returns once the worker has ended.
    void stop();

  private:
    enum class Outcome { delivered, rejected, retry };

    void run();
    // Waits for the next event to send; nullopt when stopping.
    std::optional<DenyEvent> next_event();
    void enqueue(DenyEvent event);  // with mutex_ held
    void deliver(const DenyEvent& event);
    Outcome attempt(const std::string& body, std::string& failure);
    bool wait_before_retry(std::chrono::milliseconds delay);  // false when stopping

    DenyWebhookSettings settings_;
    Resolver resolver_;
    common::Family<common::Counter>& deliveries_;
    common::Family<common::Counter>& dropped_;
    common::Counter& coalesced_;

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    DenyCoalescer coalescer_;
    std::deque<DenyEvent> queue_;
    httplib::Client* active_client_ = nullptr;  // the request in progress, for stop()
    std::thread worker_;
};

}  // namespace egress::api
