#pragma once

#include <memory>

#include "api/file_watch_api.hpp"
#include "http/router.hpp"
#include "process/worker_pool.hpp"

namespace execd::api {

// The filesystem endpoints: /files/info, DELETE /files, /files/permissions, /files/mv,
// /files/search, /files/replace, /files/upload, /files/download, POST and DELETE /directories,
// /directories/list, and /files/watch (api/file_watch_api.hpp). Every filesystem call runs on
// `workers`, never on a network thread.
class FilesApi {
  public:
    explicit FilesApi(process::WorkerPool& workers) : workers_(workers), watches_(workers) {}

    void register_routes(http::Router& router);
    // Ends the /files/watch streams (shutdown).
    void stop_watches() { watches_.stop(); }

  private:
    using Channel = std::shared_ptr<http::ResponseChannel>;

    // Runs `work(request, channel)` on a worker with a copy of the request.
    template <typename Work>
    void on_worker(http::Request& request, Channel channel, Work work);

    void info(const http::Request& request, const Channel& channel);
    void remove_files(const http::Request& request, const Channel& channel);
    void change_permissions(const http::Request& request, const Channel& channel);
    void move(const http::Request& request, const Channel& channel);
    void search(const http::Request& request, const Channel& channel);
    void replace(const http::Request& request, const Channel& channel);
    void make_directories(const http::Request& request, const Channel& channel);
    void remove_directories(const http::Request& request, const Channel& channel);
    void list(const http::Request& request, const Channel& channel);

    process::WorkerPool& workers_;
    FileWatchApi watches_;
};

}  // namespace execd::api
