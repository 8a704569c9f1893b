#include "common/otlp_exporter.hpp"

#include <spdlog/spdlog.h>

#include "common/build_info.hpp"
#include "common/http_client.hpp"

namespace common {
namespace {

constexpr auto kWarningInterval = std::chrono::minutes(1);

uint64_t unix_nano_now() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

Family<Counter>& exports_family(MetricsRegistry& registry) {
    return registry.counter_family("otlp_exports_total",
                                   "OTLP metric payloads sent, by result (delivered, rejected, failed).",
                                   {"result"});
}

}  // namespace

OtlpExporter::OtlpExporter(OtlpSettings settings, MetricsRegistry& registry, std::span<const OtlpName> names,
                           std::string scope_version)
    : settings_(std::move(settings)),
      registry_(registry),
      names_(names),
      scope_version_(std::move(scope_version)),
      start_unix_nano_(unix_nano_now()),
      dropped_(registry.counter("otlp_export_dropped_total",
                                "OTLP metric payloads dropped because the collector could not take them.")),
      exports_(exports_family(registry)),
      delivered_(exports_.with_labels({"delivered"})),
      rejected_(exports_.with_labels({"rejected"})),
      failed_(exports_.with_labels({"failed"})) {}

OtlpExporter::~OtlpExporter() {
    stop();
}

void OtlpExporter::start() {
    thread_ = std::thread([this] { run(); });
}

void OtlpExporter::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        if (active_client_ != nullptr) {
            active_client_->cancel();
        }
    }
    wake_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void OtlpExporter::run() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, settings_.interval, [this] { return stopping_; })) {
        lock.unlock();
        const OtlpPayloadContext context{settings_.resource_attributes,
                                         settings_.scope_name,
                                         scope_version_,
                                         names_,
                                         start_unix_nano_,
                                         unix_nano_now()};
        enqueue(encode_otlp_metrics(registry_.snapshot(), context));
        send_pending();
        lock.lock();
    }
}

void OtlpExporter::enqueue(std::string payload) {
    pending_.push_back(std::move(payload));
    while (pending_.size() > settings_.max_pending) {
        pending_.pop_front();
        dropped_.inc();
    }
}

void OtlpExporter::send_pending() {
    while (!pending_.empty()) {
        std::string failure;
        switch (send(pending_.front(), failure)) {
            case SendResult::delivered:
                delivered_.inc();
                pending_.pop_front();
                break;
            case SendResult::rejected:
                // The collector refuses this payload; sending it again would not help.
                rejected_.inc();
                dropped_.inc();
                pending_.pop_front();
                warn_rate_limited(failure);
                break;
            case SendResult::failed:
                failed_.inc();
                warn_rate_limited(failure);
                return;
        }
    }
}

OtlpExporter::SendResult OtlpExporter::send(const std::string& payload, std::string& failure) {
    HttpClient client(settings_.endpoint.host, settings_.endpoint.port,
                      {.connect_timeout = settings_.timeout,
                       .exchange_timeout = settings_.timeout,
                       .socket_mark = settings_.socket_mark});
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            failure = "shutting down";
            return SendResult::failed;
        }
        active_client_ = &client;
    }
    int status = 0;
    try {
        status = client.request("POST", settings_.endpoint.path, {}, payload, "application/json").status;
    } catch (const HttpClientError& error) {
        failure = error.what();
    }
    {
        std::lock_guard lock(mutex_);
        active_client_ = nullptr;
    }
    if (status == 0) {
        return SendResult::failed;
    }
    if (status >= 200 && status < 300) {
        return SendResult::delivered;
    }
    failure = "status " + std::to_string(status);
    const bool retriable = status == 429 || status >= 500;
    return retriable ? SendResult::failed : SendResult::rejected;
}

void OtlpExporter::warn_rate_limited(const std::string& failure) {
    ++failures_since_warning_;
    const auto now = std::chrono::steady_clock::now();
    if (last_warning_ != std::chrono::steady_clock::time_point{} && now - last_warning_ < kWarningInterval) {
        return;
    }
    spdlog::warn("OTLP metrics export to {}{} failed ({} failure(s) since the last warning): {}",
                 settings_.endpoint.origin, settings_.endpoint.path, failures_since_warning_, failure);
    last_warning_ = now;
    failures_since_warning_ = 0;
}

std::unique_ptr<OtlpExporter> start_otlp_export_from_environment(const OtlpIdentity& identity,
                                                                 MetricsRegistry& registry,
                                                                 std::span<const OtlpName> names,
                                                                 uint32_t socket_mark) {
    std::vector<std::string> warnings;
    auto settings = otlp_settings_from_environment(identity, warnings);
    for (const auto& warning : warnings) {
        spdlog::warn("{}", warning);
    }
    if (!settings) {
        return nullptr;
    }
    settings->socket_mark = socket_mark;
    spdlog::info("OTLP metrics export to {}{} every {} ms", settings->endpoint.origin,
                 settings->endpoint.path, settings->interval.count());
    auto exporter = std::make_unique<OtlpExporter>(std::move(*settings), registry, names,
                                                   std::string(build_info().version));
    exporter->start();
    return exporter;
}

}  // namespace common
