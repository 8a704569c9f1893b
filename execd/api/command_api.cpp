#include "api/command_api.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "api/command_json.hpp"
#include "api/command_launch.hpp"
#include "api/command_observers.hpp"
#include "api/log_sender.hpp"
#include "api/resume_request.hpp"
#include "common/config.hpp"
#include "common/log.hpp"
#include "process/execution_id.hpp"
#include "process/exit_outcome.hpp"
#include "telemetry/operation_metrics.hpp"

namespace execd::api {
namespace {

using http::error_code::kInvalidRequestBody;
using http::error_code::kMissingQuery;
using http::error_code::kRuntimeError;

http::Response interrupt_error(const std::string& detail) {
    return http::json_error(500, kRuntimeError, "error interruptting code context. " + detail);
}

}  // namespace

CommandApi::CommandApi(CommandApiOptions options, process::ProcessSupervisor& supervisor,
                       process::CommandRegistry& registry, process::WorkerPool& workers)
    : options_(std::move(options)),
      supervisor_(supervisor),
      registry_(registry),
      workers_(workers),
      resumable_(options_.replay),
      stdin_(registry, supervisor.loop()) {
    std::error_code ignored;
    std::filesystem::create_directories(options_.log_dir, ignored);
}

void CommandApi::register_routes(http::Router& router) {
    using namespace std::placeholders;
    router.add("POST", "/command", std::bind(&CommandApi::run_command, this, _1, _2));
    router.add("GET", "/command/status/:id", std::bind(&CommandApi::command_status, this, _1, _2));
    router.add("GET", "/command/:id/logs", std::bind(&CommandApi::command_logs, this, _1, _2));
    router.add("GET", "/command/:id/resume", std::bind(&CommandApi::resume, this, _1, _2));
    stdin_.register_routes(router);
    router.add("DELETE", "/command", std::bind(&CommandApi::interrupt, this, _1, _2));
}

void CommandApi::run_command(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    auto parsed = parse_command_request(request.body);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        channel->respond(http::json_error(400, kInvalidRequestBody, *error));
        return;
    }
    run(std::get<CommandRequest>(std::move(parsed)), std::move(channel));
}

void CommandApi::run(CommandRequest request, std::shared_ptr<http::ResponseChannel> channel) {
    const auto received = std::chrono::steady_clock::now();
    workers_.post([this, command = std::move(request), channel = std::move(channel), received] {
        launch(command, channel, received);
    });
}

std::shared_ptr<http::EventStream> CommandApi::open_stream(std::shared_ptr<http::ResponseChannel> channel,
                                                           const std::string& resumable_id) {
    http::EventStreamOptions stream_options;
    stream_options.ping_interval = options_.ping_interval;
    stream_options.grace = options_.stream_grace;
    if (!resumable_id.empty()) {
        stream_options = resumable_.stream_options(stream_options);
    }
    auto stream = http::EventStream::create(std::move(channel), supervisor_.loop(), stream_options);
    if (stream_options.replay_bytes > 0) {
        supervisor_.loop().post([this, stream, resumable_id] { resumable_.add(resumable_id, stream); });
    }
    std::lock_guard lock(streams_mutex_);
    std::erase_if(streams_, [](const auto& weak) { return weak.expired(); });
    streams_.push_back(stream);
    return stream;
}

void CommandApi::launch(const CommandRequest& request, const std::shared_ptr<http::ResponseChannel>& channel,
                        std::chrono::steady_clock::time_point received) {
    auto prepared = prepare_spawn(request);
    if (auto* error = std::get_if<std::string>(&prepared)) {
        channel->respond(http::json_error(400, kInvalidRequestBody, *error));
        return;
    }
    auto& spec = std::get<process::SpawnSpec>(prepared);
    std::optional<CommandStdin::Opened> input;
    if (request.stdin && !(input = stdin_.open())) {
        channel->respond(http::json_error(500, kRuntimeError,
                                          "error running commands pipe: " + process::go_errno_text(errno)));
        return;
    }
    const std::string id = process::new_execution_id();
    spec.log_path = options_.log_dir + "/" + id + ".output";
    spec.cgroup_name = "command-" + id;
    auto record =
        std::make_shared<process::CommandRecord>(id, request.command, request.background, spec.log_path);
    auto stream = open_stream(channel, request.background ? "" : id);
    std::shared_ptr<process::ProcessObserver> observer;
    if (request.background) {
        observer = std::make_shared<BackgroundCommandObserver>(record, stream, received);
    } else {
        observer = std::make_shared<StreamingCommandObserver>(record, stream, received);
    }
    if (input) {
        spec.stdin_fd = input->read_end.get();
        observer = CommandStdin::closing_at_exit(input->pipe, std::move(observer));
        // Before the start, so that the pipe is known on the loop before anyone can learn the id.
        stdin_.add(id, input->pipe);
    }
    registry_.add(record);
    auto started = supervisor_.start(spec, std::move(observer));
    input.reset();  // the child has its copy of the read end
    if (auto* error = std::get_if<std::string>(&started)) {
        record->set_finished(process::ExitOutcome{255, *error});
        telemetry::record_execution(telemetry::Execution::run_command, false, received);
        if (request.background) {
            channel->respond(http::json_error(500, kRuntimeError, "error running commands " + *error));
            return;
        }
        supervisor_.loop().post([stream, id, message = *error] {
            stream->send(http::StreamEvent::init(id));
            stream->end_with(http::StreamEvent::failure({"CommandExecError", message, std::vector{message}}));
        });
        return;
    }
    if (request.cancel_on_disconnect && !request.background) {
        supervisor_.loop().post([this, stream, record] {
            stream->watch_client([this, record] {
                const process::CommandState state = record->snapshot();
                if (state.running && state.pid > 0) {
                    common::log_fields(common::LogLevel::info, "client gone, ending its command",
                                       {{"id", state.id}});
                    supervisor_.terminate(state.pid);
                }
            });
        });
    }
}

void CommandApi::command_status(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    const std::string& id = request.path_params.at("id");
    const auto record = registry_.find(id);
    if (!record) {
        channel->respond(http::json_error(404, kInvalidRequestBody, "command not found: " + id));
        return;
    }
    channel->respond(http::json_response(200, command_status_json(record->snapshot())));
}

void CommandApi::command_logs(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    const std::string& id = request.path_params.at("id");
    const auto record = registry_.find(id);
    if (!record) {
        channel->respond(http::json_error(400, kInvalidRequestBody, "command not found: " + id));
        return;
    }
    const process::CommandState state = record->snapshot();
    if (!state.background) {
        channel->respond(
            http::json_error(400, kInvalidRequestBody, "command " + id + " is not running in background"));
        return;
    }
    const int64_t cursor = common::parse_int(request.query_param("cursor").value_or("0")).value_or(0);
    if (cursor < 0) {
        channel->respond(http::json_error(400, kInvalidRequestBody,
                                          "error seek file: seek " + state.log_path + ": invalid argument"));
        return;
    }
    workers_.post([this, id, path = state.log_path, cursor, channel] {
        send_log(workers_, channel, id, path, static_cast<uint64_t>(cursor));
    });
}

void CommandApi::resume(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    const std::string& id = request.path_params.at("id");
    const auto after = resume_point(request);
    if (const auto* error = std::get_if<std::string>(&after)) {
        channel->respond(http::json_error(400, kInvalidRequestBody, *error));
        return;
    }
    const auto record = registry_.find(id);
    if (!record) {
        channel->respond(http::json_error(404, kInvalidRequestBody, "command not found: " + id));
        return;
    }
    if (record->snapshot().background) {
        channel->respond(http::json_error(400, kInvalidRequestBody,
                                          "command " + id +
                                              " runs in background: read its output from "
                                              "GET /command/" +
                                              id + "/logs"));
        return;
    }
    supervisor_.loop().post([this, id, after_eid = std::get<int64_t>(after), channel] {
        if (auto stream = resumable_.find(id)) {
            stream->resume(channel, after_eid, "command " + id);
            return;
        }
        channel->respond(http::json_error(
            410, http::error_code::kEventsNotKept,
            "the events of command " + id + " are no longer kept (" + resumable_.retention_text() + ")"));
    });
}

void CommandApi::interrupt(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    const auto id = request.query_param("id");
    if (!id || id->empty()) {
        channel->respond(http::json_error(400, kMissingQuery, "missing query parameter 'id'"));
        return;
    }
    const auto record = registry_.find(std::string(*id));
    if (!record) {
        channel->respond(interrupt_error("no such session"));
        return;
    }
    const process::CommandState state = record->snapshot();
    if (!state.running || state.pid <= 0) {
        channel->respond(interrupt_error("command session " + state.id + " is not running"));
        return;
    }
    supervisor_.terminate(state.pid);
    workers_.post([record, channel] {
        record->wait_finished(process::ProcessSupervisor::kKillGrace + std::chrono::seconds(1));
        channel->respond(http::empty_ok());
    });
}

void CommandApi::start_pruning() {
    schedule_prune();
}

void CommandApi::schedule_prune() {
    supervisor_.loop().post([this] {
        supervisor_.loop().run_after(options_.prune_interval, [this] {
            workers_.post([this] {
                const std::size_t removed = registry_.prune(std::chrono::system_clock::now());
                if (removed > 0) {
                    common::log_fields(common::LogLevel::debug, "pruned command records",
                                       {{"count", removed}});
                }
                schedule_prune();
            });
        });
    });
}

void CommandApi::cut_streams(const std::string& reason) {
    std::vector<std::shared_ptr<http::EventStream>> open;
    {
        std::lock_guard lock(streams_mutex_);
        for (const auto& weak : streams_) {
            if (auto stream = weak.lock()) {
                open.push_back(std::move(stream));
            }
        }
    }
    supervisor_.loop().post([open = std::move(open), reason] {
        for (const auto& stream : open) {
            stream->fail_in_band(reason);
        }
    });
}

}  // namespace execd::api
