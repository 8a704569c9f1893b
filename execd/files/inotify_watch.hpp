#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/fd.hpp"
#include "files/file_error.hpp"
#include "files/modify_coalescer.hpp"
#include "files/move_pairing.hpp"
#include "files/scan_reports.hpp"
#include "files/watch_event.hpp"
#include "files/watched_directories.hpp"

namespace execd::files {

struct InotifyWatchOptions {
    bool recursive = false;
    // Directories one watch may hold (the root included); more is an error at open, an `unwatched`
    // event later.
    std::size_t max_directories = 8192;
    std::chrono::milliseconds modify_window{100};
    std::chrono::milliseconds move_wait{50};
    // How long after a scan its reports may still meet the entries' own IN_CREATE.
    std::chrono::milliseconds scan_report_grace{std::chrono::seconds(1)};
};

// A directory (and, when recursive, every directory below it, including those created later) watched
// with one inotify instance, its raw events turned into WatchEvents: renames paired into moves,
// modifications coalesced, new directories watched and then scanned so that what was created in
// them before their watch existed is reported too, once. Not thread-safe; open() blocks (call it
// from a worker), the rest is meant for one event-loop thread that polls fd().
class InotifyWatch {
  public:
    using Clock = std::chrono::steady_clock;

    // `root` is an absolute, cleaned path of a directory.
    static std::variant<std::unique_ptr<InotifyWatch>, FileError> open(const std::string& root,
                                                                       const InotifyWatchOptions& options);

    InotifyWatch(common::UniqueFd fd, std::string root, const InotifyWatchOptions& options);

    // Readable (EPOLLIN) when the kernel has events.
    int fd() const { return fd_.get(); }
    // Reads what the kernel queued, a bounded amount per call so one busy tree cannot hold the loop
    // (call again while fd() is readable), and appends the resulting events.
    void read_events(std::vector<WatchEvent>& out, Clock::time_point now);
    // Appends what was held back and is due now: coalesced modifications, moves out of the tree.
    void take_due(std::vector<WatchEvent>& out, Clock::time_point now);
    // Appends everything held back.
    void take_all(std::vector<WatchEvent>& out);
    // When take_due() has something next.
    std::optional<Clock::time_point> next_deadline();
    // The root was deleted or moved away (a root_gone event was appended); nothing follows.
    bool root_gone() const { return root_gone_; }
    std::size_t watched_directories() const { return directories_.size(); }

  private:
    enum class Scan { silent, report_entries };

    bool watch_root();
    void handle_buffer(const char* data, std::size_t size, std::vector<WatchEvent>& out,
                       Clock::time_point now);
    void handle(int wd, uint32_t mask, uint32_t cookie, std::string_view name, std::vector<WatchEvent>& out,
                Clock::time_point now);
    void handle_named(const std::string& path, uint32_t mask, uint32_t cookie, std::vector<WatchEvent>& out,
                      Clock::time_point now);
    void on_created(const std::string& path, bool is_dir, std::vector<WatchEvent>& out,
                    Clock::time_point now);
    void on_moved_to(uint32_t cookie, const std::string& path, bool is_dir, std::vector<WatchEvent>& out,
                     Clock::time_point now);
    void release_move(std::vector<WatchEvent>& out);
    void left_tree(const MovePairing::Source& source, std::vector<WatchEvent>& out);
    void report_modifications(const std::string& path, bool is_dir, std::vector<WatchEvent>& out);
    void on_overflow(std::vector<WatchEvent>& out, Clock::time_point now);
    void end_with_root_gone(std::vector<WatchEvent>& out);
    // Watches every directory below the watched `top`; with report_entries, reports each entry found
    // as created (once).
    void watch_below(const std::string& top, Scan scan, std::vector<WatchEvent>& out, Clock::time_point now);
    bool add_watch(const std::string& directory, std::vector<WatchEvent>& out);
    void refuse(const std::string& directory, FileError error, std::vector<WatchEvent>& out);

    static constexpr std::size_t kReadBufferBytes = 64 * 1024;
    static constexpr int kReadsPerCall = 8;

    common::UniqueFd fd_;
    std::string root_;
    InotifyWatchOptions options_;
    int root_wd_ = -1;
    bool root_gone_ = false;
    WatchedDirectories directories_;
    MovePairing moves_;
    ModifyCoalescer modifications_;
    ScanReports reported_by_scan_;
    // Why the first directory could not be watched (open() fails with it).
    std::optional<FileError> first_refusal_;
    std::unique_ptr<char[]> buffer_ = std::make_unique<char[]>(kReadBufferBytes);
};

}  // namespace execd::files
