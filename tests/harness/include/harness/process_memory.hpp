#pragma once

#include <sys/types.h>

namespace harness {

// The process's resident set size in KiB (VmRSS in /proc/<pid>/status); -1 when it cannot be read.
long resident_kib(pid_t pid);

}  // namespace harness
