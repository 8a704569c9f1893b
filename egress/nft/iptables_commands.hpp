#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace egress::nft {

// The programs that write the iptables fallback's rules.
struct IptablesCommands {
    std::string ipv4;  // e.g. /usr/sbin/iptables-legacy
    std::string ipv6;  // e.g. /usr/sbin/ip6tables-legacy
};

// The directories searched for the programs: $PATH, then /usr/sbin and /sbin.
std::vector<std::filesystem::path> default_program_directories();

// The configured program when set (OPENSANDBOX_EGRESS_IPTABLES / _IP6TABLES, used as given);
// otherwise iptables-legacy / ip6tables-legacy when found in `directories` — the x_tables backend,
// which works on kernels without nf_tables nat, unlike iptables-nft — otherwise iptables / ip6tables
// as found (or the bare name, so the error names what was missing).
IptablesCommands choose_iptables_commands(const std::optional<std::string>& ipv4_configured,
                                          const std::optional<std::string>& ipv6_configured,
                                          const std::vector<std::filesystem::path>& directories);

}  // namespace egress::nft
