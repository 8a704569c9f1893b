#include "policy/policy_error.hpp"

#include <utility>

namespace egress::policy {

PolicyError::PolicyError(const std::string& message, std::string field)
    : std::invalid_argument(message), field_(std::move(field)) {}

std::string PolicyError::field_path() const {
    if (rule_path_.empty() || field_.empty()) {
        return rule_path_;
    }
    return rule_path_ + "." + field_;
}

PolicyError PolicyError::in_field(std::string field) const {
    PolicyError placed(*this);
    if (placed.field_.empty()) {
        placed.field_ = std::move(field);
    }
    return placed;
}

PolicyError PolicyError::in_rule(size_t index, std::string rule_path) const {
    PolicyError placed(*this);
    placed.rule_index_ = index;
    placed.rule_path_ = std::move(rule_path);
    return placed;
}

std::string located_message(const PolicyError& error) {
    if (!error.rule_index()) {
        return error.what();
    }
    const std::string path = error.field_path();
    std::string_view message = error.what();
    // Type errors already start with the path ("egress[0].target must be a string"): say it once.
    if (message.starts_with(path + " ")) {
        message.remove_prefix(path.size() + 1);
    }
    return "rule " + std::to_string(*error.rule_index()) + " (" + path + "): " + std::string(message);
}

}  // namespace egress::policy
