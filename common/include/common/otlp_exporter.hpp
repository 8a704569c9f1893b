#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>

#include "common/metrics.hpp"
#include "common/otlp_json.hpp"
#include "common/otlp_settings.hpp"

namespace common {

class HttpClient;

// Pushes the registry's metrics to an OTLP/HTTP collector from its own thread, every interval. Each
// interval's payload joins a bounded queue that is sent oldest first; while the collector is unreachable
// payloads wait there, and when the queue is full the oldest is dropped and counted in
// otlp_export_dropped_total. Failures log one warning per minute at most. Nothing here runs on a caller's
// thread except start() and stop().
class OtlpExporter {
  public:
    // `names` must outlive the exporter. Registers otlp_export_dropped_total and otlp_exports_total{result}.
    OtlpExporter(OtlpSettings settings, MetricsRegistry& registry, std::span<const OtlpName> names,
                 std::string scope_version);
    ~OtlpExporter();
    OtlpExporter(const OtlpExporter&) = delete;
    OtlpExporter& operator=(const OtlpExporter&) = delete;

    void start();
    // Interrupts a send in progress and joins the thread; pending payloads are discarded.
    void stop();

  private:
    enum class SendResult { delivered, rejected, failed };

    void run();
    void enqueue(std::string payload);
    void send_pending();
    SendResult send(const std::string& payload, std::string& failure);
    void warn_rate_limited(const std::string& failure);

    const OtlpSettings settings_;
    MetricsRegistry& registry_;
    const std::span<const OtlpName> names_;
    const std::string scope_version_;
    const uint64_t start_unix_nano_;
    Counter& dropped_;
    Family<Counter>& exports_;
    Counter& delivered_;
    Counter& rejected_;
    Counter& failed_;

    std::deque<std::string> pending_;  // exporter thread only

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    HttpClient* active_client_ = nullptr;

    std::chrono::steady_clock::time_point last_warning_{};
    uint64_t failures_since_warning_ = 0;
    std::thread thread_;
};

// Reads the settings from the environment (otlp_settings_from_environment), logs their warnings and, when
// an endpoint is configured, starts an exporter whose sockets carry `socket_mark` (0: none). Null when
// export is disabled.
std::unique_ptr<OtlpExporter> start_otlp_export_from_environment(const OtlpIdentity& identity,
                                                                 MetricsRegistry& registry,
                                                                 std::span<const OtlpName> names,
                                                                 uint32_t socket_mark = 0);

}  // namespace common
