#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string_view>

#include "policy/domain_index.hpp"

namespace egress::dns {

// The hosts whose successful egress.outbound log lines are left out (upstream's log_skip.always):
// exact names and "*.suffix" patterns (subdomains only, never the apex), one a line.
class LogSkipList {
  public:
    LogSkipList() = default;

    // Lines are trimmed; blank lines and lines starting with '#' are skipped. Throws
    // std::invalid_argument "<path> line N: ..." for the first line that is not a host pattern.
    static LogSkipList parse(std::string_view content, std::string_view path);

    // `host` lowercased without the trailing dot (a query's policy name).
    bool matches(std::string_view host) const {
        return size_ != 0 && index_.match_normalized(host).has_value();
    }
    size_t size() const { return size_; }

  private:
    policy::DomainIndex index_;
    size_t size_ = 0;
};

// Reads the file once. A missing file gives nullopt; any other failure (unreadable, a bad line)
// throws std::runtime_error "failed to load outbound log skip file: <reason>".
std::optional<LogSkipList> load_log_skip_file(const std::filesystem::path& path);

}  // namespace egress::dns
