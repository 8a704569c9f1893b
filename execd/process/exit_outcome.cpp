#include "process/exit_outcome.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <cctype>
#include <cstring>

namespace execd::process {

std::string go_signal_name(int signal) {
    switch (signal) {
        case SIGKILL:
            return "killed";
        case SIGTERM:
            return "terminated";
        case SIGINT:
            return "interrupt";
        case SIGHUP:
            return "hangup";
        case SIGQUIT:
            return "quit";
        case SIGABRT:
            return "aborted";
        case SIGSEGV:
            return "segmentation fault";
        case SIGPIPE:
            return "broken pipe";
        case SIGBUS:
            return "bus error";
        case SIGFPE:
            return "floating point exception";
        case SIGILL:
            return "illegal instruction";
        case SIGUSR1:
            return "user defined signal 1";
        case SIGUSR2:
            return "user defined signal 2";
        case SIGALRM:
            return "alarm clock";
        default:
            break;
    }
    std::string name = ::strsignal(signal);
    if (!name.empty()) {
        name[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[0])));
    }
    return name;
}

std::string go_errno_text(int error) {
    std::string text = ::strerror(error);
    if (!text.empty()) {
        text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    }
    return text;
}

ExitOutcome outcome_from_wait_status(int status) {
    if (WIFEXITED(status)) {
        const int code = WEXITSTATUS(status);
        return {code, code == 0 ? "" : "exit status " + std::to_string(code)};
    }
    if (WIFSIGNALED(status)) {
        std::string text = "signal: " + go_signal_name(WTERMSIG(status));
        if (WCOREDUMP(status)) {
            text += " (core dumped)";
        }
        return {-1, text};
    }
    return {-1, "unexpected wait status " + std::to_string(status)};
}

}  // namespace execd::process
