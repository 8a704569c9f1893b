#include "api/metrics_api.hpp"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "http/response.hpp"

namespace execd::api {
namespace {

constexpr double kBytesPerMiB = 1024.0 * 1024.0;
constexpr std::string_view kInvalidInterval = "INVALID_QUERY";

// `?interval=` in seconds (decimals allowed), within the API's bounds; nullopt when it is not.
std::optional<std::chrono::milliseconds> parse_interval(std::string_view text) {
    double seconds = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(seconds)) {
        return std::nullopt;
    }
    const auto interval = std::chrono::milliseconds(std::llround(seconds * 1000));
    if (interval < MetricsApi::kMinInterval || interval > MetricsApi::kMaxInterval) {
        return std::nullopt;
    }
    return interval;
}

http::ResponseHead watch_head() {
    http::ResponseHead head;
    head.headers = {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}};
    return head;
}

}  // namespace

std::string metrics_json(const common::ResourceSnapshot& snapshot) {
    nlohmann::ordered_json body;
    body["cpu_count"] = snapshot.cpu_count;
    body["cpu_used_pct"] = snapshot.cpu_used_percent;
    body["mem_total_mib"] = static_cast<double>(snapshot.memory_total_bytes) / kBytesPerMiB;
    body["mem_used_mib"] = static_cast<double>(snapshot.memory_used_bytes) / kBytesPerMiB;
    body["timestamp"] = snapshot.unix_ms;
    return body.dump();
}

struct MetricsApi::Watch {
    std::shared_ptr<Shared> shared;
    std::shared_ptr<http::ResponseChannel> channel;
    std::chrono::milliseconds interval;
};

MetricsApi::MetricsApi(const common::ResourceSampler& sampler, common::EventLoop& loop)
    : shared_(std::make_shared<Shared>(sampler, loop)) {}

void MetricsApi::register_routes(http::Router& router) {
    using namespace std::placeholders;
    router.add("GET", "/metrics", std::bind(&MetricsApi::metrics, this, _1, _2));
    router.add("GET", "/metrics/watch", std::bind(&MetricsApi::watch, this, _1, _2));
}

void MetricsApi::metrics(http::Request&, std::shared_ptr<http::ResponseChannel> channel) {
    channel->respond(http::json_response(200, metrics_json(shared_->sampler.latest())));
}

void MetricsApi::watch(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    auto interval = std::optional<std::chrono::milliseconds>(std::chrono::seconds(1));
    if (const auto text = request.query_param("interval")) {
        interval = parse_interval(*text);
    }
    if (!interval) {
        channel->respond(http::json_error(400, kInvalidInterval,
                                          "interval must be a number of seconds between 0.1 and 3600"));
        return;
    }
    channel->start(watch_head());
    auto watch = std::make_shared<Watch>(Watch{shared_, std::move(channel), *interval});
    shared_->loop.post([watch] { send_and_rearm(watch); });
}

// Runs on the loop: one object per tick, ending when the client left or execd is stopping.
void MetricsApi::send_and_rearm(const std::shared_ptr<Watch>& watch) {
    if (watch->shared->stopping || watch->channel->peer_gone()) {
        watch->channel->finish();
        return;
    }
    watch->channel->write(metrics_json(watch->shared->sampler.latest()) + "\n\n");
    watch->shared->loop.run_after(watch->interval, [watch] { send_and_rearm(watch); });
}

}  // namespace execd::api
