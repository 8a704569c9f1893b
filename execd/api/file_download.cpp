#include "api/file_download.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "api/files_json.hpp"
#include "api/line_download.hpp"
#include "common/fd.hpp"
#include "files/byte_range.hpp"
#include "files/file_path.hpp"
#include "files/trusted_walk.hpp"

namespace execd::api {
namespace {

constexpr std::size_t kDownloadPieceBytes = 1024 * 1024;

// An RFC 9110 HTTP-date: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date(time_t seconds) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    tm utc{};
    ::gmtime_r(&seconds, &utc);
    char text[64];
    std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[utc.tm_wday], utc.tm_mday,
                  kMonths[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
    return text;
}

bool plain_ascii(std::string_view name) {
    for (const char c : name) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte >= 0x7F || c == '"' || c == '\\') {
            return false;
        }
    }
    return true;
}

// Go's url.PathEscape.
std::string path_escape(std::string_view text) {
    static constexpr std::string_view kKept = "-_.~$&+:=@";
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (std::isalnum(byte) != 0 || kKept.find(c) != std::string_view::npos) {
            out.push_back(c);
        } else {
            char escaped[4];
            std::snprintf(escaped, sizeof escaped, "%%%02X", byte);
            out += escaped;
        }
    }
    return out;
}

std::string content_disposition(const std::string& name) {
    if (plain_ascii(name)) {
        return "attachment; filename=\"" + name + "\"";
    }
    const std::string escaped = path_escape(name);
    return "attachment; filename=\"" + escaped + "\"; filename*=UTF-8''" + escaped;
}

struct FileSender : std::enable_shared_from_this<FileSender> {
    process::WorkerPool& workers;
    std::shared_ptr<http::ResponseChannel> channel;
    common::UniqueFd file;
    uint64_t offset;
    uint64_t end;  // exclusive

    FileSender(process::WorkerPool& pool, std::shared_ptr<http::ResponseChannel> response,
               common::UniqueFd fd, uint64_t from, uint64_t to)
        : workers(pool), channel(std::move(response)), file(std::move(fd)), offset(from), end(to) {}

    void send_next_piece() {
        if (offset >= end) {
            channel->finish();
            return;
        }
        std::string piece(std::min<uint64_t>(kDownloadPieceBytes, end - offset), '\0');
        const ssize_t got = ::pread(file.get(), piece.data(), piece.size(), static_cast<off_t>(offset));
        if (got <= 0) {
            return;  // the file shrank: dropping the channel closes the connection mid-body
        }
        piece.resize(static_cast<std::size_t>(got));
        offset += static_cast<uint64_t>(got);
        channel->write(std::move(piece), [self = shared_from_this()](bool written) {
            if (written) {
                self->workers.post([self] { self->send_next_piece(); });
            }
        });
    }
};

// Whether the Range applies: without If-Range, or when If-Range names the current Last-Modified.
bool range_applies(const http::Request& request, const std::string& last_modified) {
    const auto if_range = request.header("If-Range");
    return !if_range || *if_range == last_modified;
}

// The whole file (200) or one range of it (206, or 416 when it cannot be satisfied).
void send_file(process::WorkerPool& workers, const http::Request& request,
               std::shared_ptr<http::ResponseChannel> channel, common::UniqueFd file, const std::string& path,
               const struct stat& status) {
    if (S_ISDIR(status.st_mode)) {
        channel->respond(
            http::json_error(400, http::error_code::kInvalidRequestBody, "path is a directory: " + path));
        return;
    }
    if (!S_ISREG(status.st_mode)) {  // a pipe, socket or device has no size to serve
        channel->respond(http::json_error(400, http::error_code::kInvalidRequestBody,
                                          "path is not a regular file: " + path));
        return;
    }
    ::fcntl(file.get(), F_SETFL, 0);
    const uint64_t size = static_cast<uint64_t>(status.st_size);
    const std::string last_modified = http_date(status.st_mtim.tv_sec);
    http::HeaderList headers{{"Content-Type", "application/octet-stream"},
                             {"Content-Disposition", content_disposition(files::base_name(path))},
                             {"Accept-Ranges", "bytes"},
                             {"Last-Modified", last_modified}};
    files::RangeDecision range;
    if (const auto header = request.header("Range"); header && range_applies(request, last_modified)) {
        range = files::decide_range(*header, size);
    }
    using Kind = files::RangeDecision::Kind;
    if (range.kind == Kind::unsatisfiable || range.kind == Kind::malformed) {
        http::Response response = http::json_error(416, http::error_code::kUnknown, "");
        response.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
        channel->respond(std::move(response));
        return;
    }
    uint64_t first = 0;
    uint64_t end = size;
    int status_code = 200;
    if (range.kind == Kind::partial) {
        first = range.first;
        end = range.last + 1;
        status_code = 206;
        headers.emplace_back("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                                  std::to_string(range.last) + "/" + std::to_string(size));
    }
    channel->start(http::ResponseHead{status_code, std::move(headers), end - first});
    std::make_shared<FileSender>(workers, std::move(channel), std::move(file), first, end)->send_next_piece();
}

}  // namespace

void send_download(process::WorkerPool& workers, const http::Request& request,
                   std::shared_ptr<http::ResponseChannel> channel) {
    const auto raw = request.query_param("path");
    if (!raw || raw->empty()) {
        channel->respond(
            http::json_error(400, http::error_code::kMissingQuery, "missing query parameter 'path'"));
        return;
    }
    const auto resolved = files::resolve_path(*raw, false);
    if (resolved.error) {
        channel->respond(file_error_response(*resolved.error));
        return;
    }
    const std::string& path = resolved.path;
    const bool lines = line_mode_requested(request);
    // Checked before the file is opened, as upstream does: this wins over a missing file.
    if (lines && !request.header("Range").value_or("").empty()) {
        channel->respond(http::json_error(
            400, http::error_code::kInvalidRequestBody,
            "line-based reading (offset/limit) and byte range (Range header) are mutually exclusive"));
        return;
    }
    const std::string context = "error getting file stat info: " + path + ". ";
    // O_NONBLOCK: opening a named pipe would otherwise wait for a writer, holding a worker.
    auto opened = files::open_trusted(path, O_RDONLY | O_NONBLOCK);
    if (auto* refused = std::get_if<files::WalkError>(&opened)) {
        channel->respond(file_error_response(files::walk_failure(*refused, context)));
        return;
    }
    common::UniqueFd file = std::move(std::get<common::UniqueFd>(opened));
    struct stat status {};
    if (::fstat(file.get(), &status) != 0) {
        const int error = errno;
        channel->respond(file_error_response(
            files::error_from_errno(error, context, files::path_error_text("fstat", path, error))));
        return;
    }
    if (lines) {
        send_lines(workers, request, std::move(channel), std::move(file), path, status);
        return;
    }
    send_file(workers, request, std::move(channel), std::move(file), path, status);
}

}  // namespace execd::api
