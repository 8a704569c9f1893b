#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

namespace execd::session {

// Sends SIGKILL to every process whose environment carries `variable=token` (the processes one
// session run started, including those that left its process tree), and to their process groups
// unless that is `shell_pgid`. Returns how many processes were found. Blocking (reads /proc).
std::size_t kill_processes_tagged(const std::string& variable, const std::string& token, pid_t shell_pid);

}  // namespace execd::session
