#include "http/token_file.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "common/fd.hpp"

namespace execd::http {
namespace {

bool same_time(const timespec& a, const timespec& b) {
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

// The whole content of `path`, or nullopt with `problem` set.
std::optional<std::string> read_whole_file(const std::string& path, std::string& problem) {
    const common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        problem = std::strerror(errno);
        return std::nullopt;
    }
    std::string content;
    char buffer[4096];
    for (;;) {
        const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
        if (got > 0) {
            content.append(buffer, static_cast<std::size_t>(got));
        } else if (got == 0) {
            return content;
        } else if (errno != EINTR) {
            problem = std::strerror(errno);
            return std::nullopt;
        }
    }
}

void remove_trailing_line_breaks(std::string& text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
        text.pop_back();
    }
}

}  // namespace

bool TokenFile::Stamp::operator==(const Stamp& other) const {
    return device == other.device && inode == other.inode && size == other.size &&
           same_time(modified, other.modified) && same_time(changed, other.changed);
}

TokenFile::TokenFile(std::string path, std::chrono::milliseconds recheck)
    : path_(std::move(path)), recheck_(recheck) {
    stamp_ = stamp_now();
    std::string problem;
    std::optional<std::string> token = read_token(problem);
    if (!token) {
        throw std::runtime_error("cannot use \"" + path_ + "\": " + problem);
    }
    token_ = std::move(*token);
    next_check_ = std::chrono::steady_clock::now() + recheck_;
}

std::string TokenFile::current() {
    const std::lock_guard lock(mutex_);
    if (std::chrono::steady_clock::now() >= next_check_) {
        reload_if_changed();
        next_check_ = std::chrono::steady_clock::now() + recheck_;
    }
    return token_;
}

std::optional<TokenFile::Stamp> TokenFile::stamp_now() const {
    struct stat status {};
    if (::stat(path_.c_str(), &status) != 0) {
        return std::nullopt;
    }
    return Stamp{status.st_dev, status.st_ino, status.st_size, status.st_mtim, status.st_ctim};
}

std::optional<std::string> TokenFile::read_token(std::string& problem) const {
    std::optional<std::string> token = read_whole_file(path_, problem);
    if (!token) {
        return std::nullopt;
    }
    remove_trailing_line_breaks(*token);
    if (token->empty()) {
        problem = "no token in it";
        return std::nullopt;
    }
    return token;
}

// The stamp is taken before the read: a change in between is seen again at the next check.
void TokenFile::reload_if_changed() {
    const std::optional<Stamp> stamp = stamp_now();
    if (stamp && stamp == stamp_) {
        return;
    }
    std::string problem;
    std::optional<std::string> token = read_token(problem);
    if (!token) {
        if (!warned_) {
            spdlog::warn("cannot reload the access token from {}: {}; the previous token stays in force",
                         path_, problem);
            warned_ = true;
        }
        return;
    }
    stamp_ = stamp;
    warned_ = false;
    if (*token != token_) {
        token_ = std::move(*token);
        spdlog::info("access token reloaded from {}", path_);
    }
}

}  // namespace execd::http
