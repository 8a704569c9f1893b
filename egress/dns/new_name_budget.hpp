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
    // Looked up by string_view: no allocation for a name already seen.
    struct TextHash {
        using is_transparent = void;
        size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
    };
    template <typename Value>
    using ByText = std::unordered_map<std::string, Value, TextHash, std::equal_to<>>;

    struct Wildcard {
        double tokens = 0;
        Clock::time_point refilled;
        std::unordered_set<std::string, TextHash, std::equal_to<>> seen;
        std::deque<std::string> seen_order;  // oldest first
    };

    Wildcard& wildcard_state(std::string_view wildcard, uint32_t burst, Clock::time_point now);

    std::mutex mutex_;
    ByText<Wildcard> wildcards_;
};

}  // namespace egress::dns
