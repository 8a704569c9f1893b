#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "api/file_watch_stream.hpp"
#include "common/event_loop.hpp"
#include "files/inotify_watch.hpp"
#include "http/request.hpp"
#include "http/response_channel.hpp"
#include "process/worker_pool.hpp"

namespace execd::api {

// GET /files/watch?path=<dir>&recursive=true|false (this project's extension): filesystem events
// under a directory as Server-Sent Events. The request is checked and the tree watched on a worker
// (a large tree takes a while), so errors are real 4xx answers; the streams then run on a loop
// thread of their own, so that scanning new directories never delays command output.
class FileWatchApi {
  public:
    explicit FileWatchApi(process::WorkerPool& workers);
    // Stops the loop thread; streams still open are dropped.
    ~FileWatchApi();
    FileWatchApi(const FileWatchApi&) = delete;
    FileWatchApi& operator=(const FileWatchApi&) = delete;

    void watch(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);
    // Thread-safe: ends every stream with `end` (reason "shutdown"), and streams that start later.
    void stop();

  private:
    void open_watch(const http::Request& request, const std::shared_ptr<http::ResponseChannel>& channel);
    void start_on_loop(const std::shared_ptr<FileWatchStream>& stream);

    process::WorkerPool& workers_;
    files::InotifyWatchOptions watch_options_;
    FileWatchStreamLimits stream_limits_;
    // Shared with write completions, which may run on a network thread after this object is gone.
    std::shared_ptr<common::EventLoop> loop_ = std::make_shared<common::EventLoop>();
    std::vector<std::weak_ptr<FileWatchStream>> streams_;  // loop thread only
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace execd::api
