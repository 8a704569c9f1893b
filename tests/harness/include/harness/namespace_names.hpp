#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

// Every namespace the harness creates is named "ost-<owner pid>-<counter>-<role>".
inline constexpr std::string_view kNamespacePrefix = "ost-";

// A fresh "ost-<our pid>-<n>" stem, unique within this process.
std::string make_namespace_stem();

// The owner pid encoded in a harness namespace name, or nullopt for foreign names.
std::optional<pid_t> namespace_owner(std::string_view name);

// Destroys harness namespaces (and /etc/netns dirs) whose owner process no longer exists.
// Returns the names it removed.
std::vector<std::string> sweep_stale_namespaces();

}  // namespace harness
