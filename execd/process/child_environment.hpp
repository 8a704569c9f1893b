#pragma once

#include <string_view>

#include "process/environment.hpp"

namespace execd::process {

// True for a variable that carries one of execd's own secrets (EXECD_ACCESS_TOKEN, JUPYTER_TOKEN):
// whoever holds it can drive execd, or the Jupyter server, as their own user (usually root).
bool is_execd_secret(std::string_view name);

// execd's environment without its secrets: what every command, session and PTY starts from. A
// program running as an unprivileged uid must not find execd's token and call execd as root.
EnvMap child_environment();

}  // namespace execd::process
