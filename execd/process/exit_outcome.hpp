#pragma once

#include <string>

namespace execd::process {

// How a command ended, in upstream's terms.
struct ExitOutcome {
    int exit_code = 0;       // the shell's exit code; -1 when killed by a signal (Go's ExitCode())
    std::string error_text;  // Go's error text: "exit status 3", "signal: killed"; empty on success
    bool succeeded() const { return error_text.empty(); }
};

// Translates a waitpid() status.
ExitOutcome outcome_from_wait_status(int status);

// Go's name for a signal ("killed", "terminated", "interrupt", ...).
std::string go_signal_name(int signal);

// strerror() text the way Go prints errno values: "no such file or directory".
std::string go_errno_text(int error);

}  // namespace execd::process
