#include "policy/domain_index.hpp"

#include <algorithm>
#include <array>

#include "policy/text.hpp"

namespace egress::policy {
namespace {

size_t label_count(std::string_view name) {
    return static_cast<size_t>(std::count(name.begin(), name.end(), '.')) + 1;
}

}  // namespace

DomainIndex::DomainIndex(std::span<const Rule> rules) {
    entries_.reserve(rules.size());
    for (size_t i = 0; i < rules.size(); ++i) {
        add(i, rules[i]);
    }
}

void DomainIndex::add(size_t rule_index, const Rule& rule) {
    if (rule.target.kind == TargetKind::domain) {
        Entry& entry = entries_[rule.target.text];
        if (entry.exact_rule == no_rule) {
            entry.exact_rule = rule_index;
            entry.exact_action = rule.action;
        }
    } else if (rule.target.kind == TargetKind::wildcard) {
        const std::string suffix = rule.target.text.substr(2);
        const size_t labels = label_count(suffix);
        min_wildcard_labels_ = std::min(min_wildcard_labels_, labels);
        max_wildcard_labels_ = std::max(max_wildcard_labels_, labels);
        Entry& entry = entries_[suffix];
        if (entry.wildcard_rule == no_rule) {
            entry.wildcard_rule = rule_index;
            entry.wildcard_action = rule.action;
        }
    }
}

std::optional<DomainMatch> DomainIndex::match(std::string_view qname) const {
    if (qname.ends_with('.')) {
        qname.remove_suffix(1);
    }
    std::array<char, max_name_length + 2> buffer;
    if (qname.size() > buffer.size()) {
        // Longer than any legal name; still answered exactly, off the hot path.
        return match_normalized(to_lower_ascii(qname));
    }
    for (size_t i = 0; i < qname.size(); ++i) {
        buffer[i] = lower_ascii(qname[i]);
    }
    return match_normalized(std::string_view(buffer.data(), qname.size()));
}

std::optional<DomainMatch> DomainIndex::match_normalized(std::string_view name) const {
    if (entries_.empty()) {
        return std::nullopt;
    }
    DomainMatch best{no_rule, Action::deny};
    if (const auto found = entries_.find(name); found != entries_.end()) {
        best = {found->second.exact_rule, found->second.exact_action};
    }
    // Every proper suffix after a dot is a wildcard candidate; the apex itself never is. Suffixes
    // get shorter by one label per step, so the label range of the wildcard keys bounds the probes.
    size_t suffix_labels = label_count(name);
    for (size_t dot = name.find('.'); dot != std::string_view::npos && best.rule_index != 0;
         dot = name.find('.', dot + 1)) {
        if (--suffix_labels > max_wildcard_labels_) {
            continue;
        }
        if (suffix_labels < min_wildcard_labels_) {
            break;
        }
        const auto found = entries_.find(name.substr(dot + 1));
        if (found != entries_.end() && found->second.wildcard_rule < best.rule_index) {
            best = {found->second.wildcard_rule, found->second.wildcard_action};
        }
    }
    if (best.rule_index == no_rule) {
        return std::nullopt;
    }
    return best;
}

}  // namespace egress::policy
