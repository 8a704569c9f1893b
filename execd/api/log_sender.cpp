#include "api/log_sender.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fd.hpp"
#include "process/exit_outcome.hpp"

namespace execd::api {
namespace {

constexpr std::size_t kLogPieceBytes = 64 * 1024;
constexpr const char* kCursorHeader = "Execd-Commands-Tail-Cursor";

struct LogReader : std::enable_shared_from_this<LogReader> {
    process::WorkerPool& workers;
    std::shared_ptr<http::ResponseChannel> channel;
    common::UniqueFd file;
    uint64_t offset;
    uint64_t end;

    LogReader(process::WorkerPool& pool, std::shared_ptr<http::ResponseChannel> response, common::UniqueFd fd,
              uint64_t from, uint64_t to)
        : workers(pool), channel(std::move(response)), file(std::move(fd)), offset(from), end(to) {}

    void send_next_piece() {
        if (offset >= end) {
            channel->finish();
            return;
        }
        std::string piece(std::min<uint64_t>(kLogPieceBytes, end - offset), '\0');
        const ssize_t got = ::pread(file.get(), piece.data(), piece.size(), static_cast<off_t>(offset));
        if (got <= 0) {
            channel->finish();  // the log shrank (pruned): the client sees a short body
            return;
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

}  // namespace

void send_log(process::WorkerPool& workers, std::shared_ptr<http::ResponseChannel> channel,
              const std::string& id, const std::string& path, uint64_t cursor) {
    common::UniqueFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat info {};
    if (!file || ::fstat(file.get(), &info) != 0) {
        channel->respond(http::json_error(400, http::error_code::kInvalidRequestBody,
                                          "error open combined output file for command " + id + ": open " +
                                              path + ": " + process::go_errno_text(errno)));
        return;
    }
    const uint64_t size = static_cast<uint64_t>(info.st_size);
    const uint64_t end = std::max(size, cursor);
    http::ResponseHead head{
        200,
        {{"Content-Type", "text/plain; charset=utf-8"}, {kCursorHeader, std::to_string(end)}},
        end - cursor};
    channel->start(std::move(head));
    std::make_shared<LogReader>(workers, std::move(channel), std::move(file), cursor, end)->send_next_piece();
}

}  // namespace execd::api
