#include "dns/log_budget.hpp"

#include <spdlog/spdlog.h>

namespace egress::dns {

LogBudget::LogBudget(std::string what, size_t per_second, common::Counter* suppressed)
    : what_(std::move(what)), per_second_(per_second), suppressed_counter_(suppressed) {}

bool LogBudget::take(Clock::time_point now) {
    if (now - window_start_ >= std::chrono::seconds(1)) {
        if (suppressed_ > 0) {
            spdlog::warn("[dns] {} more {} not logged in the last second", suppressed_, what_);
        }
        window_start_ = now;
        taken_ = 0;
        suppressed_ = 0;
    }
    if (taken_ < per_second_) {
        ++taken_;
        return true;
    }
    ++suppressed_;
    if (suppressed_counter_ != nullptr) {
        suppressed_counter_->inc();
    }
    return false;
}

}  // namespace egress::dns
