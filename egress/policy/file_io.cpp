#include "policy/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace egress::policy {
namespace {

[[noreturn]] void throw_errno(const char* what, const std::filesystem::path& path) {
    const int error = errno;
    throw std::system_error(error, std::generic_category(), std::string(what) + " " + path.string());
}

// Closes the descriptor it owns.
class OwnedFd {
  public:
    explicit OwnedFd(int fd) : fd_(fd) {}
    OwnedFd(const OwnedFd&) = delete;
    OwnedFd& operator=(const OwnedFd&) = delete;
    ~OwnedFd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    int get() const { return fd_; }
    // Closes now so that a failing close (deferred write errors) can be reported.
    int close() { return ::close(std::exchange(fd_, -1)); }

  private:
    int fd_;
};

// Removes the temp file unless the rename consumed it.
class TempFileGuard {
  public:
    explicit TempFileGuard(std::string path) : path_(std::move(path)) {}
    TempFileGuard(const TempFileGuard&) = delete;
    TempFileGuard& operator=(const TempFileGuard&) = delete;
    ~TempFileGuard() {
        if (!path_.empty()) {
            ::unlink(path_.c_str());
        }
    }
    void release() { path_.clear(); }

  private:
    std::string path_;
};

void write_all(int fd, std::string_view content, const std::filesystem::path& path) {
    while (!content.empty()) {
        const ssize_t written = ::write(fd, content.data(), content.size());
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written < 0) {
            throw_errno("cannot write", path);
        }
        content.remove_prefix(static_cast<size_t>(written));
    }
}

mode_t mode_to_keep(const std::filesystem::path& path, mode_t new_file_mode) {
    struct stat existing {};
    if (::stat(path.c_str(), &existing) == 0) {
        return existing.st_mode & 07777;
    }
    if (errno != ENOENT) {
        throw_errno("cannot stat", path);
    }
    return new_file_mode;
}

void fsync_directory(const std::filesystem::path& directory) {
    OwnedFd fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) {
        throw_errno("cannot open directory", directory);
    }
    if (::fsync(fd.get()) != 0) {
        throw_errno("cannot fsync directory", directory);
    }
}

}  // namespace

std::optional<std::string> read_file_if_exists(const std::filesystem::path& path) {
    OwnedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0 && errno == ENOENT) {
        return std::nullopt;
    }
    if (fd.get() < 0) {
        throw_errno("cannot open", path);
    }
    std::string content;
    char chunk[8192];
    while (true) {
        const ssize_t count = ::read(fd.get(), chunk, sizeof chunk);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count < 0) {
            throw_errno("cannot read", path);
        }
        if (count == 0) {
            return content;
        }
        content.append(chunk, static_cast<size_t>(count));
    }
}

void write_file_atomically(const std::filesystem::path& path, std::string_view content,
                           mode_t new_file_mode) {
    const std::filesystem::path directory = path.has_parent_path() ? path.parent_path() : ".";
    const mode_t mode = mode_to_keep(path, new_file_mode);
    std::string temp_path = (directory / ("." + path.filename().string() + ".tmp.XXXXXX")).string();
    OwnedFd fd(::mkostemp(temp_path.data(), O_CLOEXEC));
    if (fd.get() < 0) {
        throw_errno("cannot create a temp file in", directory);
    }
    TempFileGuard guard(temp_path);
    if (::fchmod(fd.get(), mode) != 0) {
        throw_errno("cannot chmod", temp_path);
    }
    write_all(fd.get(), content, temp_path);
    if (::fsync(fd.get()) != 0) {
        throw_errno("cannot fsync", temp_path);
    }
    if (fd.close() != 0) {
        throw_errno("cannot close", temp_path);
    }
    if (::rename(temp_path.c_str(), path.c_str()) != 0) {
        throw_errno("cannot rename a temp file over", path);
    }
    guard.release();
    fsync_directory(directory);
}

}  // namespace egress::policy
