#include "dns/upstream_forwarder.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include "dns/answer.hpp"
#include "dns/ares_form_error.hpp"
#include "dns/probe_query.hpp"

namespace egress::dns {
namespace {

constexpr size_t kUpstreamBatchSize = 32;  // queries per sendmmsg, answers per recvmmsg
constexpr uint8_t kRcodeNoError = 0;
constexpr uint8_t kRcodeNameError = 3;

bool is_truncated(const unsigned char* answer, int length) {
    constexpr uint8_t kTruncatedFlag = 0x02;  // TC, in the third header byte
    return length >= 3 && (answer[2] & kTruncatedFlag) != 0;
}

bool is_unmarked(const ForwarderOptions& options, const common::IpEndpoint& upstream) {
    const auto& list = options.unmarked_upstreams;
    return std::find(list.begin(), list.end(), upstream.address()) != list.end();
}

}  // namespace

struct UpstreamForwarder::Attempt {
    UpstreamForwarder* forwarder;
    std::vector<uint8_t> query;
    uint16_t client_id;
    Transport transport;
    std::vector<size_t> order;
    size_t next = 0;
    std::string last_error;
    Completion completion;
};

struct UpstreamForwarder::Probe {
    UpstreamForwarder* forwarder;
    size_t upstream_index;
};

UpstreamForwarder::UpstreamForwarder(common::EventLoop& loop, ForwarderOptions options)
    : loop_(loop),
      options_(std::move(options)),
      udp_batching_(kUpstreamBatchSize),
      burst_hooks_{[this] { begin_burst(); }, [this] { end_burst(); }},
      probe_query_(build_probe_query(options_.probe_name)) {
    if (options_.upstreams.empty()) {
        throw std::invalid_argument("no DNS upstream configured");
    }
    for (const auto& endpoint : options_.upstreams) {
        auto upstream = std::make_unique<Upstream>(Upstream{endpoint, nullptr, nullptr, nullptr, true});
        AresChannel::Options channel = channel_options(endpoint);
        upstream->udp = std::make_unique<AresChannel>(loop_, channel);
        channel.timeout = std::min(options_.timeout, options_.probe_timeout);
        upstream->probe = std::make_unique<AresChannel>(loop_, channel);
        channel = channel_options(endpoint);
        channel.use_tcp = true;
        channel.udp_batching = nullptr;
        upstream->tcp = std::make_unique<AresChannel>(loop_, channel);
        upstreams_.push_back(std::move(upstream));
    }
}

UpstreamForwarder::~UpstreamForwarder() {
    shutting_down_ = true;
    if (probe_timer_) {
        loop_.cancel_timer(*probe_timer_);
    }
    upstreams_.clear();  // destroying channels completes their queries with ARES_EDESTRUCTION
}

void UpstreamForwarder::forward(std::span<const uint8_t> query, Transport transport, Completion completion) {
    auto attempt = std::make_unique<Attempt>();
    attempt->forwarder = this;
    attempt->query.assign(query.begin(), query.end());
    attempt->client_id = query.size() >= 2 ? static_cast<uint16_t>(query[0] << 8 | query[1]) : 0;
    attempt->transport = transport;
    attempt->order = attempt_order();
    attempt->completion = std::move(completion);
    try_next(std::move(attempt));
}

std::vector<size_t> UpstreamForwarder::attempt_order() const {
    std::vector<size_t> order;
    for (size_t i = 0; i < upstreams_.size(); ++i) {
        if (upstreams_[i]->healthy) {
            order.push_back(i);
        }
    }
    if (order.empty()) {  // nobody answered the probes: try everyone rather than no one
        for (size_t i = 0; i < upstreams_.size(); ++i) {
            order.push_back(i);
        }
    }
    return order;
}

void UpstreamForwarder::try_next(std::unique_ptr<Attempt> attempt) {
    if (attempt->next >= attempt->order.size()) {
        ForwardResult failed{false, {}, attempt->last_error};
        attempt->completion(std::move(failed));
        return;
    }
    Upstream& upstream = *upstreams_[attempt->order[attempt->next++]];
    AresChannel& channel = attempt->transport == Transport::tcp ? *upstream.tcp : *upstream.udp;
    std::span<const uint8_t> query = attempt->query;
    channel.send(query, &UpstreamForwarder::on_answer, attempt.release());
}

void UpstreamForwarder::on_answer(void* argument, int status, int /*timeouts*/, unsigned char* answer,
                                  int length) {
    std::unique_ptr<Attempt> attempt(static_cast<Attempt*>(argument));
    UpstreamForwarder& self = *attempt->forwarder;
    if (self.shutting_down_ || status == ARES_EDESTRUCTION) {
        return;
    }
    Upstream& upstream = *self.upstreams_[attempt->order[attempt->next - 1]];
    if (status != ARES_SUCCESS) {
        if (status == ARES_ETIMEOUT) {
            upstream.healthy = false;  // until a probe says otherwise
        }
        const std::string reason = status == ARES_ECONNREFUSED && !upstream.udp->mark_error().empty()
                                       ? upstream.udp->mark_error()
                                       : ares_strerror(status);
        attempt->last_error = upstream.endpoint.to_string() + ": " + reason;
        self.try_next(std::move(attempt));
        return;
    }
    if (attempt->transport == Transport::udp && is_truncated(answer, length)) {
        attempt->transport = Transport::tcp;  // the same upstream again, over TCP
        const std::span<const uint8_t> query = attempt->query;
        upstream.tcp->send(query, &UpstreamForwarder::on_answer, attempt.release());
        return;
    }
    const uint8_t rcode = revealed_rcode(std::span(answer, static_cast<size_t>(length)));
    if (rcode != kRcodeNoError && rcode != kRcodeNameError) {
        attempt->last_error = upstream.endpoint.to_string() + ": answered rcode " + std::to_string(rcode);
        self.try_next(std::move(attempt));
        return;
    }
    ForwardResult result{true, std::vector<uint8_t>(answer, answer + length), {}};
    set_message_id(result.answer, attempt->client_id);
    attempt->completion(std::move(result));
}

AresChannel::Options UpstreamForwarder::channel_options(const common::IpEndpoint& endpoint) {
    const auto mark = is_unmarked(options_, endpoint) ? std::nullopt : options_.socket_mark;
    return AresChannel::Options{endpoint, false, options_.timeout, mark, &burst_hooks_, &udp_batching_};
}

// Queries c-ares re-sends while it handles a burst (after an error, say) leave together at its end.
void UpstreamForwarder::begin_burst() {
    udp_batching_.sends().hold();
    if (owner_hooks_.before) {
        owner_hooks_.before();
    }
}

void UpstreamForwarder::end_burst() {
    if (owner_hooks_.after) {
        owner_hooks_.after();
    }
    udp_batching_.sends().release();
}

void UpstreamForwarder::start_probes() {
    run_probe_round();
}

void UpstreamForwarder::run_probe_round() {
    for (size_t i = 0; i < upstreams_.size(); ++i) {
        auto probe = std::make_unique<Probe>(Probe{this, i});
        upstreams_[i]->probe->send(probe_query_, &UpstreamForwarder::on_probe_answer, probe.release());
    }
    probe_timer_ = loop_.run_after(options_.probe_interval, [this] { run_probe_round(); });
}

// Healthy only when the upstream answers the way forwarding accepts: NOERROR or NXDOMAIN.
void UpstreamForwarder::on_probe_answer(void* argument, int status, int /*timeouts*/, unsigned char* answer,
                                        int length) {
    std::unique_ptr<Probe> probe(static_cast<Probe*>(argument));
    UpstreamForwarder& self = *probe->forwarder;
    if (self.shutting_down_ || status == ARES_EDESTRUCTION) {
        return;
    }
    Upstream& upstream = *self.upstreams_[probe->upstream_index];
    if (status != ARES_SUCCESS) {
        self.set_probed_health(upstream, false, ares_strerror(status));
        return;
    }
    const uint8_t rcode = revealed_rcode(std::span(answer, static_cast<size_t>(length)));
    const bool accepted = rcode == kRcodeNoError || rcode == kRcodeNameError;
    self.set_probed_health(upstream, accepted, accepted ? "" : "answered rcode " + std::to_string(rcode));
}

// Logs changes only: a probe round every few seconds must not repeat the same line.
void UpstreamForwarder::set_probed_health(Upstream& upstream, bool healthy, std::string_view failure) {
    if (upstream.healthy && !healthy) {
        spdlog::error("[dns] upstream probe {} failed: {}", upstream.endpoint.to_string(), failure);
    } else if (!upstream.healthy && healthy) {
        spdlog::info("[dns] upstream {} is healthy again", upstream.endpoint.to_string());
    }
    upstream.healthy = healthy;
}

}  // namespace egress::dns
