#include "files/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>

namespace execd::files {
namespace {

// Room for the prefix and suffix within NAME_MAX (255).
constexpr std::size_t kMaxBaseInTempName = 200;

std::string random_suffix() {
    static constexpr std::string_view kAlphabet =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    thread_local std::mt19937_64 generator{std::random_device{}()};
    std::string suffix(6, 'x');
    for (char& c : suffix) {
        c = kAlphabet[generator() % kAlphabet.size()];
    }
    return suffix;
}

}  // namespace

int AtomicFile::open(const std::string& target) {
    target_ = target;
    step_ = "open";
    auto walked = walk_path(target, {LastLink::follow, std::nullopt});
    if (auto* error = std::get_if<WalkError>(&walked)) {
        walk_error_ = *error;
        return error->error;
    }
    destination_ = std::move(std::get<WalkedPath>(walked));
    struct stat existing {};
    if (::fstatat(destination_->directory.get(), destination_->name.c_str(), &existing,
                  AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISDIR(existing.st_mode)) {
        return EISDIR;  // refused before any content is stored
    }
    return create_temporary();
}

int AtomicFile::create_temporary() {
    // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on the concatenation at -O3.
    std::string prefix = ".";
    prefix.append(destination_->name, 0, kMaxBaseInTempName).append(".execd-");
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::string name = prefix + random_suffix();
        const int fd = ::openat(destination_->directory.get(), name.c_str(),
                                O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0) {
            fd_ = common::UniqueFd(fd);
            temp_name_ = std::move(name);
            return 0;
        }
        if (errno != EEXIST) {
            return errno;
        }
    }
    return EEXIST;
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
    const int directory = destination_->directory.get();
    const char* name = destination_->name.c_str();
    struct stat existing {};
    Permission keep;
    if (::fstatat(directory, name, &existing, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(existing.st_mode)) {
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
    if (::renameat(directory, temp_name_.c_str(), directory, name) != 0) {
        return failed("rename");
    }
    temp_name_.clear();
    fd_ = common::UniqueFd();
    const common::UniqueFd synced(::openat(directory, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (synced) {
        ::fsync(synced.get());
    }
    return 0;
}

void AtomicFile::discard() {
    if (!temp_name_.empty()) {
        ::unlinkat(destination_->directory.get(), temp_name_.c_str(), 0);
        temp_name_.clear();
    }
    fd_ = common::UniqueFd();
}

FileError AtomicFile::failure(int error, std::string_view context) const {
    if (walk_error_ && walk_error_->link_owner) {
        return walk_failure(*walk_error_, context);
    }
    return error_from_errno(error, context, path_error_text(step_, target_, error));
}

std::string AtomicFile::temp_path() const {
    if (!destination_ || temp_name_.empty()) {
        return "";
    }
    const std::string& directory = destination_->directory_path;
    if (directory.empty()) {
        return temp_name_;
    }
    return (directory.ends_with('/') ? directory : directory + "/") + temp_name_;
}

int AtomicFile::failed(const char* step) {
    const int error = errno;
    step_ = step;
    return error;
}

}  // namespace execd::files
