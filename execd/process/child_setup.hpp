#pragma once

namespace execd::process {

// Steps a forked child takes before exec. Async-signal-safe: the parent may have other threads.

// Unblocks every signal and restores default dispositions (execd blocks SIGCHLD and others).
void reset_child_signals();

// Marks every descriptor above stderr close-on-exec, so the new program inherits none of execd's
// sockets, pipes or terminals, while a close-on-exec report pipe still reports exec failures.
void mark_inherited_fds_close_on_exec();

}  // namespace execd::process
