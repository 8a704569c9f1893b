#include "files/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "files/file_path.hpp"

namespace execd::files {
namespace {

// Room for the prefix and suffix within NAME_MAX (255).
constexpr std::size_t kMaxBaseInTempName = 200;

// Hops before a chain of symbolic links counts as a loop, as the kernel's limit for open(2).
constexpr int kMaxLinkHops = 40;

// Where writing to `path` lands: symbolic links followed (a dangling one to the file it names), as
// open(2) with O_CREAT would; renaming over the link itself would turn it into a plain file.
// Returns 0 or an errno (ELOOP).
int write_destination(std::string& path) {
    for (int hop = 0; hop < kMaxLinkHops; ++hop) {
        struct stat status {};
        if (::lstat(path.c_str(), &status) != 0 || !S_ISLNK(status.st_mode)) {
            return 0;
        }
        std::string link(PATH_MAX, '\0');
        const ssize_t length = ::readlink(path.c_str(), link.data(), link.size());
        if (length < 0) {
            return errno;
        }
        link.resize(static_cast<std::size_t>(length));
        path = link.starts_with('/') ? link : parent_directory(path) + "/" + link;
    }
    return ELOOP;
}

}  // namespace

int AtomicFile::open(const std::string& target) {
    target_ = target;
    step_ = "open";
    if (const int error = write_destination(target_); error != 0) {
        return error;
    }
    struct stat existing {};
    if (::stat(target_.c_str(), &existing) == 0 && S_ISDIR(existing.st_mode)) {
        return EISDIR;  // refused before any content is stored
    }
    const std::string base = base_name(target_).substr(0, kMaxBaseInTempName);
    temp_path_ = parent_directory(target_) + "/." + base + ".execd-XXXXXX";
    const int fd = ::mkostemp(temp_path_.data(), O_CLOEXEC);
    if (fd < 0) {
        const int error = errno;
        temp_path_.clear();
        return error;
    }
    fd_ = common::UniqueFd(fd);
    return 0;
}

int AtomicFile::write(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t written = ::write(fd_.get(), bytes.data(), bytes.size());
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            return failed("write");
        }
        bytes.remove_prefix(static_cast<std::size_t>(written));
    }
    return 0;
}

int AtomicFile::commit(const Permission& permission, mode_t new_file_mode) {
    if (::fsync(fd_.get()) != 0) {
        return failed("fsync");
    }
    struct stat existing {};
    Permission keep;
    if (::stat(target_.c_str(), &existing) == 0 && S_ISREG(existing.st_mode)) {
        keep.mode = existing.st_mode & 07777;
        if (::geteuid() == 0) {
            keep.uid = existing.st_uid;
            keep.gid = existing.st_gid;
        }
    } else {
        keep.mode = new_file_mode;
    }
    const char* step = "";
    if (apply_permission(fd_.get(), keep, step) != 0 || apply_permission(fd_.get(), permission, step) != 0) {
        return failed(step);
    }
    if (::rename(temp_path_.c_str(), target_.c_str()) != 0) {
        return failed("rename");
    }
    temp_path_.clear();
    fd_ = common::UniqueFd();
    common::UniqueFd directory(::open(parent_directory(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (directory) {
        ::fsync(directory.get());
    }
    return 0;
}

void AtomicFile::discard() {
    if (!temp_path_.empty()) {
        ::unlink(temp_path_.c_str());
        temp_path_.clear();
    }
    fd_ = common::UniqueFd();
}

int AtomicFile::failed(const char* step) {
    const int error = errno;
    step_ = step;
    return error;
}

}  // namespace execd::files
