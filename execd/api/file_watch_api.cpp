#include "api/file_watch_api.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <optional>
#include <variant>

#include "api/files_json.hpp"
#include "common/log.hpp"
#include "files/file_path.hpp"
#include "http/response.hpp"

namespace execd::api {
namespace {

using files::FileError;

struct WatchTarget {
    std::string root;
    bool recursive = false;
};

std::optional<bool> parse_watch_flag(std::string_view text) {
    if (text == "true") {
        return true;
    }
    if (text == "false") {
        return false;
    }
    return std::nullopt;
}

std::optional<FileError> check_watch_root(const std::string& root) {
    struct stat status {};
    if (::stat(root.c_str(), &status) != 0) {
        const int error = errno;
        return files::error_from_errno(error,
                                       "error accessing file: ", files::path_error_text("stat", root, error));
    }
    if (!S_ISDIR(status.st_mode)) {
        return files::bad_request(files::kInvalidRequestBody, "path is not a directory: " + root);
    }
    return std::nullopt;
}

// The directory to watch and how, or the answer that refuses the request.
std::variant<WatchTarget, http::Response> watch_target(const http::Request& request) {
    const auto raw = request.query_param("path");
    if (!raw || raw->empty()) {
        return http::json_error(400, http::error_code::kMissingQuery, "missing query parameter 'path'");
    }
    const auto recursive = parse_watch_flag(request.query_param("recursive").value_or("false"));
    if (!recursive) {
        return http::json_error(400, files::kInvalidRequestBody,
                                "invalid query parameter 'recursive': " +
                                    std::string(*request.query_param("recursive")) + " (true or false)");
    }
    auto resolved = files::resolve_path(*raw);
    auto error = resolved.error ? resolved.error : check_watch_root(resolved.path);
    if (error) {
        return file_error_response(*error);
    }
    return WatchTarget{std::move(resolved.path), *recursive};
}

}  // namespace

FileWatchApi::FileWatchApi(process::WorkerPool& workers) : workers_(workers) {
    thread_ = std::thread([loop = loop_] {
        loop->run();
        loop->close();  // here, so that the streams are released on the thread that used them
    });
}

FileWatchApi::~FileWatchApi() {
    loop_->stop();
    thread_.join();
}

void FileWatchApi::watch(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    workers_.post([this, request = std::move(request), channel = std::move(channel)] {
        try {
            open_watch(request, channel);
        } catch (const std::exception& error) {
            common::log_fields(common::LogLevel::err, "file watch failed", {{"error", error.what()}});
            channel->respond(http::json_error(500, http::error_code::kRuntimeError, error.what()));
        }
    });
}

void FileWatchApi::open_watch(const http::Request& request,
                              const std::shared_ptr<http::ResponseChannel>& channel) {
    auto target = watch_target(request);
    if (auto* refusal = std::get_if<http::Response>(&target)) {
        channel->respond(std::move(*refusal));
        return;
    }
    auto options = watch_options_;
    options.recursive = std::get<WatchTarget>(target).recursive;
    auto opened = files::InotifyWatch::open(std::get<WatchTarget>(target).root, options);
    if (auto* error = std::get_if<FileError>(&opened)) {
        channel->respond(file_error_response(*error));
        return;
    }
    auto stream = std::make_shared<FileWatchStream>(
        channel, std::move(std::get<std::unique_ptr<files::InotifyWatch>>(opened)), loop_, stream_limits_);
    loop_->post([this, stream] { start_on_loop(stream); });
}

void FileWatchApi::start_on_loop(const std::shared_ptr<FileWatchStream>& stream) {
    std::erase_if(streams_, [](const auto& weak) {
        const auto live = weak.lock();
        return !live || live->ended();
    });
    try {
        stream->start();
    } catch (const std::exception& error) {  // the loop could not take the descriptor
        common::log_fields(common::LogLevel::err, "file watch failed", {{"error", error.what()}});
        stream->end("error");
        return;
    }
    if (stopping_) {
        stream->end("shutdown");
        return;
    }
    streams_.push_back(stream);
}

void FileWatchApi::stop() {
    stopping_ = true;
    loop_->post([this] {
        for (const auto& weak : streams_) {
            if (auto stream = weak.lock()) {
                stream->end("shutdown");
            }
        }
        streams_.clear();
    });
}

}  // namespace execd::api
