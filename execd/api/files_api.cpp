#include "api/files_api.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <charconv>

#include "api/file_download.hpp"
#include "api/file_upload.hpp"
#include "api/files_json.hpp"
#include "common/log.hpp"
#include "files/file_operations.hpp"
#include "files/file_path.hpp"
#include "files/file_tree.hpp"
#include "files/text_replace.hpp"
#include "telemetry/file_operation_channel.hpp"

namespace execd::api {
namespace {

using files::FileError;

constexpr std::string_view kAccessContext = "error accessing file: ";

http::Response missing_query(std::string_view name) {
    return http::json_error(400, http::error_code::kMissingQuery,
                            "missing query parameter '" + std::string(name) + "'");
}

// Resolves every path; the first failure is returned and nothing is resolved further.
std::optional<FileError> resolve_all(const std::vector<std::string>& raw, std::vector<std::string>& resolved,
                                     bool absolute = true) {
    for (const auto& path : raw) {
        auto result = files::resolve_path(path, absolute);
        if (result.error) {
            return result.error;
        }
        resolved.push_back(std::move(result.path));
    }
    return std::nullopt;
}

std::optional<FileError> stat_error(const std::string& path, bool follow, struct stat& status) {
    if ((follow ? ::stat(path.c_str(), &status) : ::lstat(path.c_str(), &status)) == 0) {
        return std::nullopt;
    }
    const int error = errno;
    return files::error_from_errno(error, kAccessContext,
                                   files::path_error_text(follow ? "stat" : "lstat", path, error));
}

// Resolves the paths and permissions of a permission map (POST /files/permissions, /directories).
struct PathPermission {
    std::string path;
    files::Permission permission;
};
std::variant<std::vector<PathPermission>, FileError> resolve_permission_map(std::string_view body) {
    auto parsed = parse_permission_map(body);
    if (auto* error = std::get_if<FileError>(&parsed)) {
        return *error;
    }
    std::vector<PathPermission> items;
    for (const auto& [raw, request] : std::get<PermissionMap>(parsed)) {
        auto resolved = files::resolve_path(raw);
        if (resolved.error) {
            return *resolved.error;
        }
        auto permission = files::resolve_permission(request, files::kInvalidRequestBody);
        if (auto* error = std::get_if<FileError>(&permission)) {
            return *error;
        }
        items.push_back({std::move(resolved.path), std::get<files::Permission>(permission)});
    }
    return items;
}

std::optional<int> parse_depth(std::string_view text) {
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < 0) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

template <typename Work>
void FilesApi::on_worker(http::Request& request, Channel channel, Work work) {
    workers_.post([this, request = std::move(request), channel = std::move(channel), work] {
        try {
            (this->*work)(request, channel);
        } catch (const std::exception& error) {
            common::log_fields(common::LogLevel::err, "file request failed",
                               {{"path", request.path}, {"error", error.what()}});
            channel->respond(http::json_error(500, http::error_code::kRuntimeError, error.what()));
        }
    });
}

void FilesApi::register_routes(http::Router& router) {
    using telemetry::FileOperation;
    using telemetry::time_file_operation;
    const auto route = [this, &router](const char* method, const char* path, FileOperation operation,
                                       auto work) {
        router.add(method, path, [this, operation, work](http::Request& request, Channel channel) {
            on_worker(request, time_file_operation(operation, std::move(channel)), work);
        });
    };
    route("GET", "/files/info", FileOperation::info, &FilesApi::info);
    route("DELETE", "/files", FileOperation::remove, &FilesApi::remove_files);
    route("POST", "/files/permissions", FileOperation::chmod, &FilesApi::change_permissions);
    route("POST", "/files/mv", FileOperation::rename, &FilesApi::move);
    route("GET", "/files/search", FileOperation::search, &FilesApi::search);
    route("POST", "/files/replace", FileOperation::replace, &FilesApi::replace);
    route("POST", "/directories", FileOperation::mkdir, &FilesApi::make_directories);
    route("DELETE", "/directories", FileOperation::rmdir, &FilesApi::remove_directories);
    route("GET", "/directories/list", FileOperation::listdir, &FilesApi::list);
    router.add("GET", "/files/download", [this](http::Request& request, Channel channel) {
        workers_.post([this, request = std::move(request),
                       channel = time_file_operation(FileOperation::download, std::move(channel))] {
            send_download(workers_, request, channel);
        });
    });
    router.add(
        "POST", "/files/upload",
        [this](http::Request& request, Channel channel) {
            receive_upload(workers_, request, time_file_operation(FileOperation::upload, std::move(channel)));
        },
        http::BodyMode::streamed);
    router.add("GET", "/files/watch", [this](http::Request& request, Channel channel) {
        watches_.watch(request, std::move(channel));
    });
}

void FilesApi::info(const http::Request& request, const Channel& channel) {
    std::string body = "{";
    std::map<std::string, files::FileInfo> infos;
    for (const auto& raw : request.query_values("path")) {
        auto resolved = files::resolve_path(raw);
        if (resolved.error) {
            channel->respond(file_error_response(*resolved.error));
            return;
        }
        struct stat status {};
        if (auto error = stat_error(resolved.path, false, status)) {
            channel->respond(file_error_response(*error));
            return;
        }
        infos.insert_or_assign(raw, files::file_info_from_stat(resolved.path, status));
    }
    for (const auto& [raw, info] : infos) {
        if (body.size() > 1) {
            body += ",";
        }
        common::append_json_string(body, raw);
        body += ":";
        append_file_info_json(body, info);
    }
    channel->respond(http::json_response(200, body + "}"));
}

void FilesApi::remove_files(const http::Request& request, const Channel& channel) {
    std::vector<std::string> paths;
    auto error = resolve_all(request.query_values("path"), paths);
    for (std::size_t i = 0; !error && i < paths.size(); ++i) {
        error = files::check_removable_file(paths[i]);
    }
    for (std::size_t i = 0; !error && i < paths.size(); ++i) {
        error = files::remove_file(paths[i]);
    }
    channel->respond(error ? file_error_response(*error) : http::empty_ok());
}

void FilesApi::change_permissions(const http::Request& request, const Channel& channel) {
    auto items = resolve_permission_map(request.body);
    if (auto* error = std::get_if<FileError>(&items)) {
        channel->respond(file_error_response(*error));
        return;
    }
    for (const auto& item : std::get<std::vector<PathPermission>>(items)) {
        if (auto error = files::change_permission(item.path, item.permission)) {
            channel->respond(file_error_response(*error));
            return;
        }
    }
    channel->respond(http::empty_ok());
}

void FilesApi::move(const http::Request& request, const Channel& channel) {
    auto parsed = parse_move_items(request.body);
    if (auto* error = std::get_if<FileError>(&parsed)) {
        channel->respond(file_error_response(*error));
        return;
    }
    std::vector<std::pair<std::string, std::string>> moves;
    for (const auto& item : std::get<std::vector<MoveItem>>(parsed)) {
        if (item.source.empty() || item.destination.empty()) {
            channel->respond(
                http::json_error(400, files::kInvalidRequestBody, "src and dest must not be empty"));
            return;
        }
        auto source = files::resolve_path(item.source);
        auto destination = files::resolve_path(item.destination);
        if (source.error || destination.error) {
            channel->respond(file_error_response(source.error ? *source.error : *destination.error));
            return;
        }
        moves.emplace_back(std::move(source.path), std::move(destination.path));
    }
    for (const auto& [source, destination] : moves) {
        if (auto error = files::move_path(source, destination)) {
            channel->respond(file_error_response(*error));
            return;
        }
    }
    channel->respond(http::empty_ok());
}

void FilesApi::search(const http::Request& request, const Channel& channel) {
    const auto raw = request.query_param("path");
    if (!raw || raw->empty()) {
        channel->respond(missing_query("path"));
        return;
    }
    std::string pattern(request.query_param("pattern").value_or(""));
    if (pattern.empty()) {
        pattern = "**";
    }
    auto root = files::resolve_path(*raw);
    if (root.error) {
        channel->respond(file_error_response(*root.error));
        return;
    }
    struct stat status {};
    if (auto error = stat_error(root.path, true, status)) {
        channel->respond(file_error_response(*error));
        return;
    }
    const auto result = files::search_files(root.path, pattern);
    if (result.bad_pattern) {
        channel->respond(http::json_error(
            500, http::error_code::kRuntimeError,
            "error searching files. invalid pattern " + pattern + ": syntax error in pattern"));
        return;
    }
    if (result.too_complex) {
        channel->respond(http::json_error(400, files::kInvalidRequestBody,
                                          "error searching files. pattern too complex: " + pattern));
        return;
    }
    channel->respond(http::json_response(200, file_infos_json(result.matches)));
}

void FilesApi::replace(const http::Request& request, const Channel& channel) {
    auto parsed = parse_replace_map(request.body);
    if (auto* error = std::get_if<FileError>(&parsed)) {
        channel->respond(file_error_response(*error));
        return;
    }
    const auto& items = std::get<ReplaceMap>(parsed);
    std::vector<std::string> paths;
    for (const auto& [raw, item] : items) {
        if (item.old_text.empty()) {
            channel->respond(
                http::json_error(400, files::kInvalidRequestBody, "old content must not be empty"));
            return;
        }
        auto resolved = files::resolve_path(raw);
        struct stat status {};
        auto error = resolved.error ? resolved.error : stat_error(resolved.path, true, status);
        if (!error && !S_ISREG(status.st_mode)) {  // checked for every path before any is changed
            error = files::bad_request(files::kInvalidRequestBody,
                                       "path is not a regular file: " + resolved.path);
        }
        if (error) {
            channel->respond(file_error_response(*error));
            return;
        }
        paths.push_back(std::move(resolved.path));
    }
    std::string counts = "{";
    std::size_t index = 0;
    for (const auto& [raw, item] : items) {
        const auto outcome = files::replace_in_file(paths[index++], item.old_text, item.new_text);
        if (outcome.error) {
            channel->respond(file_error_response(*outcome.error));
            return;
        }
        if (counts.size() > 1) {
            counts += ",";
        }
        common::append_json_string(counts, raw);
        counts += ":{\"replacedCount\":" + std::to_string(outcome.count) + "}";
    }
    if (request.query_param("verbose").value_or("") == "true") {
        channel->respond(http::json_response(200, counts + "}"));
        return;
    }
    channel->respond(http::empty_ok());
}

void FilesApi::make_directories(const http::Request& request, const Channel& channel) {
    auto items = resolve_permission_map(request.body);
    if (auto* error = std::get_if<FileError>(&items)) {
        channel->respond(file_error_response(*error));
        return;
    }
    for (const auto& item : std::get<std::vector<PathPermission>>(items)) {
        if (auto error = files::make_directories(item.path, item.permission)) {
            channel->respond(file_error_response(*error));
            return;
        }
    }
    channel->respond(http::empty_ok());
}

void FilesApi::remove_directories(const http::Request& request, const Channel& channel) {
    std::vector<std::string> paths;
    auto error = resolve_all(request.query_values("path"), paths, false);
    for (std::size_t i = 0; !error && i < paths.size(); ++i) {
        error = paths[i].empty() ? std::nullopt : files::check_removable_tree(paths[i]);
    }
    for (std::size_t i = 0; !error && i < paths.size(); ++i) {
        error = files::remove_tree(paths[i]);
    }
    channel->respond(error ? file_error_response(*error) : http::empty_ok());
}

void FilesApi::list(const http::Request& request, const Channel& channel) {
    const auto raw = request.query_param("path");
    if (!raw || raw->empty()) {
        channel->respond(missing_query("path"));
        return;
    }
    int depth = 1;
    if (const auto text = request.query_param("depth")) {
        const auto parsed = parse_depth(*text);
        if (!parsed) {
            channel->respond(http::json_error(400, files::kInvalidRequestBody,
                                              "invalid query parameter 'depth': " + std::string(*text)));
            return;
        }
        depth = *parsed;
    }
    auto root = files::resolve_path(*raw);
    struct stat status {};
    auto error = root.error ? root.error : stat_error(root.path, false, status);
    if (error) {
        channel->respond(file_error_response(*error));
        return;
    }
    if (S_ISLNK(status.st_mode)) {
        channel->respond(http::json_error(400, files::kInvalidRequestBody,
                                          "path is a symbolic link, refusing to traverse: " + root.path));
        return;
    }
    if (!S_ISDIR(status.st_mode)) {
        channel->respond(
            http::json_error(400, files::kInvalidRequestBody, "path is not a directory: " + root.path));
        return;
    }
    channel->respond(http::json_response(200, file_infos_json(files::list_directory(root.path, depth))));
}

}  // namespace execd::api
