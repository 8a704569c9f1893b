#include "api/deny_webhook.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>

#include "api/hmac_signature.hpp"
#include "policy/text.hpp"

namespace egress::api {
namespace {

constexpr const char* kSource = "opensandbox-egress";
constexpr const char* kSignatureHeader = "X-OpenSandbox-Signature";

std::string rfc3339_utc(std::chrono::system_clock::time_point time) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

// Upstream's normalisation: lowercase, one trailing dot dropped.
std::string hostname_of(std::string_view query_name) {
    if (query_name.ends_with('.')) {
        query_name.remove_suffix(1);
    }
    return policy::to_lower_ascii(query_name);
}

}  // namespace

std::string deny_event_payload(const DenyEvent& event, std::string_view sandbox_id) {
    nlohmann::ordered_json document;
    document["hostname"] = event.hostname;
    document["timestamp"] = rfc3339_utc(event.timestamp);
    document["source"] = kSource;
    document["sandboxId"] = sandbox_id;
    document["count"] = event.count;
    return document.dump();
}

DenyWebhook::DenyWebhook(DenyWebhookSettings settings, Resolver resolver, common::MetricsRegistry& metrics)
    : settings_(std::move(settings)),
      resolver_(std::move(resolver)),
      deliveries_(metrics.counter_family(
          "egress_webhook_deliveries_total",
          "Deny-webhook notifications by result (delivered, rejected, failed).", {"result"})),
      dropped_(metrics.counter_family("egress_webhook_dropped_total",
                                      "Denied hostnames not notified, by reason.", {"reason"})),
      coalesced_(metrics.counter("egress_webhook_coalesced_total",
                                 "Denials folded into a later notification of the same hostname.")),
      coalescer_(settings_.coalesce_window, settings_.max_tracked_hosts),
      worker_([this] { run(); }) {}

DenyWebhook::~DenyWebhook() {
    stop();
}

void DenyWebhook::notify(std::string_view query_name) {
    std::string hostname = hostname_of(query_name);
    if (hostname.empty()) {
        return;
    }
    std::lock_guard lock(mutex_);
    if (stopping_) {
        return;
    }
    auto admission = coalescer_.add(hostname, DenyCoalescer::Clock::now(), std::chrono::system_clock::now());
    if (admission.dropped) {
        dropped_.with_labels({"too_many_hosts"}).inc();
    } else if (admission.deliver_now) {
        enqueue(std::move(*admission.deliver_now));
    } else {
        coalesced_.inc();
        return;  // the worker wakes for it when the window closes
    }
    wake_.notify_one();
}

void DenyWebhook::enqueue(DenyEvent event) {
    if (queue_.size() >= settings_.queue_capacity) {
        dropped_.with_labels({"queue_full"}).inc();
        spdlog::warn("[webhook] deny-event queue full; dropping hostname {}", event.hostname);
        return;
    }
    queue_.push_back(std::move(event));
}

void DenyWebhook::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !worker_.joinable()) {
            return;
        }
        stopping_ = true;
        if (active_client_ != nullptr) {
            active_client_->stop();
        }
        if (!queue_.empty()) {
            dropped_.with_labels({"shutdown"}).inc(queue_.size());
            spdlog::warn("[webhook] shutting down with {} undelivered notification(s)", queue_.size());
            queue_.clear();
        }
    }
    wake_.notify_all();
    if (worker_.joinable()) {
        worker_.join();
    }
}

void DenyWebhook::run() {
    while (auto event = next_event()) {
        deliver(*event);
    }
}

std::optional<DenyEvent> DenyWebhook::next_event() {
    std::unique_lock lock(mutex_);
    for (;;) {
        if (stopping_) {
            return std::nullopt;
        }
        for (auto& due : coalescer_.take_due(DenyCoalescer::Clock::now())) {
            enqueue(std::move(due));
        }
        if (!queue_.empty()) {
            DenyEvent event = std::move(queue_.front());
            queue_.pop_front();
            return event;
        }
        if (const auto due = coalescer_.next_due()) {
            wake_.wait_until(lock, *due);
        } else {
            wake_.wait(lock);
        }
    }
}

void DenyWebhook::deliver(const DenyEvent& event) {
    const std::string body = deny_event_payload(event, settings_.sandbox_id);
    std::string failure;
    auto delay = settings_.first_retry_delay;
    for (int attempt_number = 1; attempt_number <= settings_.max_attempts; ++attempt_number) {
        switch (attempt(body, failure)) {
            case Outcome::delivered:
                deliveries_.with_labels({"delivered"}).inc();
                return;
            case Outcome::rejected:
                deliveries_.with_labels({"rejected"}).inc();
                spdlog::warn("[webhook] non-retriable {} for hostname {}", failure, event.hostname);
                return;
            case Outcome::retry:
                break;
        }
        if (attempt_number == settings_.max_attempts || !wait_before_retry(delay)) {
            break;
        }
        delay *= 2;
    }
    deliveries_.with_labels({"failed"}).inc();
    spdlog::warn("[webhook] failed to notify hostname {} after retries: {}", event.hostname, failure);
}

DenyWebhook::Outcome DenyWebhook::attempt(const std::string& body, std::string& failure) {
    std::vector<common::IpAddress> addresses;
    try {
        addresses = resolver_(settings_.url.host);
    } catch (const std::exception& error) {
        failure = error.what();
        return Outcome::retry;
    }
    httplib::Client client(settings_.url.origin());
    client.set_hostname_addr_map({{settings_.url.host, addresses.front().to_string()}});
    client.set_connection_timeout(settings_.request_timeout);
    client.set_read_timeout(settings_.request_timeout);
    client.set_write_timeout(settings_.request_timeout);
    if (const uint32_t mark = settings_.socket_mark; mark != 0) {
        client.set_socket_options(
            [mark](socket_t socket_fd) { setsockopt(socket_fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark); });
    }
    httplib::Headers headers;
    if (!settings_.secret.empty()) {
        headers.emplace(kSignatureHeader, "sha256=" + hmac_sha256_hex(settings_.secret, body));
    }
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            failure = "shutting down";
            return Outcome::retry;
        }
        active_client_ = &client;
    }
    auto result = client.Post(settings_.url.path, headers, body, "application/json");
    {
        std::lock_guard lock(mutex_);
        active_client_ = nullptr;
    }
    if (!result) {
        failure = httplib::to_string(result.error());
        return Outcome::retry;
    }
    if (result->status < 300) {
        return Outcome::delivered;
    }
    failure = "status " + std::to_string(result->status);
    return result->status < 500 ? Outcome::rejected : Outcome::retry;
}

bool DenyWebhook::wait_before_retry(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, delay, [this] { return stopping_; });
}

}  // namespace egress::api
