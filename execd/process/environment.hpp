#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace execd::process {

using EnvMap = std::map<std::string, std::string>;

// execd's own environment as a map.
EnvMap current_environment();

// Go's os.Expand: replaces $NAME and ${NAME} using `lookup`; unknown names become "".
std::string expand_variables(std::string_view text, const EnvMap& variables);

// Parses an EXECD_ENVS file: KEY=VALUE lines, trimmed; empty and '#' lines and lines without '=' are
// skipped; values are expanded against `variables`. A missing file gives an empty map.
EnvMap read_env_file(const std::string& path, const EnvMap& variables);

// Expands a working directory the way upstream HEAD does: a leading "~" becomes $HOME, then $VAR and
// ${VAR} are replaced from `variables`. Returns the error text when a variable is not set.
struct ExpandedPath {
    std::string path;
    std::string error;
};
ExpandedPath expand_path(std::string_view path, const EnvMap& variables);

// "KEY=VALUE" strings for execve.
std::vector<std::string> to_envp(const EnvMap& variables);

}  // namespace execd::process
