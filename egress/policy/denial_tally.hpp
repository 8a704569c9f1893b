#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "policy/decision.hpp"

namespace egress::policy {

// What was denied or would have been, for stats and suggestions: names the DNS layer judged, or
// destinations the address layer let through as would-deny (one tally each). Bounded: at most
// `capacity` keys; when full, a new key takes the place of the one with the lowest score
// (space-saving: it inherits that score, so a steady key is never pushed out by one-off keys).
// Scores decay with a half-life, so yesterday's burst gives way to today's denials. Thread-safe.
class DenialTally {
  public:
    using Clock = std::chrono::steady_clock;

    struct Entry {
        std::string key;
        Verdict verdict = Verdict::deny;  // deny or would_deny (the latest)
        double score = 0;                 // decayed count
        uint64_t count = 0;               // denials since the key was first kept
        Clock::time_point last_seen;
    };

    explicit DenialTally(size_t capacity = 1024, std::chrono::seconds half_life = std::chrono::hours(6));

    // key: a name lowercase without the trailing dot (Query::policy_name), or a destination's
    // tally key. Only deny and would_deny.
    void record(std::string_view key, Verdict verdict, Clock::time_point now = Clock::now());
    // Highest scores first; at most `limit`.
    std::vector<Entry> top(size_t limit, Clock::time_point now = Clock::now()) const;
    size_t size() const;

  private:
    struct Kept {
        Entry entry;
        std::multimap<double, std::string>::iterator rank;
    };

    double decayed(const Entry& entry, Clock::time_point now) const;
    // Orders entries as their decayed scores at any common instant would: log2 of the score plus
    // the half-lives elapsed at its last update (every score decays at the same rate).
    double rank_key(const Entry& entry) const;

    size_t capacity_;
    std::chrono::duration<double> half_life_;
    Clock::time_point epoch_ = Clock::now();
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Kept> entries_;
    std::multimap<double, std::string> ranks_;  // lowest first: the next to give way
};

}  // namespace egress::policy
