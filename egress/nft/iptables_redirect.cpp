#include "nft/iptables_redirect.hpp"

namespace egress::nft {
namespace {

// Waits up to this many seconds for the xtables lock another iptables process may hold.
constexpr const char* kLockWaitSeconds = "5";
// -C exits 1 when the rule is not there; anything else but 0 is an error.
constexpr int kRuleMissing = 1;
// Bounds the removal of duplicates (left by other software or an older version).
constexpr int kMaxCopiesRemoved = 64;

std::string joined(const std::vector<std::string>& words) {
    std::string text;
    for (const auto& word : words) {
        text += (text.empty() ? "" : " ") + word;
    }
    return text;
}

std::string failure_message(const std::vector<std::string>& argv, const CommandOutcome& outcome) {
    std::string message = "iptables DNS redirect: '" + joined(argv) + "' failed with exit status " +
                          std::to_string(outcome.exit_code);
    if (!outcome.errors.empty()) {
        message += ": " + outcome.errors;
    }
    return message;
}

bool same_chain(const IptablesRule& a, const IptablesRule& b) {
    return a.family == b.family && a.table == b.table && a.chain == b.chain;
}

}  // namespace

IptablesRedirect::IptablesRedirect(IptablesCommands commands, std::vector<IptablesRule> rules,
                                   CommandRunner& runner)
    : commands_(std::move(commands)), rules_(std::move(rules)), runner_(runner) {}

std::vector<std::string> IptablesRedirect::command_line(const IptablesRule& rule,
                                                        std::vector<std::string> operation) const {
    std::vector<std::string> argv{rule.family == common::IpFamily::v4 ? commands_.ipv4 : commands_.ipv6, "-w",
                                  kLockWaitSeconds, "-t", rule.table};
    argv.insert(argv.end(), operation.begin(), operation.end());
    argv.insert(argv.end(), rule.match.begin(), rule.match.end());
    return argv;
}

CommandOutcome IptablesRedirect::run(const std::vector<std::string>& argv) {
    try {
        return runner_.run(argv);
    } catch (const std::exception& error) {
        throw IptablesError(std::string("iptables DNS redirect: ") + error.what());
    }
}

bool IptablesRedirect::present(const IptablesRule& rule) {
    const auto argv = command_line(rule, {"-C", rule.chain});
    const auto outcome = run(argv);
    if (outcome.exit_code != 0 && outcome.exit_code != kRuleMissing) {
        throw IptablesError(failure_message(argv, outcome));
    }
    return outcome.exit_code == 0;
}

void IptablesRedirect::run_checked(const IptablesRule& rule, std::vector<std::string> operation) {
    const auto argv = command_line(rule, std::move(operation));
    const auto outcome = run(argv);
    if (outcome.exit_code != 0) {
        throw IptablesError(failure_message(argv, outcome));
    }
}

// 1-based: the rules of ours listed before this one in the same chain come first.
size_t IptablesRedirect::position_in_chain(size_t index) const {
    size_t position = 1;
    for (size_t earlier = 0; earlier < index; ++earlier) {
        position += same_chain(rules_[earlier], rules_[index]) ? 1 : 0;
    }
    return position;
}

void IptablesRedirect::install() {
    for (size_t index = 0; index < rules_.size(); ++index) {
        const auto& rule = rules_[index];
        if (!present(rule)) {
            run_checked(rule, {"-I", rule.chain, std::to_string(position_in_chain(index))});
        }
    }
}

void IptablesRedirect::remove() {
    for (auto rule = rules_.rbegin(); rule != rules_.rend(); ++rule) {
        for (int copy = 0; copy < kMaxCopiesRemoved && present(*rule); ++copy) {
            run_checked(*rule, {"-D", rule->chain});
        }
    }
}

}  // namespace egress::nft
