#include "files/file_error.hpp"

#include <cerrno>

#include "process/exit_outcome.hpp"

namespace execd::files {

std::string path_error_text(std::string_view op, std::string_view path, int error) {
    return std::string(op) + " " + std::string(path) + ": " + process::go_errno_text(error);
}

FileError error_from_errno(int error, std::string_view context, std::string_view detail) {
    switch (error) {
        case ENOENT:
            return {404, std::string(kFileNotFound), "file not found. " + std::string(detail)};
        case EACCES:
        case EPERM:
        case EROFS:
            return {403, std::string(kRuntimeError), std::string(context) + std::string(detail)};
        case ENOSPC:
        case EDQUOT:
            return {507, std::string(kRuntimeError), std::string(context) + std::string(detail)};
        default:
            return {500, std::string(kRuntimeError), std::string(context) + std::string(detail)};
    }
}

FileError bad_request(std::string_view code, std::string message) {
    return {400, std::string(code), std::move(message)};
}

}  // namespace execd::files
