#include "policy/denial_tally.hpp"

#include <algorithm>
#include <cmath>

namespace egress::policy {

DenialTally::DenialTally(size_t capacity, std::chrono::seconds half_life)
    : capacity_(std::max<size_t>(capacity, 1)), half_life_(half_life) {}

double DenialTally::decayed(const Entry& entry, Clock::time_point now) const {
    const std::chrono::duration<double> age = now - entry.last_seen;
    return entry.score * std::exp2(-std::max(age.count(), 0.0) / half_life_.count());
}

double DenialTally::rank_key(const Entry& entry) const {
    const std::chrono::duration<double> since_epoch = entry.last_seen - epoch_;
    return std::log2(std::max(entry.score, 1e-300)) + since_epoch.count() / half_life_.count();
}

void DenialTally::record(std::string_view key, Verdict verdict, Clock::time_point now) {
    if (verdict == Verdict::allow || key.empty()) {
        return;
    }
    std::lock_guard lock(mutex_);
    auto found = entries_.find(std::string(key));
    if (found == entries_.end()) {
        double inherited = 0;
        if (entries_.size() >= capacity_) {
            const auto weakest = entries_.find(ranks_.begin()->second);
            inherited = decayed(weakest->second.entry, now);
            ranks_.erase(ranks_.begin());
            entries_.erase(weakest);
        }
        Entry fresh{std::string(key), verdict, inherited, 0, now};
        found = entries_.emplace(std::string(key), Kept{std::move(fresh), ranks_.end()}).first;
    } else {
        ranks_.erase(found->second.rank);
    }
    Entry& entry = found->second.entry;
    entry.score = decayed(entry, now) + 1;
    entry.count += 1;
    entry.verdict = verdict;
    entry.last_seen = now;
    found->second.rank = ranks_.emplace(rank_key(entry), entry.key);
}

std::vector<DenialTally::Entry> DenialTally::top(size_t limit, Clock::time_point now) const {
    std::vector<Entry> result;
    {
        std::lock_guard lock(mutex_);
        result.reserve(entries_.size());
        for (const auto& [key, kept] : entries_) {
            Entry copy = kept.entry;
            copy.score = decayed(kept.entry, now);
            result.push_back(std::move(copy));
        }
    }
    std::sort(result.begin(), result.end(), [](const Entry& a, const Entry& b) {
        return a.score != b.score ? a.score > b.score : a.key < b.key;
    });
    if (result.size() > limit) {
        result.resize(limit);
    }
    return result;
}

size_t DenialTally::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace egress::policy
