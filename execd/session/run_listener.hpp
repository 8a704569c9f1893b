#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace execd::session {

// How a run ended.
struct RunEnd {
    enum class Reason {
        exited,          // the command finished; exit_code is its status
        timed_out,       // its timeout passed; its processes were killed, the session lives on
        shell_exited,    // the command ended the shell (`exit`, `exec`, a fatal signal); detail: "exit status
                         // N"
        session_closed,  // the session was deleted or execd is stopping; detail: why
        shell_failed,    // the shell could not be started; detail: why
    };
    Reason reason = Reason::exited;
    int exit_code = 0;
    std::string detail;
    int64_t elapsed_ms = 0;  // since the run started executing (0 if it never did)
};

// Receives one run's output and end, always on the process supervisor's loop thread.
class RunListener {
  public:
    virtual ~RunListener() = default;
    virtual void on_output(bool is_stderr, std::string_view line) = 0;
    virtual void on_finished(const RunEnd& end) = 0;
    // True while the receiver is too far behind to take more output (the shell's pipes are then
    // left unread until it caught up).
    virtual bool backlogged() const { return false; }
};

}  // namespace execd::session
