#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "http/response_channel.hpp"
#include "process/worker_pool.hpp"

namespace execd::api {

// Answers GET /command/{id}/logs: the log's bytes from `cursor` to its size at open time, with the
// new cursor in EXECD-COMMANDS-TAIL-CURSOR. The file is read in pieces on `workers`, one piece in
// flight at a time, never whole into memory. Call from a worker.
void send_log(process::WorkerPool& workers, std::shared_ptr<http::ResponseChannel> channel,
              const std::string& id, const std::string& path, uint64_t cursor);

}  // namespace execd::api
