#include "nft/iptables_commands.hpp"

#include <unistd.h>

#include "common/config.hpp"

namespace egress::nft {
namespace {

std::optional<std::string> find_program(const std::string& name,
                                        const std::vector<std::filesystem::path>& directories) {
    for (const auto& directory : directories) {
        const auto candidate = directory / name;
        if (::access(candidate.c_str(), X_OK) == 0) {
            return candidate.string();
        }
    }
    return std::nullopt;
}

std::string choose(const std::optional<std::string>& configured, const std::string& preferred,
                   const std::string& fallback, const std::vector<std::filesystem::path>& directories) {
    if (configured && !configured->empty()) {
        return *configured;
    }
    if (auto found = find_program(preferred, directories)) {
        return *found;
    }
    return find_program(fallback, directories).value_or(fallback);
}

}  // namespace

std::vector<std::filesystem::path> default_program_directories() {
    std::vector<std::filesystem::path> directories;
    for (const auto& entry : common::split_list(common::env_or("PATH", ""), ':')) {
        directories.emplace_back(entry);
    }
    directories.emplace_back("/usr/sbin");
    directories.emplace_back("/sbin");
    return directories;
}

IptablesCommands choose_iptables_commands(const std::optional<std::string>& ipv4_configured,
                                          const std::optional<std::string>& ipv6_configured,
                                          const std::vector<std::filesystem::path>& directories) {
    return {choose(ipv4_configured, "iptables-legacy", "iptables", directories),
            choose(ipv6_configured, "ip6tables-legacy", "ip6tables", directories)};
}

}  // namespace egress::nft
