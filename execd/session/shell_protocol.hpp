#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace execd::session {

// The text execd feeds to a session's interactive bash, and the markers bash prints back.
//
// Each run is two input lines. The first assigns the command to a variable as an ANSI-C quoted
// string (so no byte of it is ever parsed as shell input outside `eval`), prints the start marker
// on both streams (they are separate pipes, read in no fixed order), exports the run token and evaluates the
// command in the shell itself, so everything it defines stays. The second line prints the exit code on fd 62
// (stdout) and an end marker on fd 63 (stderr); those are copies of the shell's own pipes, so a command that
// redirects its stdout or stderr cannot swallow them. If a timeout interrupts the first line, bash still
// reads the second.
//
// A marker is "\x1e" "EXECD:" <token> ":" <value> "\x1e". The token is random per run, and the
// input lines only ever contain the escape "\036", never the byte itself, so neither `set -v` nor
// `set -x` can echo a marker.
inline constexpr int kMarkerStdoutFd = 62;
inline constexpr int kMarkerStderrFd = 63;
inline constexpr std::string_view kRunTokenVariable = "EXECD_SESSION_RUN";

// `text` as a bash $'...' word: quotes, backslashes, '!' and control bytes become \xHH escapes.
std::string ansi_c_quote(std::string_view text);

// The first input of a new shell: no history, no prompts, aliases on, job control on (each job in
// its own process group), the marker fds, then the markers of `ready_token`.
std::string shell_setup_input(const std::string& ready_token);

// The two input lines of one run. `cwd` empty: stay where the shell is.
std::string run_input(const std::string& token, const std::string& command, const std::string& cwd);

// Prints the end markers of `token` again; written after interrupting a run in case the interrupt
// discarded the marker line while bash was reading it.
std::string marker_input(const std::string& token);

// One piece of an output line: either text or a marker.
struct OutputPiece {
    std::string text;  // for text pieces
    bool is_marker = false;
    std::string token;  // for markers
    std::string value;  // "start", the exit code, or "end"
};

// Splits one output line into text and markers, in order. Empty text pieces are left out.
std::vector<OutputPiece> split_markers(std::string_view line);

}  // namespace execd::session
