#include "policy/always_overlay.hpp"

#include <exception>
#include <utility>

#include "policy/file_io.hpp"
#include "policy/policy_error.hpp"
#include "policy/text.hpp"

namespace egress::policy {

std::vector<Rule> parse_always_file(std::string_view content, Action action, std::string_view file_name) {
    std::vector<Rule> rules;
    size_t line_number = 0;
    while (!content.empty()) {
        ++line_number;
        const size_t newline = content.find('\n');
        const std::string_view line = trim_space(content.substr(0, newline));
        content.remove_prefix(newline == std::string_view::npos ? content.size() : newline + 1);
        if (line.empty() || line.starts_with('#')) {
            continue;
        }
        try {
            rules.push_back({action, parse_target(line), {}});
        } catch (const PolicyError& problem) {
            throw PolicyError(std::string(file_name) + ":" + std::to_string(line_number) + ": " +
                              problem.what());
        }
    }
    return rules;
}

Policy apply_always_overlay(const Policy& user_policy, const AlwaysRules& overlay) {
    Policy effective{user_policy.default_action, {}, true, user_policy.mode, user_policy.wildcard_guard};
    effective.rules.reserve(overlay.deny.size() + overlay.allow.size() + user_policy.rules.size());
    effective.rules.insert(effective.rules.end(), overlay.deny.begin(), overlay.deny.end());
    effective.rules.insert(effective.rules.end(), overlay.allow.begin(), overlay.allow.end());
    effective.rules.insert(effective.rules.end(), user_policy.rules.begin(), user_policy.rules.end());
    return effective;
}

AlwaysOverlayLoader::AlwaysOverlayLoader(std::filesystem::path directory, ProblemSink report_problem)
    : report_problem_(std::move(report_problem)),
      deny_file_{directory / "deny.always", Action::deny, {}, false, {}},
      allow_file_{directory / "allow.always", Action::allow, {}, false, {}} {}

void AlwaysOverlayLoader::load() {
    reload(deny_file_, rules_.deny);
    reload(allow_file_, rules_.allow);
}

bool AlwaysOverlayLoader::refresh() {
    const bool deny_changed = refresh_file(deny_file_, rules_.deny);
    const bool allow_changed = refresh_file(allow_file_, rules_.allow);
    return deny_changed || allow_changed;
}

bool AlwaysOverlayLoader::reload(WatchedFile& file, std::vector<Rule>& rules) {
    std::optional<std::string> content = read_file_if_exists(file.path);
    if (file.read_once && content == file.last_content) {
        return false;
    }
    // Remember the content before parsing, so a bad version is reported once, not every poll.
    file.last_content = std::move(content);
    file.read_once = true;
    std::vector<Rule> parsed = file.last_content
                                   ? parse_always_file(*file.last_content, file.action, file.path.string())
                                   : std::vector<Rule>{};
    file.last_problem.clear();
    if (parsed == rules) {
        return false;
    }
    rules = std::move(parsed);
    return true;
}

bool AlwaysOverlayLoader::refresh_file(WatchedFile& file, std::vector<Rule>& rules) {
    try {
        return reload(file, rules);
    } catch (const std::exception& problem) {
        const std::string message =
            std::string(problem.what()) + "; keeping the previous rules of " + file.path.string();
        if (message != file.last_problem && report_problem_) {
            report_problem_(message);
        }
        file.last_problem = message;
        return false;
    }
}

}  // namespace egress::policy
