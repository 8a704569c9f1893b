#include "vault/binding_ambiguity.hpp"

#include <algorithm>
#include <vector>

#include "vault/binding_host.hpp"
#include "vault/go_text.hpp"
#include "vault/path_pattern.hpp"
#include "vault/vault_error.hpp"

namespace egress::vault {
namespace {

template <typename Value>
bool lists_intersect(const std::vector<Value>& left, const std::vector<Value>& right) {
    return std::any_of(left.begin(), left.end(), [&](const Value& value) {
        return std::find(right.begin(), right.end(), value) != right.end();
    });
}

bool any_paths_overlap(const std::vector<std::string>& left, const std::vector<std::string>& right) {
    return std::any_of(left.begin(), left.end(), [&](const std::string& left_path) {
        return std::any_of(right.begin(), right.end(), [&](const std::string& right_path) {
            return path_patterns_overlap(left_path, right_path);
        });
    });
}

bool wildcard_hosts_overlap(std::string_view left, std::string_view right) {
    const std::string_view left_suffix = wildcard_suffix(left);
    const std::string_view right_suffix = wildcard_suffix(right);
    return left_suffix == right_suffix || is_strictly_below(left_suffix, right_suffix) ||
           is_strictly_below(right_suffix, left_suffix);
}

bool hosts_collide(std::string_view left, std::string_view right) {
    if (is_wildcard_host(left) != is_wildcard_host(right)) {
        return false;
    }
    return is_wildcard_host(left) ? wildcard_hosts_overlap(left, right) : left == right;
}

bool host_sets_collide(const std::vector<std::string>& left, const std::vector<std::string>& right) {
    return std::any_of(left.begin(), left.end(), [&](const std::string& left_host) {
        return std::any_of(right.begin(), right.end(), [&](const std::string& right_host) {
            return hosts_collide(left_host, right_host);
        });
    });
}

}  // namespace

bool bindings_ambiguous(const Binding& left, const Binding& right) {
    const BindingMatch& a = left.match;
    const BindingMatch& b = right.match;
    return lists_intersect(a.schemes, b.schemes) && lists_intersect(a.ports, b.ports) &&
           lists_intersect(a.methods, b.methods) && any_paths_overlap(a.paths, b.paths) &&
           host_sets_collide(a.hosts, b.hosts);
}

void check_binding_ambiguity(const std::map<std::string, Binding>& bindings) {
    for (auto left = bindings.begin(); left != bindings.end(); ++left) {
        for (auto right = std::next(left); right != bindings.end(); ++right) {
            if (bindings_ambiguous(left->second, right->second)) {
                throw VaultError(VaultError::Kind::invalid, "bindings " + go_quote(left->first) + " and " +
                                                                go_quote(right->first) +
                                                                " can match the same request");
            }
        }
    }
}

}  // namespace egress::vault
