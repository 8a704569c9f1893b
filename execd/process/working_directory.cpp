#include "process/working_directory.hpp"

#include <filesystem>

#include "process/environment.hpp"
#include "process/exit_outcome.hpp"

namespace execd::process {

PreparedDirectory prepare_working_directory(const std::string& requested) {
    if (requested.empty()) {
        return {};
    }
    const auto expanded = expand_path(requested, current_environment());
    if (!expanded.error.empty()) {
        return {"", "cannot resolve working directory \"" + requested + "\": " + expanded.error};
    }
    std::error_code error;
    std::filesystem::create_directories(expanded.path, error);
    if (error) {
        return {"", "mkdir " + expanded.path + ": " + go_errno_text(error.value())};
    }
    return {expanded.path, ""};
}

}  // namespace execd::process
