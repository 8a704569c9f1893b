#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.hpp"

namespace egress::policy {

// Operator rules that the user policy cannot override: deny.always beats allow.always beats the
// user's rules.
struct AlwaysRules {
    std::vector<Rule> deny;
    std::vector<Rule> allow;

    bool operator==(const AlwaysRules&) const = default;
};

inline constexpr std::string_view default_always_rules_directory = "/var/egress/rules";

// One target per line; surrounding whitespace, blank lines and full-line '#' comments are
// ignored. Throws PolicyError "<file_name>:<line>: <reason>" for the first bad line.
std::vector<Rule> parse_always_file(std::string_view content, Action action, std::string_view file_name);

// The policy DNS evaluates: deny.always rules, allow.always rules, then the user's rules, so that
// first-match gives the overlay precedence; defaultAction is the user's.
Policy apply_always_overlay(const Policy& user_policy, const AlwaysRules& overlay);

// Reads deny.always and allow.always from a directory and notices when their content changes.
// Not thread-safe: one owner (startup code, then the watcher thread) calls it.
class AlwaysOverlayLoader {
  public:
    using ProblemSink = std::function<void(std::string_view)>;

    AlwaysOverlayLoader(std::filesystem::path directory, ProblemSink report_problem);

    // Startup: reads both files. Throws PolicyError for a bad line and std::system_error when a
    // file exists but cannot be read. A missing file means no rules.
    void load();

    // Re-reads both files; returns true when the rules changed. A file that became bad or
    // unreadable keeps its last good rules and the reason is reported once.
    bool refresh();

    const AlwaysRules& rules() const { return rules_; }

  private:
    struct WatchedFile {
        std::filesystem::path path;
        Action action;
        std::optional<std::string> last_content;  // nullopt: missing
        bool read_once = false;
        std::string last_problem;
    };

    // Throws; returns true when the file's good rules changed.
    bool reload(WatchedFile& file, std::vector<Rule>& rules);
    bool refresh_file(WatchedFile& file, std::vector<Rule>& rules);

    ProblemSink report_problem_;
    WatchedFile deny_file_;
    WatchedFile allow_file_;
    AlwaysRules rules_;
};

}  // namespace egress::policy
