#pragma once

// Deadline-bounded I/O on non-blocking sockets (private header). Results are 0 or an errno.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "harness/socket_address.hpp"

namespace harness::io {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

inline Deadline deadline_after(std::chrono::milliseconds timeout) {
    return Clock::now() + timeout;
}

// Waits for `events` on fd; 0 when ready, ETIMEDOUT, or an errno.
int wait_ready(int fd, short events, Deadline deadline);

int connect_before(int fd, const SocketAddress& address, Deadline deadline);

int send_all(int fd, const void* data, size_t size, Deadline deadline);

// Appends up to `max` bytes; sets `eof` when the peer closed. 0 or an errno.
int receive_some(int fd, std::string& out, size_t max, Deadline deadline, bool& eof);

// Reads exactly `size` bytes (EPIPE if the peer closes first).
int receive_exact(int fd, std::string& out, size_t size, Deadline deadline);

// Reads until the peer closes.
int receive_until_eof(int fd, std::string& out, Deadline deadline);

}  // namespace harness::io
