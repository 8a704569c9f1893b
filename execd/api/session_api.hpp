#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "http/event_stream.hpp"
#include "http/resumable_streams.hpp"
#include "http/router.hpp"
#include "process/process_supervisor.hpp"
#include "process/worker_pool.hpp"
#include "session/session_registry.hpp"

namespace execd::api {

// POST /session, POST /session/{id}/run and DELETE /session/{id}: long-lived bash sessions; and this
// implementation's GET /session/{id}/resume, which resumes the stream of the session's latest run.
// Handlers validate on the network thread; starting shells, checking directories and waiting for
// a deleted shell happen on the worker pool.
class SessionApi {
  public:
    SessionApi(process::ProcessSupervisor& supervisor, process::WorkerPool& workers,
               http::ReplayLimits replay = {},
               std::chrono::milliseconds ping_interval = std::chrono::seconds(3));

    void register_routes(http::Router& router);
    // Ends every session (shutdown); their running streams end with an in-band error.
    void close_all(const std::string& reason);

  private:
    void create_session(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);
    void run_in_session(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);
    void delete_session(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);
    void resume(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);

    process::ProcessSupervisor& supervisor_;
    process::WorkerPool& workers_;
    std::chrono::milliseconds ping_interval_;
    http::ResumableStreams resumable_;  // by session id; on the supervisor's loop only
    // Shared with the sessions' exit callbacks, which may outlive this object during shutdown.
    std::shared_ptr<session::SessionRegistry> registry_ = std::make_shared<session::SessionRegistry>();
};

}  // namespace execd::api
