#pragma once

#include <sys/stat.h>

#include <memory>
#include <string>

#include "common/fd.hpp"
#include "http/request.hpp"
#include "http/response_channel.hpp"
#include "process/worker_pool.hpp"

namespace execd::api {

// Whether GET /files/download asks for lines: a non-empty `offset` or `limit`.
bool line_mode_requested(const http::Request& request);

// The line mode of GET /files/download on the opened `file` (`status` is its fstat): 400 for an
// `offset` or `limit` that is not an integer of at least 1 or for a file that is neither regular nor a
// directory, else 200 text/plain, chunked, with the selected lines (files/line_selection.hpp) streamed
// from disk, one piece in flight. A read error ends the body early, as upstream's does (a directory
// gives an empty body). Call from a worker.
void send_lines(process::WorkerPool& workers, const http::Request& request,
                std::shared_ptr<http::ResponseChannel> channel, common::UniqueFd file,
                const std::string& path, const struct stat& status);

}  // namespace execd::api
