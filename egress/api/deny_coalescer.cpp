#include "api/deny_coalescer.hpp"

namespace egress::api {

DenyCoalescer::DenyCoalescer(std::chrono::milliseconds window, size_t max_hosts)
    : window_(window), max_hosts_(max_hosts) {}

DenyCoalescer::Admission DenyCoalescer::add(const std::string& hostname, Clock::time_point now,
                                            std::chrono::system_clock::time_point wall) {
    if (window_.count() <= 0) {
        return {DenyEvent{hostname, wall, 1}, false};
    }
    auto found = hosts_.find(hostname);
    if (found == hosts_.end()) {
        if (hosts_.size() >= max_hosts_) {
            return {std::nullopt, true};
        }
        hosts_.emplace(hostname, HostWindow{now + window_, 0, {}});
        return {DenyEvent{hostname, wall, 1}, false};
    }
    HostWindow& host = found->second;
    if (now >= host.closes) {  // the window closed before take_due saw it
        DenyEvent event{hostname, host.repeats > 0 ? host.first_repeat : wall, host.repeats + 1};
        host = HostWindow{now + window_, 0, {}};
        return {std::move(event), false};
    }
    if (host.repeats++ == 0) {
        host.first_repeat = wall;
    }
    return {std::nullopt, false};
}

std::vector<DenyEvent> DenyCoalescer::take_due(Clock::time_point now) {
    std::vector<DenyEvent> due;
    for (auto it = hosts_.begin(); it != hosts_.end();) {
        HostWindow& host = it->second;
        if (host.closes > now) {
            ++it;
        } else if (host.repeats > 0) {
            due.push_back(DenyEvent{it->first, host.first_repeat, host.repeats});
            host = HostWindow{now + window_, 0, {}};  // this delivery opens the next window
            ++it;
        } else {
            it = hosts_.erase(it);
        }
    }
    return due;
}

std::optional<DenyCoalescer::Clock::time_point> DenyCoalescer::next_due() const {
    std::optional<Clock::time_point> earliest;
    for (const auto& [hostname, host] : hosts_) {
        if (!earliest || host.closes < *earliest) {
            earliest = host.closes;
        }
    }
    return earliest;
}

}  // namespace egress::api
