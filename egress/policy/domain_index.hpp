#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "policy/rule.hpp"

namespace egress::policy {

struct DomainMatch {
    size_t rule_index;  // position of the matching rule in the list the index was built from
    Action action;
};

// The compiled form of the name rules of a rule list. Answers exactly like the linear
// definition "first name rule in list order that matches wins" (a rule "example.com" matches
// that name only; "*.example.com" matches every name below example.com but not example.com),
// in O(labels of the query) hash lookups whatever the number of rules. Address and CIDR rules
// are ignored: they never take part in DNS decisions.
class DomainIndex {
  public:
    DomainIndex() = default;
    explicit DomainIndex(std::span<const Rule> rules);

    // qname is a DNS presentation name in any case with an optional single trailing dot.
    // Does not allocate for names of legal length.
    std::optional<DomainMatch> match(std::string_view qname) const;
    // name must already be lowercase without the trailing dot.
    std::optional<DomainMatch> match_normalized(std::string_view name) const;

    size_t size() const { return entries_.size(); }

  private:
    static constexpr size_t no_rule = SIZE_MAX;

    // The first rule naming a name exactly and the first "*." rule for it as a suffix.
    struct Entry {
        size_t exact_rule = no_rule;
        size_t wildcard_rule = no_rule;
        Action exact_action = Action::deny;
        Action wildcard_action = Action::deny;
    };

    struct NameHash {
        using is_transparent = void;
        size_t operator()(std::string_view name) const { return std::hash<std::string_view>{}(name); }
    };

    void add(size_t rule_index, const Rule& rule);

    std::unordered_map<std::string, Entry, NameHash, std::equal_to<>> entries_;
    // Label counts of the wildcard suffixes: query suffixes outside this range are not looked up.
    size_t min_wildcard_labels_ = SIZE_MAX;
    size_t max_wildcard_labels_ = 0;
};

}  // namespace egress::policy
