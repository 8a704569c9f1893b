#include "api/session_api.hpp"

#include <nlohmann/json.hpp>

#include "api/command_launch.hpp"
#include "api/resume_request.hpp"
#include "api/session_request.hpp"
#include "api/session_run_stream.hpp"
#include "process/exit_outcome.hpp"
#include "process/working_directory.hpp"

namespace execd::api {
namespace {

using http::error_code::kContextNotFound;
using http::error_code::kInvalidRequestBody;
using http::error_code::kRuntimeError;

// The shell's environment, shell path and working directory, as for POST /command.
std::variant<process::SpawnSpec, std::string> session_spawn_spec(const std::string& cwd) {
    CommandRequest base;
    base.command = "bash";
    base.cwd = cwd;
    return prepare_spawn(base);
}

}  // namespace

SessionApi::SessionApi(process::ProcessSupervisor& supervisor, process::WorkerPool& workers,
                       http::ReplayLimits replay, std::chrono::milliseconds ping_interval)
    : supervisor_(supervisor), workers_(workers), ping_interval_(ping_interval), resumable_(replay) {}

void SessionApi::register_routes(http::Router& router) {
    using namespace std::placeholders;
    router.add("POST", "/session", std::bind(&SessionApi::create_session, this, _1, _2));
    router.add("POST", "/session/:id/run", std::bind(&SessionApi::run_in_session, this, _1, _2));
    router.add("DELETE", "/session/:id", std::bind(&SessionApi::delete_session, this, _1, _2));
    router.add("GET", "/session/:id/resume", std::bind(&SessionApi::resume, this, _1, _2));
}

void SessionApi::create_session(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    auto parsed = parse_create_session_request(request.body);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        channel->respond(http::json_error(400, kInvalidRequestBody, *error));
        return;
    }
    workers_.post([this, cwd = std::get<CreateSessionRequest>(parsed).cwd, channel] {
        const auto fail = [&](const std::string& detail) {
            channel->respond(http::json_error(500, kRuntimeError, "error creating session. " + detail));
        };
        if (std::string problem = process::prepare_working_directory(cwd).error; !problem.empty()) {
            return fail(problem);
        }
        auto spec = session_spawn_spec(cwd);
        if (auto* error = std::get_if<std::string>(&spec)) {
            return fail(*error);
        }
        auto started = session::BashSession::start(
            session::new_session_id(), std::get<process::SpawnSpec>(std::move(spec)), supervisor_, workers_,
            [registry = std::weak_ptr(registry_)](const std::string& id) {
                if (auto live = registry.lock()) {
                    live->remove(id);
                }
            });
        if (auto* error = std::get_if<std::string>(&started)) {
            return fail(*error);
        }
        const auto& session = std::get<std::shared_ptr<session::BashSession>>(started);
        registry_->add(session);
        channel->respond(http::json_response(200, nlohmann::json{{"session_id", session->id()}}.dump()));
    });
}

void SessionApi::run_in_session(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    auto parsed = parse_session_run_request(request.body);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        channel->respond(http::json_error(400, kInvalidRequestBody, *error));
        return;
    }
    auto session = registry_->find(request.path_params.at("id"));
    if (!session) {
        channel->respond(http::json_error(500, kRuntimeError, session_run_error("context not found")));
        return;
    }
    auto run = std::get<SessionRunRequest>(std::move(parsed));
    const auto submit = [this, session, channel](SessionRunRequest accepted, std::string cwd) {
        // No grace window: upstream HEAD ends session streams right after their terminal event.
        http::EventStreamOptions options;
        options.ping_interval = ping_interval_;
        options.grace = {};
        auto stream =
            http::EventStream::create(channel, supervisor_.loop(), resumable_.stream_options(options));
        auto listener = std::make_shared<SessionRunStream>(stream, accepted.timeout_ms);
        supervisor_.loop().post([this, stream, id = session->id()] {
            if (resumable_.limits().bytes_per_execution > 0) {
                resumable_.add(id, stream);
            }
            stream->send(http::StreamEvent::init(id));
        });
        session->submit(
            {std::move(accepted.command), std::move(cwd), std::chrono::milliseconds(accepted.timeout_ms)},
            std::move(listener));
    };
    if (run.cwd.empty()) {
        submit(std::move(run), "");
        return;
    }
    workers_.post([run = std::move(run), channel, submit]() mutable {
        auto spec = session_spawn_spec(run.cwd);
        if (auto* error = std::get_if<std::string>(&spec)) {
            channel->respond(http::json_error(400, kInvalidRequestBody, "invalid request. " + *error));
            return;
        }
        std::string cwd = std::get<process::SpawnSpec>(spec).cwd;
        submit(std::move(run), std::move(cwd));
    });
}

void SessionApi::delete_session(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    const std::string& id = request.path_params.at("id");
    auto session = registry_->remove(id);
    if (!session) {
        channel->respond(http::json_error(404, kContextNotFound, "session " + id + " not found"));
        return;
    }
    session->close("session " + id + " was deleted");
    workers_.post([session, channel] {
        session->wait_closed(process::ProcessSupervisor::kKillGrace + std::chrono::seconds(1));
        channel->respond(http::empty_ok());
    });
}

void SessionApi::close_all(const std::string& reason) {
    for (const auto& session : registry_->all()) {
        session->close(reason);
    }
}

void SessionApi::resume(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    const auto after = resume_point(request);
    if (const auto* error = std::get_if<std::string>(&after)) {
        channel->respond(http::json_error(400, kInvalidRequestBody, *error));
        return;
    }
    supervisor_.loop().post(
        [this, id = request.path_params.at("id"), after_eid = std::get<int64_t>(after), channel] {
            if (auto stream = resumable_.find(id)) {
                stream->resume(channel, after_eid, "the latest run of session " + id);
                return;
            }
            channel->respond(http::json_error(
                404, kInvalidRequestBody,
                "no run of session " + id + " to resume (" + resumable_.retention_text() + ")"));
        });
}

}  // namespace execd::api
