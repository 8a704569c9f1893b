#include "tls/private_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/fd.hpp"

namespace egress::tls {

namespace {

[[noreturn]] void throw_for_path(const std::filesystem::path& path, std::string_view problem) {
    throw std::runtime_error(path.string() + ": " + std::string(problem));
}

[[noreturn]] void throw_errno_for_path(const std::filesystem::path& path, std::string_view operation) {
    throw_for_path(path, std::string(operation) + " failed: " + std::strerror(errno));
}

void create_directory_with_parents(const std::filesystem::path& directory) {
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error) {
        throw_for_path(directory, "cannot create directory: " + error.message());
    }
}

void check_owned_directory(const std::filesystem::path& directory, const struct stat& status) {
    if (S_ISLNK(status.st_mode)) {
        throw_for_path(directory, "is a symbolic link; refusing to keep the CA key there");
    }
    if (!S_ISDIR(status.st_mode)) {
        throw_for_path(directory, "is not a directory");
    }
    if (status.st_uid != ::geteuid()) {
        throw_for_path(directory, "is owned by uid " + std::to_string(status.st_uid) +
                                      ", not by this process's user; refusing to keep the CA key there");
    }
}

std::filesystem::path temporary_path_beside(const std::filesystem::path& path) {
    return path.parent_path() / ("." + path.filename().string() + ".XXXXXX");
}

void write_all(int fd, std::string_view contents, const std::filesystem::path& path) {
    while (!contents.empty()) {
        const ssize_t written = ::write(fd, contents.data(), contents.size());
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written < 0) {
            throw_errno_for_path(path, "write");
        }
        contents.remove_prefix(static_cast<size_t>(written));
    }
}

void fill_temporary_file(int fd, const std::filesystem::path& temporary, std::string_view contents,
                         mode_t mode) {
    if (::fchmod(fd, mode) != 0) {
        throw_errno_for_path(temporary, "fchmod");
    }
    write_all(fd, contents, temporary);
    if (::fsync(fd) != 0) {
        throw_errno_for_path(temporary, "fsync");
    }
}

}  // namespace

void prepare_private_directory(const std::filesystem::path& directory) {
    struct stat status {};
    if (::lstat(directory.c_str(), &status) != 0) {
        if (errno != ENOENT) {
            throw_errno_for_path(directory, "lstat");
        }
        create_directory_with_parents(directory);
        if (::lstat(directory.c_str(), &status) != 0) {
            throw_errno_for_path(directory, "lstat");
        }
    }
    check_owned_directory(directory, status);
    if ((status.st_mode & 07777) != 0700 && ::chmod(directory.c_str(), 0700) != 0) {
        throw_errno_for_path(directory, "chmod 0700");
    }
}

void write_file_atomically(const std::filesystem::path& path, std::string_view contents, mode_t mode) {
    std::string temporary = temporary_path_beside(path).string();
    // mkstemp creates the file with mode 0600, so a key is never readable by others, even briefly.
    const common::UniqueFd fd(::mkstemp(temporary.data()));
    if (!fd) {
        throw_errno_for_path(temporary, "mkstemp");
    }
    try {
        fill_temporary_file(fd.get(), temporary, contents, mode);
        if (::rename(temporary.c_str(), path.c_str()) != 0) {
            throw_errno_for_path(path, "rename from " + temporary);
        }
    } catch (...) {
        ::unlink(temporary.c_str());
        throw;
    }
}

std::optional<std::string> read_file_if_present(const std::filesystem::path& path) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) {
        return std::nullopt;
    }
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        throw_for_path(path, "cannot open for reading");
    }
    std::ostringstream contents;
    contents << file.rdbuf();
    return contents.str();
}

}  // namespace egress::tls
