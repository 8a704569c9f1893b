#include "dns/log_skip_list.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include "policy/file_io.hpp"
#include "policy/policy_error.hpp"
#include "policy/target.hpp"
#include "policy/text.hpp"

namespace egress::dns {
namespace {

std::string line_prefix(std::string_view path, size_t line_number) {
    return std::string(path) + " line " + std::to_string(line_number) + ": ";
}

policy::Rule skip_rule(std::string_view entry, std::string_view path, size_t line_number) {
    policy::Rule rule;
    try {
        rule.target = policy::parse_target(entry);
    } catch (const policy::PolicyError& error) {
        throw std::invalid_argument(line_prefix(path, line_number) + error.what());
    }
    if (!rule.target.is_name()) {
        throw std::invalid_argument(line_prefix(path, line_number) + "\"" + std::string(entry) +
                                    "\" is not a domain pattern; only host/domain entries are supported");
    }
    return rule;
}

}  // namespace

LogSkipList LogSkipList::parse(std::string_view content, std::string_view path) {
    std::vector<policy::Rule> rules;
    size_t line_number = 0;
    while (!content.empty()) {
        ++line_number;
        const size_t newline = content.find('\n');
        const std::string_view line = policy::trim_space(content.substr(0, newline));
        content.remove_prefix(newline == std::string_view::npos ? content.size() : newline + 1);
        if (!line.empty() && !line.starts_with('#')) {
            rules.push_back(skip_rule(line, path, line_number));
        }
    }
    LogSkipList list;
    list.index_ = policy::DomainIndex(rules);
    list.size_ = rules.size();
    return list;
}

std::optional<LogSkipList> load_log_skip_file(const std::filesystem::path& path) {
    try {
        const std::optional<std::string> content = policy::read_file_if_exists(path);
        if (!content) {
            return std::nullopt;
        }
        return LogSkipList::parse(*content, path.string());
    } catch (const std::exception& error) {
        throw std::runtime_error(std::string("failed to load outbound log skip file: ") + error.what());
    }
}

}  // namespace egress::dns
