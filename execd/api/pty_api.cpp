#include "api/pty_api.hpp"

#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>

#include "api/go_json.hpp"
#include "api/pty_frames.hpp"
#include "api/pty_websocket_client.hpp"
#include "common/config.hpp"
#include "http/response.hpp"
#include "http/taken_connection.hpp"
#include "process/exit_outcome.hpp"
#include "process/spawn_spec.hpp"
#include "process/working_directory.hpp"

namespace execd::api {

namespace {

using http::error_code::kContextNotFound;
using nlohmann::json;

http::Response not_found(const std::string& id) {
    return http::json_error(404, kContextNotFound, "pty session " + id + " not found");
}

std::string lower(std::string text) {
    for (char& c : text) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return text;
}

// The creation body: {"cwd","command"} as upstream, plus this implementation's "cols" and "rows".
// Keys match case-insensitively (Go's decoder); an empty body is allowed.
std::variant<pty::PtyLaunch, std::string> parse_create_request(const std::string& body) {
    pty::PtyLaunch launch;
    if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
        return launch;
    }
    const json parsed = json::parse(body, nullptr, false);
    if (parsed.is_discarded()) {
        return std::string(kGoParsePrefix) + "invalid JSON";
    }
    if (parsed.is_null()) {
        return launch;
    }
    if (!parsed.is_object()) {
        return std::string(kGoParsePrefix) + "json: cannot unmarshal " + std::string(parsed.type_name()) +
               " into Go value of type CreatePtyRequest";
    }
    for (const auto& [key, value] : parsed.items()) {
        const std::string name = lower(key);
        if (name == "cwd" || name == "command") {
            if (!value.is_string() && !value.is_null()) {
                return std::string(kGoParsePrefix) + "json: cannot unmarshal " +
                       std::string(value.type_name()) + " into Go struct field CreatePtyRequest." + name +
                       " of type string";
            }
            (name == "cwd" ? launch.cwd : launch.command) = value.is_string() ? value.get<std::string>() : "";
        } else if (name == "cols" || name == "rows") {
            if (!value.is_number_integer() || value.get<int64_t>() < 1 ||
                value.get<int64_t>() > pty::TerminalSize::kMax) {
                return "invalid request, " + name + " must be an integer between 1 and " +
                       std::to_string(pty::TerminalSize::kMax);
            }
            (name == "cols" ? launch.size.cols : launch.size.rows) =
                static_cast<uint16_t>(value.get<int64_t>());
        }
    }
    return launch;
}

std::optional<uint64_t> parse_offset(std::string_view text) {
    uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

PtyApi::PtyApi(pty::PtyRegistry& registry, process::WorkerPool& workers,
               http::WebSocketOptions websocket_options)
    : registry_(registry), workers_(workers), websocket_options_(websocket_options) {}

void PtyApi::register_routes(http::Router& router) {
    router.add("POST", "/pty", [this](auto& request, auto channel) { create(request, std::move(channel)); });
    router.add("GET", "/pty/:sessionId",
               [this](auto& request, auto channel) { describe(request, std::move(channel)); });
    router.add("DELETE", "/pty/:sessionId",
               [this](auto& request, auto channel) { remove(request, std::move(channel)); });
    router.add("GET", "/pty/:sessionId/ws",
               [this](auto& request, auto channel) { connect(request, std::move(channel)); });
}

void PtyApi::create(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    auto parsed = parse_create_request(request.body);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        channel->respond(http::json_error(400, http::error_code::kInvalidRequestBody, *error));
        return;
    }
    workers_.post([this, launch = std::move(std::get<pty::PtyLaunch>(parsed)), channel]() mutable {
        auto cwd = process::prepare_working_directory(launch.cwd);
        if (!cwd.error.empty()) {
            channel->respond(http::json_error(500, http::error_code::kRuntimeError,
                                              "error creating pty session. " + cwd.error));
            return;
        }
        launch.cwd = std::move(cwd.path);
        launch.shell = process::find_shell(common::env_or("PATH", ""));
        const auto session = registry_.create(std::move(launch));
        channel->respond(http::json_response(201, json{{"session_id", session->id()}}.dump()));
    });
}

void PtyApi::describe(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    const std::string& id = request.path_params["sessionId"];
    const auto session = registry_.find(id);
    if (!session) {
        channel->respond(not_found(id));
        return;
    }
    const auto status = session->status();
    channel->respond(http::json_response(
        200, json{{"session_id", id}, {"running", status.running}, {"output_offset", status.output_offset}}
                 .dump()));
}

void PtyApi::remove(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    const std::string& id = request.path_params["sessionId"];
    channel->respond(registry_.remove(id) ? http::empty_ok() : not_found(id));
}

void PtyApi::connect(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    const std::string& id = request.path_params["sessionId"];
    const auto session = registry_.find(id);
    if (!session) {
        channel->respond(not_found(id));
        return;
    }
    uint64_t since = 0;
    if (const auto raw = request.query_param("since")) {
        const auto parsed = parse_offset(*raw);
        if (!parsed) {
            channel->respond(http::json_error(400, http::error_code::kInvalidRequestBody,
                                              "invalid query parameter 'since': " + std::string(*raw)));
            return;
        }
        since = *parsed;
    }
    const bool upgrade = http::is_websocket_upgrade(request);
    const auto ticket = session->claim(upgrade && request.query_param("takeover") == "1");
    if (!ticket) {
        channel->respond(http::json_error(409, pty_frame::kAlreadyConnected,
                                          "another client is already connected to pty session " + id));
        return;
    }
    if (!upgrade) {
        session->release(*ticket);
        channel->respond(http::Response{400,
                                        {{"Content-Type", "text/plain; charset=utf-8"}},
                                        "websocket: the client is not using the websocket protocol"});
        return;
    }
    const auto mode = request.query_param("pty") == "0" ? pty::PtyMode::pipe : pty::PtyMode::pty;
    auto client = std::make_shared<PtyWebSocketClient>(session, *ticket, mode, since, workers_);
    channel->take_connection([client, request, options = websocket_options_](auto connection) {
        http::accept_websocket(std::move(connection), request, options, client);
    });
}

}  // namespace execd::api
