#pragma once

#include <string>

namespace execd::process {

// A requested working directory made ready as upstream does for sessions and terminals: `$VAR`,
// `${VAR}` and a leading `~` expanded from execd's environment, then created (mkdir -p). An empty
// request stays empty (execd's own directory). `error` is empty on success.
struct PreparedDirectory {
    std::string path;
    std::string error;
};
PreparedDirectory prepare_working_directory(const std::string& requested);

}  // namespace execd::process
