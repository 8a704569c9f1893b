#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <variant>

#include "common/fd.hpp"
#include "process/process_supervisor.hpp"
#include "process/workload_cgroup.hpp"

namespace execd::pty {

enum class PtyMode { pty, pipe };

struct TerminalSize {
    static constexpr uint16_t kMax = 4096;
    uint16_t cols = 80;
    uint16_t rows = 24;
};

// How to start a session's shell: `shell --norc --noprofile [-c command]` in `cwd`.
struct PtyLaunch {
    std::string shell;
    std::string command;  // empty: an interactive shell
    std::string cwd;      // empty: execd's
    PtyMode mode = PtyMode::pty;
    TerminalSize size;
};

// A started shell and the descriptors (non-blocking, close-on-exec) execd talks to it through.
struct PtyChild {
    pid_t pid = -1;
    common::UniqueFd terminal;    // PTY mode: the master side, for input and output
    common::UniqueFd stdin_pipe;  // pipe mode
    common::UniqueFd stdout_pipe;
    common::UniqueFd stderr_pipe;
};

// Blocking (call from a worker): forks the shell in a new session (PTY mode: with the PTY as its
// controlling terminal; pipe mode: in its own process group), in `cgroup` (joined before anything
// else; null: execd's own). `on_exit` gets its wait status on the supervisor's loop. Returns
// Go-style error text on failure.
std::variant<PtyChild, std::string> spawn_pty_child(process::ProcessSupervisor& supervisor,
                                                    const PtyLaunch& launch,
                                                    const process::WorkloadCgroup* cgroup,
                                                    std::function<void(int wait_status)> on_exit);

// Sets the window size of a PTY master; false if the descriptor refuses it.
bool set_terminal_size(int terminal, TerminalSize size);

}  // namespace execd::pty
