#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "pty/pty_child.hpp"

namespace execd::api {

// The PTY WebSocket's frames (upstream's wire format).
namespace pty_frame {

// Binary frames: one type byte, then the payload.
inline constexpr char kStdin = 0x00;
inline constexpr char kStdout = 0x01;
inline constexpr char kStderr = 0x02;
inline constexpr char kReplay = 0x03;

std::string output(bool is_stderr, std::string_view bytes);
// 0x03, the 8-byte big-endian offset of the first byte, the bytes.
std::string replay(uint64_t start, std::string_view bytes);
std::string connected(std::string_view session_id, pty::PtyMode mode);
std::string exit(int exit_code);
std::string pong();
std::string error(std::string_view message, std::string_view code);

// Error codes of the error frame.
inline constexpr std::string_view kSessionGone = "SESSION_GONE";
inline constexpr std::string_view kStartFailed = "START_FAILED";
inline constexpr std::string_view kStdinWriteFailed = "STDIN_WRITE_FAILED";
inline constexpr std::string_view kInvalidFrame = "INVALID_FRAME";
inline constexpr std::string_view kAlreadyConnected = "ALREADY_CONNECTED";
inline constexpr std::string_view kTakenOver = "TAKEN_OVER";

// Close codes.
inline constexpr uint16_t kCloseNormal = 1000;
inline constexpr uint16_t kCloseInternalError = 1011;
inline constexpr uint16_t kCloseTakenOver = 4001;

}  // namespace pty_frame

// A text frame from the client.
struct StdinFrame {
    std::string data;
};
struct ResizeFrame {
    pty::TerminalSize size;
};
struct SignalFrame {
    int signal = 0;
};
struct PingFrame {};
// A frame the server answers with an INVALID_FRAME error (unknown type, bad fields).
struct InvalidFrame {
    std::string message;
};
// Not JSON at all: ignored, as upstream does.
struct IgnoredFrame {};
using ClientTextFrame =
    std::variant<StdinFrame, ResizeFrame, SignalFrame, PingFrame, InvalidFrame, IgnoredFrame>;

ClientTextFrame parse_client_text_frame(std::string_view text);

}  // namespace execd::api
