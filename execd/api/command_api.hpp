#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/command_request.hpp"
#include "api/command_stdin.hpp"
#include "http/event_stream.hpp"
#include "http/resumable_streams.hpp"
#include "http/router.hpp"
#include "process/command_registry.hpp"
#include "process/process_supervisor.hpp"
#include "process/spawn_spec.hpp"
#include "process/worker_pool.hpp"

namespace execd::api {

struct CommandApiOptions {
    std::string log_dir;
    std::chrono::nanoseconds stream_grace{std::chrono::seconds(1)};
    std::chrono::milliseconds ping_interval{std::chrono::seconds(3)};
    std::chrono::milliseconds prune_interval{std::chrono::minutes(1)};
    http::ReplayLimits replay;
};

// POST /command, GET /command/status/{id}, GET /command/{id}/logs, DELETE /command and this
// implementation's GET /command/{id}/resume and /command/{id}/stdin (docs/execd.md); the code API
// hands it POST /code without a language and DELETE /code for ids that are not code contexts.
// Handlers validate on the network thread and hand spawning and file reads to the worker pool.
class CommandApi {
  public:
    CommandApi(CommandApiOptions options, process::ProcessSupervisor& supervisor,
               process::CommandRegistry& registry, process::WorkerPool& workers);

    void register_routes(http::Router& router);
    // Starts removing finished records past their retention, periodically.
    void start_pruning();
    // Ends every open stream with an in-band error (shutdown).
    void cut_streams(const std::string& reason);

    // Runs an already validated command and streams it (POST /code without a language).
    void run(CommandRequest request, std::shared_ptr<http::ResponseChannel> channel);
    // GET /command/{id}/resume (and GET /code/{id}/resume for command ids).
    void resume(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);
    bool has_command(const std::string& id) const { return registry_.find(id) != nullptr; }
    // DELETE /command?id= (and DELETE /code?id= for command ids).
    void interrupt(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);

  private:
    void run_command(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);
    void launch(const CommandRequest& request, const std::shared_ptr<http::ResponseChannel>& channel,
                std::chrono::steady_clock::time_point received);
    void command_status(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);
    void command_logs(http::Request& request, std::shared_ptr<http::ResponseChannel> channel);
    std::shared_ptr<http::EventStream> open_stream(std::shared_ptr<http::ResponseChannel> channel,
                                                   const std::string& resumable_id);
    void schedule_prune();

    CommandApiOptions options_;
    process::ProcessSupervisor& supervisor_;
    process::CommandRegistry& registry_;
    process::WorkerPool& workers_;
    std::mutex streams_mutex_;
    std::vector<std::weak_ptr<http::EventStream>> streams_;
    http::ResumableStreams resumable_;  // on the supervisor's loop only
    CommandStdin stdin_;
};

}  // namespace execd::api
