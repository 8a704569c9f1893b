#include "files/trusted_walk.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <deque>

#include "files/file_permission.hpp"

namespace execd::files {
namespace {

// Hops before a chain of symbolic links counts as a loop, as the kernel's limit for open(2).
constexpr int kMaxLinkHops = 40;

bool trusted_link_owner(uid_t owner) {
    return owner == 0 || owner == ::geteuid();
}

// Appends the elements of `path` ("." and empty ones dropped) to the front of `parts`, in order.
void push_front_elements(std::deque<std::string>& parts, std::string_view path) {
    std::deque<std::string> elements;
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t slash = std::min(path.find('/', start), path.size());
        const std::string_view element = path.substr(start, slash - start);
        if (!element.empty() && element != ".") {
            elements.emplace_back(element);
        }
        start = slash + 1;
    }
    parts.insert(parts.begin(), elements.begin(), elements.end());
}

common::UniqueFd open_path(int directory, const char* name, int extra_flags = 0) {
    return common::UniqueFd(::openat(directory, name, O_PATH | O_NOFOLLOW | O_CLOEXEC | extra_flags));
}

// `where` is "" for the working directory.
std::string joined(const std::string& where, const std::string& name) {
    if (where.empty()) {
        return name;
    }
    return where == "/" ? where + name : where + "/" + name;
}

class Walker {
  public:
    Walker(const std::string& path, const WalkOptions& options) : options_(options) {
        restart(path.starts_with('/'));
        push_front_elements(parts_, path);
    }

    std::variant<WalkedPath, WalkError> run() {
        if (!directory_) {
            return fail(errno, "open", where_);
        }
        if (parts_.empty()) {
            return found(".");
        }
        while (true) {
            std::string name = std::move(parts_.front());
            parts_.pop_front();
            const bool last = parts_.empty();
            if (last && options_.last_link == LastLink::keep) {
                return found(std::move(name));
            }
            common::UniqueFd entry = open_path(directory_.get(), name.c_str());
            if (!entry) {
                if (errno == ENOENT && last) {
                    return found(std::move(name));  // to be created
                }
                if (errno == ENOENT && options_.create_directories) {
                    if (auto error = make_directory(name)) {
                        return *error;
                    }
                    parts_.push_front(std::move(name));
                    continue;
                }
                return fail(errno, "open", joined(where_, name));
            }
            struct stat status {};
            if (::fstat(entry.get(), &status) != 0) {
                return fail(errno, "stat", joined(where_, name));
            }
            if (S_ISLNK(status.st_mode)) {
                if (auto error = follow_link(entry.get(), status.st_uid, name)) {
                    return *error;
                }
                continue;
            }
            if (last) {
                return found(std::move(name));
            }
            if (!S_ISDIR(status.st_mode)) {
                return fail(ENOTDIR, "open", joined(where_, name));
            }
            directory_ = std::move(entry);
            where_ = joined(where_, name);
        }
    }

  private:
    WalkedPath found(std::string name) { return WalkedPath{std::move(directory_), std::move(name), where_}; }

    void restart(bool from_root) {
        where_ = from_root ? "/" : "";
        directory_ = common::UniqueFd(::open(from_root ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    }

    std::optional<WalkError> make_directory(const std::string& name) {
        if (::mkdirat(directory_.get(), name.c_str(), *options_.create_directories) != 0 && errno != EEXIST) {
            return fail(errno, "mkdir", joined(where_, name));
        }
        return std::nullopt;
    }

    // Replaces the link `name` by its destination's elements, if its owner is trusted.
    std::optional<WalkError> follow_link(int link, uid_t owner, const std::string& name) {
        const std::string at = joined(where_, name);
        if (!trusted_link_owner(owner)) {
            WalkError error = fail(ELOOP, "open", at);
            error.link_owner = owner;
            return error;
        }
        if (++hops_ > kMaxLinkHops) {
            return fail(ELOOP, "open", at);
        }
        std::string destination(PATH_MAX, '\0');
        const ssize_t length = ::readlinkat(link, "", destination.data(), destination.size());
        if (length <= 0) {
            return fail(length == 0 ? ENOENT : errno, "readlink", at);
        }
        destination.resize(static_cast<std::size_t>(length));
        if (destination.starts_with('/')) {
            restart(true);
            if (!directory_) {
                return fail(errno, "open", "/");
            }
        }
        push_front_elements(parts_, destination);
        if (parts_.empty()) {
            parts_.emplace_back(".");  // a link to "/" as the last element
        }
        return std::nullopt;
    }

    static WalkError fail(int error, std::string op, std::string at) {
        return WalkError{error, std::move(op), std::move(at), std::nullopt};
    }

    const WalkOptions& options_;
    std::deque<std::string> parts_;
    common::UniqueFd directory_;
    std::string where_;
    int hops_ = 0;
};

}  // namespace

std::variant<WalkedPath, WalkError> walk_path(const std::string& path, const WalkOptions& options) {
    return Walker(path, options).run();
}

FileError walk_failure(const WalkError& error, std::string_view context) {
    if (error.link_owner) {
        return FileError{403, std::string(kRuntimeError),
                         std::string(context) + "not following symbolic link " + error.at +
                             ": it belongs to uid " + std::to_string(*error.link_owner) +
                             " (execd follows only links owned by root or by itself)"};
    }
    return error_from_errno(error.error, context, path_error_text(error.op, error.at, error.error));
}

std::variant<common::UniqueFd, WalkError> open_trusted(const std::string& path, int flags) {
    auto walked = walk_path(path, {LastLink::follow, std::nullopt});
    if (auto* error = std::get_if<WalkError>(&walked)) {
        return *error;
    }
    const auto& entry = std::get<WalkedPath>(walked);
    common::UniqueFd file(
        ::openat(entry.directory.get(), entry.name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC));
    if (!file) {
        return WalkError{errno, "open", path, std::nullopt};
    }
    return file;
}

common::UniqueFd open_entry(const WalkedPath& walked) {
    common::UniqueFd entry = open_path(walked.directory.get(), walked.name.c_str());
    struct stat status {};
    if (entry && ::fstat(entry.get(), &status) == 0 && S_ISLNK(status.st_mode)) {
        errno = ELOOP;  // a link put there after the walk
        return common::UniqueFd();
    }
    return entry;
}

int apply_permission_to_entry(int path_fd, const Permission& permission, const char*& step) {
    // fchmod() refuses O_PATH descriptors; the /proc link reaches the very same inode.
    const std::string proc_path = "/proc/self/fd/" + std::to_string(path_fd);
    if (permission.mode && ::chmod(proc_path.c_str(), *permission.mode) != 0) {
        step = "chmod";
        return errno;
    }
    if (permission.changes_owner() &&
        ::fchownat(path_fd, "", permission.uid, permission.gid, AT_EMPTY_PATH) != 0) {
        step = "chown";
        return errno;
    }
    return 0;
}

}  // namespace execd::files
