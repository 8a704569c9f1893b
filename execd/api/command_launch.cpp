#include "api/command_launch.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>

#include "process/child_environment.hpp"
#include "process/environment.hpp"
#include "process/exit_outcome.hpp"

namespace execd::api {
namespace {

using process::EnvMap;

EnvMap command_environment(const CommandRequest& request,
                           const std::optional<process::UserCredentials>& user) {
    EnvMap own = process::child_environment();
    EnvMap merged = own;
    if (const char* envs_file = std::getenv("EXECD_ENVS"); envs_file != nullptr && *envs_file != '\0') {
        const auto path = process::expand_path(envs_file, own);
        for (auto& [name, value] : process::read_env_file(path.path, own)) {
            merged[name] = std::move(value);
        }
    }
    if (user && user->user_name) {
        merged["USER"] = *user->user_name;
        merged["LOGNAME"] = *user->user_name;
        merged["HOME"] = user->home.value_or("/");
    }
    for (const auto& [name, value] : request.envs) {
        merged[name] = value;
    }
    return merged;
}

// Empty on success, else upstream's message.
std::string check_directory(const std::string& original, const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        return "working directory does not exist: " + original + ": stat " + path + ": " +
               process::go_errno_text(errno);
    }
    if (!S_ISDIR(info.st_mode)) {
        return "working directory path is not a directory: " + original;
    }
    return "";
}

}  // namespace

std::variant<process::SpawnSpec, std::string> prepare_spawn(const CommandRequest& request) {
    process::SpawnSpec spec;
    if (request.uid) {
        spec.credentials = process::resolve_credentials(*request.uid, request.gid);
    }
    const EnvMap environment = command_environment(request, spec.credentials);
    if (!request.cwd.empty()) {
        const auto expanded = process::expand_path(request.cwd, environment);
        if (!expanded.error.empty()) {
            return "cannot resolve working directory \"" + request.cwd + "\": " + expanded.error;
        }
        if (std::string problem = check_directory(request.cwd, expanded.path); !problem.empty()) {
            return problem;
        }
        spec.cwd = expanded.path;
    }
    const auto path = environment.find("PATH");
    spec.shell = process::find_shell(path == environment.end() ? "/usr/bin:/bin" : path->second);
    spec.command = request.command;
    spec.envp = process::to_envp(environment);
    if (request.timeout_ms > 0) {
        spec.timeout = std::chrono::milliseconds(request.timeout_ms);
    }
    return spec;
}

}  // namespace execd::api
