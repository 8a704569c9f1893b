#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace egress::dns {

// The wildcard guard's running part: per wildcard, the names resolved lately under it and a token
// bucket for names not seen before (a burst, then a steady rate). A name seen lately costs nothing,
// so a client that keeps resolving its few hosts never runs out. Bounded: kMaxNamesPerWildcard
// names per wildcard (the oldest forgotten first) and kMaxWildcards wildcards. Shared by the
// proxy's loop threads.
class NewNameBudget {
  public:
    using Clock = std::chrono::steady_clock;
    static constexpr size_t kMaxNamesPerWildcard = 4096;
    static constexpr size_t kMaxWildcards = 1024;

    // Whether `name`, admitted by `wildcard`, may be resolved now.
    bool admit(std::string_view wildcard, std::string_view name, uint32_t per_minute, uint32_t burst,
               Clock::time_point now = Clock::now());

  private:
    struct Wildcard {
        double tokens = 0;
        Clock::time_point refilled;
        std::unordered_set<std::string> seen;
        std::deque<std::string> seen_order;  // oldest first
    };

    Wildcard& wildcard_state(std::string_view wildcard, uint32_t burst, Clock::time_point now);

    std::mutex mutex_;
    std::unordered_map<std::string, Wildcard> wildcards_;
};

}  // namespace egress::dns
