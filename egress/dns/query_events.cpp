#include "dns/query_events.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <string>

#include "common/log.hpp"
#include "dns/answer.hpp"

namespace egress::dns {
namespace {

constexpr std::string_view kOutboundEvent = "egress.outbound";
constexpr std::string_view kOutboundMessage = "egress outbound";

struct HostEventKind {
    std::string_view name;
    std::string_view message;
    common::LogLevel level;
};

constexpr std::array kHostEventKinds{
    HostEventKind{"egress.denied", "egress denied", common::LogLevel::warn},
    HostEventKind{"egress.would_deny", "egress would deny", common::LogLevel::info},
};

const HostEventKind& kind_of(QueryEvents::HostEvent event) {
    return kHostEventKinds[static_cast<size_t>(event)];
}

// ["198.51.100.10","2001:db8::1"], or empty when the answer carries no address.
std::string address_list_json(std::span<const uint8_t> answer) {
    const UpstreamAnswer parsed = read_answer(answer);
    if (parsed.addresses.empty()) {
        return {};
    }
    std::string json = "[";
    for (const ResolvedAddress& resolved : parsed.addresses) {
        if (json.size() > 1) {
            json += ',';
        }
        common::append_json_string(json, resolved.address.to_string());
    }
    json += ']';
    return json;
}

common::Counter& suppressed_counter(common::Family<common::Counter>& family, std::string_view event) {
    return family.with_labels({std::string(event)});
}

}  // namespace

QueryEvents::QueryEvents(size_t lines_per_second, common::Family<common::Counter>& suppressed)
    : lines_per_second_(lines_per_second),
      outbound_budget_("egress.outbound lines", lines_per_second,
                       &suppressed_counter(suppressed, kOutboundEvent)),
      outbound_error_budget_("egress.outbound error lines", lines_per_second,
                             &suppressed_counter(suppressed, kOutboundEvent)) {
    for (const HostEventKind& kind : kHostEventKinds) {
        host_event_budgets_.emplace_back(std::string(kind.name) + " lines", lines_per_second,
                                         &suppressed_counter(suppressed, kind.name));
    }
}

bool QueryEvents::enabled(common::LogLevel level) const {
    return lines_per_second_ != 0 && spdlog::default_logger_raw()->should_log(level);
}

void QueryEvents::outbound(std::string_view host, std::span<const uint8_t> answer) {
    if (!enabled(common::LogLevel::info) || log_skip_.matches(host) || !outbound_budget_.take()) {
        return;
    }
    const std::string addresses = address_list_json(answer);
    std::array<common::LogField, 3> fields{common::LogField(common::kLogEventKey, kOutboundEvent),
                                           common::LogField("target.host", host),
                                           common::LogField::raw_json("target.ips", addresses)};
    const size_t count = addresses.empty() ? 2 : 3;
    common::log_fields(common::LogLevel::info, kOutboundMessage, std::span(fields.data(), count));
}

void QueryEvents::outbound_failed(std::string_view host, std::string_view error) {
    if (!enabled(common::LogLevel::info) || !outbound_error_budget_.take()) {
        return;
    }
    common::log_fields(common::LogLevel::info, kOutboundMessage,
                       {{common::kLogEventKey, kOutboundEvent}, {"target.host", host}, {"error", error}});
}

void QueryEvents::host_event(HostEvent event, std::string_view host, std::string_view guard_limit) {
    const HostEventKind& kind = kind_of(event);
    if (!enabled(kind.level) || !host_event_budgets_[static_cast<size_t>(event)].take()) {
        return;
    }
    const std::array<common::LogField, 3> fields{common::LogField(common::kLogEventKey, kind.name),
                                                 common::LogField("target.host", host),
                                                 common::LogField("guard", guard_limit)};
    common::log_fields(kind.level, kind.message, std::span(fields.data(), guard_limit.empty() ? 2 : 3));
}

}  // namespace egress::dns
