#pragma once

#include <memory>

#include "http/request.hpp"
#include "http/response_channel.hpp"
#include "process/worker_pool.hpp"

namespace execd::api {

// POST /files/upload: a multipart/form-data body of "metadata" parts ({"path","owner","group","mode"},
// as a file part or a plain field) each followed by its "file" part, paired in order. The body is
// read piece by piece (the next piece only after the previous one is on disk, on `workers`); each
// file goes to a temporary file beside its target, is flushed and renamed over it, so the target
// is either the old file or the complete new one. Needs a streamed route (Request::body_reader).
void receive_upload(process::WorkerPool& workers, const http::Request& request,
                    std::shared_ptr<http::ResponseChannel> channel);

}  // namespace execd::api
