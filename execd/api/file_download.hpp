#pragma once

#include <memory>

#include "http/request.hpp"
#include "http/response_channel.hpp"
#include "process/worker_pool.hpp"

namespace execd::api {

// GET /files/download?path=: the file streamed from disk in pieces, one piece in flight, with
// Content-Disposition, Accept-Ranges, Last-Modified and one Range honoured (206 with Content-Range,
// 416 when it cannot be satisfied; If-Range with the Last-Modified date). With `offset` or `limit`,
// lines instead (api/line_download.hpp); with a Range header too, 400. Call from a worker.
void send_download(process::WorkerPool& workers, const http::Request& request,
                   std::shared_ptr<http::ResponseChannel> channel);

}  // namespace execd::api
