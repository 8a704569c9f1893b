#include "policy/suggestions.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

namespace egress::policy {
namespace {

// Second-level labels under which registrations happen (example.co.uk): a wildcard directly
// below one of them would admit unrelated owners.
bool is_registry_suffix(std::string_view parent) {
    const size_t dot = parent.find('.');
    if (dot == std::string_view::npos) {
        return true;  // a top-level domain
    }
    const std::string_view second = parent.substr(0, dot);
    const std::string_view top = parent.substr(dot + 1);
    static const std::set<std::string_view> kSecondLevel = {"co",  "com", "net", "org", "ac",
                                                            "gov", "edu", "ne",  "or"};
    return top.find('.') == std::string_view::npos && top.size() == 2 && kSecondLevel.contains(second);
}

std::string_view parent_of(std::string_view name) {
    const size_t dot = name.find('.');
    return dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
}

Rule allow_rule(const std::string& target) {
    return make_rule("allow", target);
}

}  // namespace

std::vector<Suggestion> suggest_allow_rules(const std::vector<std::string>& names,
                                            size_t siblings_for_wildcard) {
    std::map<std::string, std::set<std::string>> by_parent;
    std::set<std::string> distinct(names.begin(), names.end());
    for (const std::string& name : distinct) {
        const std::string_view parent = parent_of(name);
        if (!parent.empty()) {
            by_parent[std::string(parent)].insert(name);
        }
    }
    std::map<std::string, std::set<std::string>> admitted_by;  // target -> names
    for (const std::string& name : distinct) {
        const std::string parent(parent_of(name));
        const bool wildcard = !parent.empty() && !is_registry_suffix(parent) &&
                              by_parent[parent].size() >= std::max<size_t>(siblings_for_wildcard, 2);
        admitted_by[wildcard ? "*." + parent : name].insert(name);
    }
    std::vector<Suggestion> suggestions;
    for (auto& [target, admitted] : admitted_by) {
        try {
            suggestions.push_back({allow_rule(target), {admitted.begin(), admitted.end()}});
        } catch (const std::exception&) {
            // A name that cannot be a rule target (e.g. a label over 63 characters) is never suggested.
        }
    }
    return suggestions;
}

}  // namespace egress::policy
