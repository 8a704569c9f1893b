#include "files/inotify_watch.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <utility>

namespace execd::files {
namespace {

constexpr uint32_t kEventMask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM |
                                IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK;
constexpr std::string_view kWatchContext = "error watching directory: ";

std::string watched_child_path(const std::string& directory, std::string_view name) {
    return directory == "/" ? "/" + std::string(name) : directory + "/" + std::string(name);
}

WatchEvent event_of(WatchChange change, std::string path, bool is_dir) {
    return WatchEvent{change, std::move(path), "", is_dir, ""};
}

bool is_directory_entry(int directory_fd, const dirent& entry) {
    if (entry.d_type != DT_UNKNOWN) {
        return entry.d_type == DT_DIR;
    }
    struct stat status {};
    return ::fstatat(directory_fd, entry.d_name, &status, AT_SYMLINK_NOFOLLOW) == 0 &&
           S_ISDIR(status.st_mode);
}

// Calls `visit(path, is_dir)` for each entry of `directory`; an unreadable directory has none.
void for_each_entry(const std::string& directory, bool follow_link,
                    const std::function<void(const std::string&, bool)>& visit) {
    const int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow_link ? 0 : O_NOFOLLOW);
    const int fd = ::open(directory.c_str(), flags);
    if (fd < 0) {
        return;
    }
    DIR* stream = ::fdopendir(fd);
    if (stream == nullptr) {
        ::close(fd);
        return;
    }
    while (const dirent* entry = ::readdir(stream)) {
        const std::string_view name = entry->d_name;
        if (name != "." && name != "..") {
            visit(watched_child_path(directory, name), is_directory_entry(fd, *entry));
        }
    }
    ::closedir(stream);
}

FileError watch_limit_error(std::size_t limit, const std::string& directory) {
    return bad_request(kInvalidRequestBody, "too many directories to watch: at most " +
                                                std::to_string(limit) + " per watch; " + directory +
                                                " is not watched");
}

FileError add_watch_error(int error, const std::string& directory) {
    if (error == ENOSPC) {
        return FileError{503, std::string(kRuntimeError),
                         "the system's limit of inotify watches (fs.inotify.max_user_watches) is reached; " +
                             directory + " is not watched"};
    }
    return error_from_errno(error, kWatchContext, path_error_text("inotify_add_watch", directory, error));
}

}  // namespace

std::variant<std::unique_ptr<InotifyWatch>, FileError> InotifyWatch::open(
    const std::string& root, const InotifyWatchOptions& options) {
    common::UniqueFd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!fd) {
        const int error = errno;
        if (error == EMFILE) {
            return FileError{
                503, std::string(kRuntimeError),
                "too many inotify instances (fs.inotify.max_user_instances); close another watch"};
        }
        return error_from_errno(error, kWatchContext, "inotify_init1: " + std::string(std::strerror(error)));
    }
    auto watch = std::make_unique<InotifyWatch>(std::move(fd), root, options);
    std::vector<WatchEvent> unreported;  // a refusal here fails the request instead
    if (!watch->watch_root()) {
        return *watch->first_refusal_;
    }
    if (options.recursive) {
        watch->watch_below(root, Scan::silent, unreported, Clock::now());
    }
    if (watch->first_refusal_) {
        return *watch->first_refusal_;
    }
    return watch;
}

InotifyWatch::InotifyWatch(common::UniqueFd fd, std::string root, const InotifyWatchOptions& options)
    : fd_(std::move(fd)),
      root_(std::move(root)),
      options_(options),
      moves_(options.move_wait),
      modifications_(options.modify_window),
      reported_by_scan_(options.scan_report_grace) {}

bool InotifyWatch::watch_root() {
    root_wd_ = ::inotify_add_watch(fd_.get(), root_.c_str(), kEventMask);
    if (root_wd_ < 0) {
        first_refusal_ = add_watch_error(errno, root_);
        return false;
    }
    directories_.add(root_wd_, root_);
    return true;
}

void InotifyWatch::read_events(std::vector<WatchEvent>& out, Clock::time_point now) {
    for (int round = 0; round < kReadsPerCall && !root_gone_; ++round) {
        const ssize_t size = ::read(fd_.get(), buffer_.get(), kReadBufferBytes);
        if (size < 0 && errno == EINTR) {
            continue;
        }
        if (size <= 0) {
            if (size < 0 && errno == EAGAIN) {
                reported_by_scan_.forget_settled(now);
            }
            return;
        }
        handle_buffer(buffer_.get(), static_cast<std::size_t>(size), out, now);
    }
}

void InotifyWatch::handle_buffer(const char* data, std::size_t size, std::vector<WatchEvent>& out,
                                 Clock::time_point now) {
    std::size_t offset = 0;
    while (offset + sizeof(inotify_event) <= size && !root_gone_) {
        inotify_event header{};
        std::memcpy(&header, data + offset, sizeof header);
        const char* name = data + offset + sizeof header;
        const std::string_view name_view(name, ::strnlen(name, header.len));
        handle(header.wd, header.mask, header.cookie, name_view, out, now);
        offset += sizeof header + header.len;
    }
}

void InotifyWatch::handle(int wd, uint32_t mask, uint32_t cookie, std::string_view name,
                          std::vector<WatchEvent>& out, Clock::time_point now) {
    if ((mask & IN_Q_OVERFLOW) != 0) {
        on_overflow(out, now);
        return;
    }
    const std::string* directory = directories_.path_of(wd);
    if (directory == nullptr) {
        return;  // a watch already removed; its last events are of no interest
    }
    if ((mask & IN_IGNORED) != 0) {
        directories_.erase(wd);
        if (wd == root_wd_) {
            end_with_root_gone(out);
        }
        return;
    }
    if ((mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) != 0) {
        if (wd == root_wd_) {
            end_with_root_gone(out);
        }
        return;  // any other directory is reported through its parent
    }
    if (!name.empty()) {
        handle_named(watched_child_path(*directory, name), mask, cookie, out, now);
    }
}

void InotifyWatch::handle_named(const std::string& path, uint32_t mask, uint32_t cookie,
                                std::vector<WatchEvent>& out, Clock::time_point now) {
    const bool is_dir = (mask & IN_ISDIR) != 0;
    if ((mask & IN_MOVED_TO) != 0) {
        on_moved_to(cookie, path, is_dir, out, now);
        return;
    }
    release_move(out);  // the rename's other half would have come right after it
    if ((mask & IN_MODIFY) != 0) {
        modifications_.modified(path, now);
        return;
    }
    if ((mask & IN_CLOSE_WRITE) != 0) {
        if (modifications_.take(path)) {
            out.push_back(event_of(WatchChange::modified, path, false));
        }
        return;
    }
    report_modifications(path, is_dir, out);
    if ((mask & IN_CREATE) != 0) {
        on_created(path, is_dir, out, now);
    } else if ((mask & IN_DELETE) != 0) {
        reported_by_scan_.take(path);
        out.push_back(event_of(WatchChange::deleted, path, is_dir));
    } else if ((mask & IN_MOVED_FROM) != 0) {
        moves_.hold(cookie, MovePairing::Source{path, is_dir}, now);
    }
}

void InotifyWatch::on_created(const std::string& path, bool is_dir, std::vector<WatchEvent>& out,
                              Clock::time_point now) {
    if (reported_by_scan_.take(path)) {
        return;  // the scan of its new parent reported it (and watched it, if a directory)
    }
    out.push_back(event_of(WatchChange::created, path, is_dir));
    if (is_dir && options_.recursive && add_watch(path, out)) {
        // Whatever was created in it before its watch existed raised no event.
        watch_below(path, Scan::report_entries, out, now);
    }
}

void InotifyWatch::on_moved_to(uint32_t cookie, const std::string& path, bool is_dir,
                               std::vector<WatchEvent>& out, Clock::time_point now) {
    report_modifications(path, is_dir, out);  // of what the rename replaced
    const auto source = moves_.pair(cookie);
    if (!source) {
        release_move(out);
        on_created(path, is_dir, out, now);  // moved in from outside the tree
        return;
    }
    out.push_back(WatchEvent{WatchChange::moved, path, source->path, is_dir, ""});
    if (is_dir) {
        directories_.rename_under(source->path, path);
    }
}

void InotifyWatch::release_move(std::vector<WatchEvent>& out) {
    if (auto source = moves_.release()) {
        left_tree(*source, out);
    }
}

void InotifyWatch::left_tree(const MovePairing::Source& source, std::vector<WatchEvent>& out) {
    reported_by_scan_.take(source.path);
    out.push_back(event_of(WatchChange::deleted, source.path, source.is_dir));
    if (source.is_dir) {
        for (const int wd : directories_.take_under(source.path)) {
            ::inotify_rm_watch(fd_.get(), wd);
        }
    }
}

void InotifyWatch::report_modifications(const std::string& path, bool is_dir, std::vector<WatchEvent>& out) {
    if (!is_dir) {
        if (modifications_.take(path)) {
            out.push_back(event_of(WatchChange::modified, path, false));
        }
        return;
    }
    for (auto& modified : modifications_.take_under(path)) {
        out.push_back(event_of(WatchChange::modified, std::move(modified), false));
    }
}

void InotifyWatch::on_overflow(std::vector<WatchEvent>& out, Clock::time_point now) {
    release_move(out);
    out.push_back(event_of(WatchChange::overflowed, "", false));
    if (options_.recursive) {
        watch_below(root_, Scan::silent, out, now);  // directories whose creation was lost
    }
}

void InotifyWatch::end_with_root_gone(std::vector<WatchEvent>& out) {
    take_all(out);
    out.push_back(event_of(WatchChange::root_gone, root_, true));
    root_gone_ = true;
}

void InotifyWatch::watch_below(const std::string& top, Scan scan, std::vector<WatchEvent>& out,
                               Clock::time_point now) {
    std::vector<std::string> pending{top};
    while (!pending.empty()) {
        const std::string directory = std::move(pending.back());
        pending.pop_back();
        for_each_entry(directory, directory == root_, [&](const std::string& path, bool is_dir) {
            if (scan == Scan::report_entries && reported_by_scan_.add(path, now)) {
                out.push_back(event_of(WatchChange::created, path, is_dir));
            }
            if (is_dir && add_watch(path, out)) {
                pending.push_back(path);
            }
        });
    }
}

bool InotifyWatch::add_watch(const std::string& directory, std::vector<WatchEvent>& out) {
    if (!directories_.contains(directory) && directories_.size() >= options_.max_directories) {
        refuse(directory, watch_limit_error(options_.max_directories, directory), out);
        return false;
    }
    const int wd = ::inotify_add_watch(fd_.get(), directory.c_str(), kEventMask | IN_DONT_FOLLOW);
    if (wd < 0) {
        const int error = errno;
        // Gone already, replaced by something else, or unreadable (skipped, as search does).
        if (error != ENOENT && error != ENOTDIR && error != EACCES && error != EPERM) {
            refuse(directory, add_watch_error(error, directory), out);
        }
        return false;
    }
    directories_.add(wd, directory);
    return true;
}

void InotifyWatch::refuse(const std::string& directory, FileError error, std::vector<WatchEvent>& out) {
    out.push_back(WatchEvent{WatchChange::unwatched, directory, "", true, error.message});
    if (!first_refusal_) {
        first_refusal_ = std::move(error);
    }
}

void InotifyWatch::take_due(std::vector<WatchEvent>& out, Clock::time_point now) {
    if (auto source = moves_.release_due(now)) {
        left_tree(*source, out);
    }
    for (auto& path : modifications_.take_due(now)) {
        out.push_back(event_of(WatchChange::modified, std::move(path), false));
    }
}

void InotifyWatch::take_all(std::vector<WatchEvent>& out) {
    release_move(out);
    for (auto& path : modifications_.take_all()) {
        out.push_back(event_of(WatchChange::modified, std::move(path), false));
    }
}

std::optional<InotifyWatch::Clock::time_point> InotifyWatch::next_deadline() {
    const auto move = moves_.deadline();
    const auto modification = modifications_.next_deadline();
    if (move && modification) {
        return std::min(*move, *modification);
    }
    return move ? move : modification;
}

}  // namespace execd::files
