#pragma once

#include <cerrno>
#include <string>
#include <system_error>

namespace common {

// Throws std::system_error for the current errno; `operation` names what failed, e.g. "epoll_ctl(ADD, fd 7)".
[[noreturn]] inline void throw_errno(const std::string& operation) {
    throw std::system_error(errno, std::system_category(), operation);
}

}  // namespace common
