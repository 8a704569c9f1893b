#pragma once

#include <string>
#include <string_view>

namespace execd::files {

// A failed filesystem operation as the client sees it: status, upstream error code and message.
struct FileError {
    int status = 500;
    std::string code;
    std::string message;
};

inline constexpr std::string_view kFileNotFound = "FILE_NOT_FOUND";
inline constexpr std::string_view kRuntimeError = "RUNTIME_ERROR";
inline constexpr std::string_view kInvalidRequestBody = "INVALID_REQUEST_BODY";
inline constexpr std::string_view kInvalidFile = "INVALID_FILE";
inline constexpr std::string_view kInvalidFileMetadata = "INVALID_FILE_METADATA";
inline constexpr std::string_view kInvalidFileContent = "INVALID_FILE_CONTENT";

// Go's *PathError text: "<op> <path>: <errno text>".
std::string path_error_text(std::string_view op, std::string_view path, int error);

// The answer for an errno: a missing path is 404 FILE_NOT_FOUND ("file not found. <detail>"), a
// permission problem 403, a full disk or quota 507, anything else 500; the last three carry
// "<context><detail>" with code RUNTIME_ERROR. `context` is upstream's prefix for the operation.
FileError error_from_errno(int error, std::string_view context, std::string_view detail);

// A 400 with the given code.
FileError bad_request(std::string_view code, std::string message);

}  // namespace execd::files
