#include "socket_io.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace harness::io {

int wait_ready(int fd, short events, Deadline deadline) {
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            return ETIMEDOUT;
        }
        pollfd entry{fd, events, 0};
        const int n = ::poll(&entry, 1, static_cast<int>(left.count()) + 1);
        if (n > 0) {
            return 0;
        }
        if (n < 0 && errno != EINTR) {
            return errno;
        }
    }
}

int connect_before(int fd, const SocketAddress& address, Deadline deadline) {
    if (::connect(fd, address.get(), address.length) == 0) {
        return 0;
    }
    if (errno != EINPROGRESS) {
        return errno;
    }
    if (const int rc = wait_ready(fd, POLLOUT, deadline); rc != 0) {
        return rc;
    }
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    return error;
}

int send_all(int fd, const void* data, size_t size, Deadline deadline) {
    const auto* bytes = static_cast<const char*>(data);
    size_t done = 0;
    while (done < size) {
        const ssize_t n = ::send(fd, bytes + done, size - done, MSG_NOSIGNAL);
        if (n >= 0) {
            done += static_cast<size_t>(n);
            continue;
        }
        if (errno != EAGAIN && errno != EINTR) {
            return errno;
        }
        if (const int rc = wait_ready(fd, POLLOUT, deadline); rc != 0) {
            return rc;
        }
    }
    return 0;
}

int receive_some(int fd, std::string& out, size_t max, Deadline deadline, bool& eof) {
    eof = false;
    while (true) {
        char buffer[65536];
        const ssize_t n = ::recv(fd, buffer, std::min(max, sizeof buffer), 0);
        if (n > 0) {
            out.append(buffer, static_cast<size_t>(n));
            return 0;
        }
        if (n == 0) {
            eof = true;
            return 0;
        }
        if (errno != EAGAIN && errno != EINTR) {
            return errno;
        }
        if (const int rc = wait_ready(fd, POLLIN, deadline); rc != 0) {
            return rc;
        }
    }
}

int receive_exact(int fd, std::string& out, size_t size, Deadline deadline) {
    const size_t target = out.size() + size;
    while (out.size() < target) {
        bool eof = false;
        if (const int rc = receive_some(fd, out, target - out.size(), deadline, eof); rc != 0) {
            return rc;
        }
        if (eof) {
            return EPIPE;
        }
    }
    return 0;
}

int receive_until_eof(int fd, std::string& out, Deadline deadline) {
    while (true) {
        bool eof = false;
        if (const int rc = receive_some(fd, out, 65536, deadline, eof); rc != 0 || eof) {
            return rc;
        }
    }
}

}  // namespace harness::io
