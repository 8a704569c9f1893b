#pragma once

#include <string>
#include <variant>

#include "api/command_request.hpp"
#include "process/spawn_spec.hpp"

namespace execd::api {

// Turns a validated request into what the supervisor starts: environment (execd's, then the
// EXECD_ENVS file, then the target user's HOME/USER/LOGNAME, then the request's envs), the expanded
// and checked working directory, the credentials and the shell. Reads files: call from a worker.
// On a bad working directory returns upstream's 400 message.
std::variant<process::SpawnSpec, std::string> prepare_spawn(const CommandRequest& request);

}  // namespace execd::api
