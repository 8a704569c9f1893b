#include "files/scan_reports.hpp"

namespace execd::files {

bool ScanReports::add(const std::string& path, Clock::time_point now) {
    if (!added_.try_emplace(path, now).second) {
        return false;
    }
    order_.emplace_back(now, path);
    return true;
}

bool ScanReports::take(const std::string& path) {
    return added_.erase(path) > 0;
}

void ScanReports::forget_settled(Clock::time_point now) {
    while (!order_.empty() && order_.front().first + grace_ <= now) {
        const auto held = added_.find(order_.front().second);
        if (held != added_.end() && held->second == order_.front().first) {
            added_.erase(held);
        }
        order_.pop_front();
    }
}

}  // namespace execd::files
