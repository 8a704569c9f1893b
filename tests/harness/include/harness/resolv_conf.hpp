#pragma once

#include <string>
#include <vector>

namespace harness {

// Writes /etc/netns/<netns>/resolv.conf, which `ip netns exec <netns>` bind-mounts over
// /etc/resolv.conf: one "nameserver <address>" line per entry, then `extra_lines` verbatim.
void write_namespace_resolv_conf(const std::string& netns, const std::vector<std::string>& nameservers,
                                 const std::vector<std::string>& extra_lines = {});

// Removes /etc/netns/<netns> and /etc/netns itself once empty. Never throws.
void remove_namespace_etc(const std::string& netns);

}  // namespace harness
