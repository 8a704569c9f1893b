#include "session/shell_protocol.hpp"

#include <cstdio>

namespace execd::session {
namespace {

constexpr char kMarkerByte = '\x1e';
constexpr std::string_view kMarkerPrefix = "EXECD:";

bool needs_escape(unsigned char byte) {
    return byte < 0x20 || byte == 0x7f || byte == '\\' || byte == '\'' || byte == '!';
}

std::string print_marker(const std::string& token, std::string_view value, int fd) {
    return "\\builtin printf '\\036EXECD:%s:%s\\036\\n' " + token + " " + std::string(value) + " >&" +
           std::to_string(fd);
}

std::string end_markers(const std::string& token) {
    return "{ __execd_rc=$?; " + print_marker(token, "\"$__execd_rc\"", kMarkerStdoutFd) + "; " +
           print_marker(token, "end", kMarkerStderrFd) + "; \\builtin unset __execd_cmd __execd_rc " +
           std::string(kRunTokenVariable) + "; } 2>/dev/null\n";
}

}  // namespace

std::string ansi_c_quote(std::string_view text) {
    std::string quoted = "$'";
    quoted.reserve(text.size() + 3);
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (needs_escape(byte)) {
            char escape[5];
            std::snprintf(escape, sizeof escape, "\\x%02x", byte);
            quoted += escape;
        } else {
            quoted.push_back(c);
        }
    }
    quoted += "'";
    return quoted;
}

std::string shell_setup_input(const std::string& ready_token) {
    return "\\builtin set +o history +H; \\builtin unset HISTFILE; PS1=; PS2=; PS0=; PROMPT_COMMAND=; "
           "\\builtin set -m; \\builtin shopt -s expand_aliases; exec " +
           std::to_string(kMarkerStdoutFd) + ">&1 " + std::to_string(kMarkerStderrFd) + ">&2\n" +
           end_markers(ready_token);
}

std::string run_input(const std::string& token, const std::string& command, const std::string& cwd) {
    std::string line = "__execd_cmd=" + ansi_c_quote(command) + "; " +
                       print_marker(token, "start", kMarkerStdoutFd) + "; " +
                       print_marker(token, "start", kMarkerStderrFd) + "; \\builtin export " +
                       std::string(kRunTokenVariable) + "=" + token + "; ";
    if (!cwd.empty()) {
        line += "\\builtin cd -- " + ansi_c_quote(cwd) + " && ";
    }
    line += "\\builtin eval \"$__execd_cmd\" </dev/null\n";
    return line + end_markers(token);
}

std::string marker_input(const std::string& token) {
    return end_markers(token);
}

std::vector<OutputPiece> split_markers(std::string_view line) {
    std::vector<OutputPiece> pieces;
    const auto add_text = [&](std::string_view text) {
        if (text.empty()) {
            return;
        }
        if (!pieces.empty() && !pieces.back().is_marker) {
            pieces.back().text += text;
        } else {
            pieces.push_back({std::string(text), false, {}, {}});
        }
    };
    std::size_t position = 0;
    while (position < line.size()) {
        const std::size_t open = line.find(kMarkerByte, position);
        if (open == std::string_view::npos) {
            break;
        }
        const std::size_t close = line.find(kMarkerByte, open + 1);
        if (close == std::string_view::npos) {
            break;
        }
        const std::string_view body = line.substr(open + 1, close - open - 1);
        const std::size_t colon = body.find(':', kMarkerPrefix.size());
        if (!body.starts_with(kMarkerPrefix) || colon == std::string_view::npos) {
            // Not a marker: keep the text up to the second byte, which may open a real one.
            add_text(line.substr(position, close - position));
            position = close;
            continue;
        }
        add_text(line.substr(position, open - position));
        pieces.push_back({{},
                          true,
                          std::string(body.substr(kMarkerPrefix.size(), colon - kMarkerPrefix.size())),
                          std::string(body.substr(colon + 1))});
        position = close + 1;
    }
    add_text(line.substr(position));
    return pieces;
}

}  // namespace execd::session
