#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "dns/log_budget.hpp"
#include "dns/log_skip_list.hpp"

namespace egress::dns {

// Structured log events about single queries, each kind rate-limited on its own budget:
//   egress.outbound  info  "egress outbound"  target.host, target.ips (A/AAAA, when any) | error
//   egress.denied    warn  "egress denied"    target.host [, guard]
//   egress.would_deny  info  "egress would deny"  target.host [, guard] (audit: let through, would
//                    be denied); guard: the wildcard guard's limit, when it decided
// Lines past a budget are counted in `suppressed` ({event} label) and summarised once a second;
// a skipped line costs no allocation. Runs on the proxy's loop thread only.
class QueryEvents {
  public:
    // Events named by a host alone; a new kind (say egress.would_deny) is one more entry here and in
    // the table in query_events.cpp, and one call of host_event().
    enum class HostEvent : uint8_t { denied, would_deny };

    // `lines_per_second` per kind; 0 writes no per-query event at all.
    QueryEvents(size_t lines_per_second, common::Family<common::Counter>& suppressed);

    // Successful `egress.outbound` lines for hosts on this list are left out.
    void set_log_skip(LogSkipList list) { log_skip_ = std::move(list); }

    // An allowed query was answered by an upstream with `answer`.
    void outbound(std::string_view host, std::span<const uint8_t> answer);
    // An allowed query could not be forwarded: every upstream failed with `error`.
    void outbound_failed(std::string_view host, std::string_view error);
    void host_event(HostEvent event, std::string_view host, std::string_view guard_limit = {});

  private:
    bool enabled(common::LogLevel level) const;

    size_t lines_per_second_;
    LogSkipList log_skip_;
    LogBudget outbound_budget_;
    LogBudget outbound_error_budget_;
    std::vector<LogBudget> host_event_budgets_;  // by HostEvent
};

}  // namespace egress::dns
