#include "api/line_download.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <variant>

#include "files/line_selection.hpp"

namespace execd::api {
namespace {

constexpr std::size_t kLinePieceBytes = 1024 * 1024;

struct LineWindow {
    uint64_t first_line = 1;
    std::optional<uint64_t> line_limit;  // nullopt: to the end of the file
};

// A query parameter that is present and not empty (`?offset=` counts as absent, as upstream's).
std::optional<std::string_view> non_empty_param(const http::Request& request, const std::string& name) {
    auto value = request.query_param(name);
    if (value && value->empty()) {
        return std::nullopt;
    }
    return value;
}

http::Response invalid_line_parameter(std::string_view name, std::string_view raw) {
    return http::json_error(400, http::error_code::kInvalidRequestBody,
                            "invalid query parameter '" + std::string(name) + "': " + std::string(raw));
}

std::variant<LineWindow, http::Response> line_window(const http::Request& request) {
    LineWindow window{1, std::nullopt};
    if (const auto raw = non_empty_param(request, "offset")) {
        const auto first = files::parse_line_count(*raw);
        if (!first) {
            return invalid_line_parameter("offset", *raw);
        }
        window.first_line = *first;
    }
    if (const auto raw = non_empty_param(request, "limit")) {
        window.line_limit = files::parse_line_count(*raw);
        if (!window.line_limit) {
            return invalid_line_parameter("limit", *raw);
        }
    }
    return window;
}

struct LineSender : std::enable_shared_from_this<LineSender> {
    process::WorkerPool& workers;
    std::shared_ptr<http::ResponseChannel> channel;
    common::UniqueFd file;
    files::LineSelection selection;
    std::string piece = std::string(kLinePieceBytes, '\0');

    LineSender(process::WorkerPool& pool, std::shared_ptr<http::ResponseChannel> response,
               common::UniqueFd fd, const LineWindow& window)
        : workers(pool),
          channel(std::move(response)),
          file(std::move(fd)),
          selection(window.first_line, window.line_limit) {}

    void send_next_piece() {
        const ssize_t got = selection.complete() ? 0 : read_piece();
        if (got <= 0) {
            // The end of the file, or a read error after the head went out: upstream ends the body
            // the same way.
            channel->finish();
            return;
        }
        std::string selected;
        selection.feed(std::string_view(piece.data(), static_cast<std::size_t>(got)), selected);
        if (selected.empty()) {  // still before `offset`: read on, one piece per task
            if (!channel->peer_gone()) {
                workers.post([self = shared_from_this()] { self->send_next_piece(); });
            }
            return;
        }
        channel->write(std::move(selected), [self = shared_from_this()](bool written) {
            if (written) {
                self->workers.post([self] { self->send_next_piece(); });
            }
        });
    }

    ssize_t read_piece() {
        ssize_t got = 0;
        do {
            got = ::read(file.get(), piece.data(), piece.size());
        } while (got < 0 && errno == EINTR);
        return got;
    }
};

}  // namespace

bool line_mode_requested(const http::Request& request) {
    return non_empty_param(request, "offset") || non_empty_param(request, "limit");
}

void send_lines(process::WorkerPool& workers, const http::Request& request,
                std::shared_ptr<http::ResponseChannel> channel, common::UniqueFd file,
                const std::string& path, const struct stat& status) {
    auto window = line_window(request);
    if (auto* invalid = std::get_if<http::Response>(&window)) {
        channel->respond(std::move(*invalid));
        return;
    }
    // A directory is read as upstream reads it: the read fails and the body is empty. A pipe or a
    // device could block a worker or never end.
    if (!S_ISREG(status.st_mode) && !S_ISDIR(status.st_mode)) {
        channel->respond(http::json_error(400, http::error_code::kInvalidRequestBody,
                                          "path is not a regular file: " + path));
        return;
    }
    ::fcntl(file.get(), F_SETFL, 0);
    channel->start(http::ResponseHead{200, {{"Content-Type", "text/plain; charset=utf-8"}}, std::nullopt});
    std::make_shared<LineSender>(workers, std::move(channel), std::move(file), std::get<LineWindow>(window))
        ->send_next_piece();
}

}  // namespace execd::api
