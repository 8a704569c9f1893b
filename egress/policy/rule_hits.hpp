#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "policy/decision.hpp"
#include "policy/rule.hpp"

namespace egress::policy {

// How often one rule decided, by verdict. Counted on the DNS path (relaxed atomics).
struct HitCounts {
    std::atomic<uint64_t> allowed{0};
    std::atomic<uint64_t> denied{0};
    std::atomic<uint64_t> would_deny{0};

    void count(Verdict verdict);
};

// A stable id for a rule: the same action, target, ports and source give the same id whatever the
// rule's position, so its counts survive policy changes that keep it. 16 hex digits.
std::string rule_id(const Rule& rule, RuleSource source);

// The counters of every rule of the policies in force, shared by the snapshots: a new snapshot
// takes over the counters of the rules it keeps, so a change loses no count. Counters of rules no
// snapshot holds any more are dropped. Thread-safe.
class RuleHits {
  public:
    std::shared_ptr<HitCounts> counts_for(const std::string& id);
    // Forgets the ids no snapshot holds any more (once per snapshot: a scan of every id).
    void prune();

    struct Entry {
        std::string id;
        std::shared_ptr<HitCounts> counts;
    };
    // Every rule still counted, by id.
    std::vector<Entry> entries() const;

  private:
    mutable std::mutex mutex_;
    std::map<std::string, std::weak_ptr<HitCounts>> counts_;
};

}  // namespace egress::policy
