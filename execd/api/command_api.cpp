#include "api/command_api.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "api/command_json.hpp"
#include "api/command_launch.hpp"
#include "api/command_observers.hpp"
#include "api/log_sender.hpp"
#include "common/config.hpp"
#include "common/log.hpp"
#include "process/execution_id.hpp"
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
    : options_(std::move(options)), supervisor_(supervisor), registry_(registry), workers_(workers) {
    std::error_code ignored;
    std::filesystem::create_directories(options_.log_dir, ignored);
}

void CommandApi::register_routes(http::Router& router) {
    using namespace std::placeholders;
    router.add("POST", "/command", std::bind(&CommandApi::run_command, this, _1, _2));
    router.add("GET", "/command/status/:id", std::bind(&CommandApi::command_status, this, _1, _2));
    router.add("GET", "/command/:id/logs", std::bind(&CommandApi::command_logs, this, _1, _2));
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

std::shared_ptr<http::EventStream> CommandApi::open_stream(std::shared_ptr<http::ResponseChannel> channel) {
    auto stream = http::EventStream::create(std::move(channel), supervisor_.loop(),
                                            {options_.ping_interval, options_.stream_grace});
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
    const std::string id = process::new_execution_id();
    spec.log_path = options_.log_dir + "/" + id + ".output";
    spec.cgroup_name = "command-" + id;
    auto record =
        std::make_shared<process::CommandRecord>(id, request.command, request.background, spec.log_path);
    auto stream = open_stream(channel);
    std::shared_ptr<process::ProcessObserver> observer;
    if (request.background) {
        observer = std::make_shared<BackgroundCommandObserver>(record, stream, received);
    } else {
        observer = std::make_shared<StreamingCommandObserver>(record, stream, received);
    }
    registry_.add(record);
    auto started = supervisor_.start(spec, std::move(observer));
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
