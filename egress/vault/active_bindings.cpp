#include "vault/active_bindings.hpp"

#include <algorithm>
#include <utility>

#include "common/config.hpp"
#include "vault/binding_host.hpp"
#include "vault/go_text.hpp"
#include "vault/path_pattern.hpp"

namespace egress::vault {
namespace {

constexpr std::string_view redaction_marker = "[REDACTED]";

std::vector<std::string> collect_redactions(const std::vector<ActiveBinding>& bindings) {
    std::vector<std::string> values;
    for (const ActiveBinding& binding : bindings) {
        for (const RenderedHeader& header : binding.headers) {
            values.push_back(header.value);
        }
        values.insert(values.end(), binding.secrets.begin(), binding.secrets.end());
    }
    std::erase_if(values, [](const std::string& value) { return value.empty(); });
    std::sort(values.begin(), values.end(), [](const std::string& left, const std::string& right) {
        return left.size() != right.size() ? left.size() > right.size() : left < right;
    });
    values.erase(std::unique(values.begin(), values.end()), values.end());
    return values;
}

bool contains_ignoring_case(const std::vector<std::string>& values, std::string_view wanted) {
    return std::any_of(values.begin(), values.end(),
                       [&](const std::string& value) { return common::equals_ignoring_case(value, wanted); });
}

bool applies_to_port(const BindingMatch& match, std::string_view scheme, uint16_t port) {
    return contains_ignoring_case(match.schemes, scheme) &&
           std::find(match.ports.begin(), match.ports.end(), port) != match.ports.end();
}

int best_host_precedence(const BindingMatch& match, std::string_view host) {
    int best = 0;
    for (const std::string& pattern : match.hosts) {
        best = std::max(best, host_match_precedence(pattern, host));
    }
    return best;
}

// The binding's host precedence for the request, or 0 when any other field does not match.
int request_precedence(const BindingMatch& match, const RequestAttributes& request) {
    if (!applies_to_port(match, request.scheme, request.port) ||
        !contains_ignoring_case(match.methods, request.method)) {
        return 0;
    }
    const bool path_matches =
        std::any_of(match.paths.begin(), match.paths.end(),
                    [&](const std::string& pattern) { return path_pattern_matches(pattern, request.path); });
    return path_matches ? best_host_precedence(match, request.host) : 0;
}

}  // namespace

ActiveBindings::ActiveBindings(int64_t revision, std::vector<ActiveBinding> bindings)
    : revision_(revision), bindings_(std::move(bindings)), redactions_(collect_redactions(bindings_)) {}

MatchResult ActiveBindings::match(const RequestAttributes& request) const {
    int best = 0;
    const ActiveBinding* chosen = nullptr;
    size_t tied = 0;
    for (const ActiveBinding& binding : bindings_) {
        const int precedence = request_precedence(binding.match, request);
        if (precedence == 0 || precedence < best) {
            continue;
        }
        if (precedence > best) {
            best = precedence;
            chosen = &binding;
            tied = 1;
        } else {
            ++tied;
        }
    }
    if (tied == 0) {
        return {};
    }
    if (tied > 1) {
        return {MatchOutcome::ambiguous, nullptr};
    }
    return {MatchOutcome::inject, chosen};
}

bool ActiveBindings::covers_host(std::string_view scheme, uint16_t port, std::string_view host) const {
    return std::any_of(bindings_.begin(), bindings_.end(), [&](const ActiveBinding& binding) {
        return applies_to_port(binding.match, scheme, port) && best_host_precedence(binding.match, host) > 0;
    });
}

bool ActiveBindings::covers_port(std::string_view scheme, uint16_t port) const {
    return std::any_of(bindings_.begin(), bindings_.end(), [&](const ActiveBinding& binding) {
        return applies_to_port(binding.match, scheme, port);
    });
}

std::string ActiveBindings::redact(std::string_view text) const {
    std::string out;
    out.reserve(text.size());
    size_t position = 0;
    while (position < text.size()) {
        const std::string_view rest = text.substr(position);
        const auto found = std::find_if(redactions_.begin(), redactions_.end(),
                                        [&](const std::string& value) { return rest.starts_with(value); });
        if (found != redactions_.end()) {
            out += redaction_marker;
            position += found->size();
        } else {
            out += text[position];
            ++position;
        }
    }
    return out;
}

}  // namespace egress::vault
