#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "harness/unique_fd.hpp"

namespace harness {

// Low-level operations on named network namespaces (the /run/netns/<name> files of `ip netns`).

std::filesystem::path namespace_path(const std::string& name);
bool namespace_exists(const std::string& name);
std::vector<std::string> list_namespaces();

// Processes whose main thread lives in the namespace (what `ip netns pids` prints).
std::vector<pid_t> namespace_pids(const std::string& name);

// An O_RDONLY fd on the namespace, suitable for setns(). Throws if it does not exist.
UniqueFd open_namespace(const std::string& name);

// `ip netns add`. Throws on failure.
void create_namespace(const std::string& name);

// SIGKILLs every process in the namespace except ourselves, `ip netns del`s it and removes
// /etc/netns/<name>. Never throws; safe to call for a namespace that is already gone.
void destroy_namespace(const std::string& name);

}  // namespace harness
