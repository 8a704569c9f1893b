#include "api/pty_frames.hpp"

#include <csignal>
#include <nlohmann/json.hpp>

namespace execd::api {

namespace {

using nlohmann::json;

std::string dump(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<int> signal_number(std::string_view name) {
    static constexpr std::pair<std::string_view, int> kSignals[] = {{"SIGINT", SIGINT},
                                                                    {"SIGTERM", SIGTERM},
                                                                    {"SIGKILL", SIGKILL},
                                                                    {"SIGQUIT", SIGQUIT},
                                                                    {"SIGHUP", SIGHUP}};
    for (const auto& [known, number] : kSignals) {
        if (known == name) {
            return number;
        }
    }
    return std::nullopt;
}

std::optional<uint16_t> dimension(const json& frame, const char* name) {
    const auto found = frame.find(name);
    if (found == frame.end() || !found->is_number_integer()) {
        return std::nullopt;
    }
    const auto value = found->get<int64_t>();
    if (value < 1 || value > pty::TerminalSize::kMax) {
        return std::nullopt;
    }
    return static_cast<uint16_t>(value);
}

ClientTextFrame parse_resize(const json& frame) {
    const auto cols = dimension(frame, "cols");
    const auto rows = dimension(frame, "rows");
    if (!cols || !rows) {
        return InvalidFrame{"resize needs integer cols and rows between 1 and " +
                            std::to_string(pty::TerminalSize::kMax)};
    }
    return ResizeFrame{pty::TerminalSize{*cols, *rows}};
}

ClientTextFrame parse_signal(const json& frame) {
    const auto found = frame.find("signal");
    const std::string name = found != frame.end() && found->is_string() ? found->get<std::string>() : "";
    const auto number = signal_number(name);
    if (!number) {
        return InvalidFrame{"unsupported signal \"" + name +
                            "\" (SIGINT, SIGTERM, SIGKILL, SIGQUIT, SIGHUP)"};
    }
    return SignalFrame{*number};
}

}  // namespace

namespace pty_frame {

std::string output(bool is_stderr, std::string_view bytes) {
    std::string frame(1, is_stderr ? kStderr : kStdout);
    frame += bytes;
    return frame;
}

std::string replay(uint64_t start, std::string_view bytes) {
    std::string frame(1, kReplay);
    for (int shift = 56; shift >= 0; shift -= 8) {
        frame += static_cast<char>((start >> shift) & 0xff);
    }
    frame += bytes;
    return frame;
}

std::string connected(std::string_view session_id, pty::PtyMode mode) {
    return dump(json{{"type", "connected"},
                     {"session_id", session_id},
                     {"mode", mode == pty::PtyMode::pty ? "pty" : "pipe"}});
}

std::string exit(int exit_code) {
    return dump(json{{"type", "exit"}, {"exit_code", exit_code}});
}

std::string pong() {
    return R"({"type":"pong"})";
}

std::string error(std::string_view message, std::string_view code) {
    return dump(json{{"type", "error"}, {"error", message}, {"code", code}});
}

}  // namespace pty_frame

ClientTextFrame parse_client_text_frame(std::string_view text) {
    const json frame = json::parse(text, nullptr, false);
    if (frame.is_discarded() || !frame.is_object()) {
        return IgnoredFrame{};
    }
    const auto type_field = frame.find("type");
    const std::string type =
        type_field != frame.end() && type_field->is_string() ? type_field->get<std::string>() : "";
    if (type == "stdin") {
        const auto data = frame.find("data");
        if (data == frame.end() || !data->is_string()) {
            return InvalidFrame{"stdin frame needs a string \"data\""};
        }
        return StdinFrame{data->get<std::string>()};
    }
    if (type == "resize") {
        return parse_resize(frame);
    }
    if (type == "signal") {
        return parse_signal(frame);
    }
    if (type == "ping") {
        return PingFrame{};
    }
    return InvalidFrame{"unknown frame type \"" + type + "\""};
}

}  // namespace execd::api
