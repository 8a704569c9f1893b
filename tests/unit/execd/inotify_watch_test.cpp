// InotifyWatch against real files and the real kernel: what it reports for a tree, with the reading
// of its descriptor in the test's hands (so the kernel's queue can be made to overflow).
#include "files/inotify_watch.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace execd::files {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class InotifyTestDir {
  public:
    // In memory when /dev/shm is there: the overflow test creates thousands of files.
    InotifyTestDir() {
        const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
        std::string pattern = (base / "execd-inotify-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data());
    }
    ~InotifyTestDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    InotifyTestDir(const InotifyTestDir&) = delete;
    InotifyTestDir& operator=(const InotifyTestDir&) = delete;
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

void touch_file(const std::string& path) {
    std::ofstream(path).flush();
}

std::unique_ptr<InotifyWatch> open_watch(const std::string& root, bool recursive) {
    InotifyWatchOptions options;
    options.recursive = recursive;
    auto opened = InotifyWatch::open(root, options);
    if (auto* error = std::get_if<FileError>(&opened)) {
        ADD_FAILURE() << error->message;
        return nullptr;
    }
    return std::move(std::get<std::unique_ptr<InotifyWatch>>(opened));
}

// Reads and takes what is due until nothing came for `quiet` and nothing is held back.
std::vector<WatchEvent> drain_watch(InotifyWatch& watch, std::chrono::milliseconds quiet = 300ms) {
    std::vector<WatchEvent> events;
    auto last_change = InotifyWatch::Clock::now();
    while (InotifyWatch::Clock::now() - last_change < quiet || watch.next_deadline()) {
        pollfd ready{watch.fd(), POLLIN, 0};
        ::poll(&ready, 1, 20);
        const std::size_t before = events.size();
        watch.read_events(events, InotifyWatch::Clock::now());
        watch.take_due(events, InotifyWatch::Clock::now());
        if (events.size() != before) {
            last_change = InotifyWatch::Clock::now();
        }
    }
    return events;
}

// "change path" per event, "from" and "dir" added for moves and directories.
std::vector<std::string> inotify_summary(const std::vector<WatchEvent>& events) {
    static const char* const kNames[] = {"create", "modify", "delete", "move", "overflow", "error", "end"};
    std::vector<std::string> lines;
    for (const auto& event : events) {
        std::string line = std::string(kNames[static_cast<int>(event.change)]) + " " + event.path;
        if (!event.from.empty()) {
            line += " <- " + event.from;
        }
        if (event.is_dir) {
            line += " dir";
        }
        lines.push_back(line);
    }
    return lines;
}

TEST(InotifyWatchTest, ReportsWhatANewDirectoryHeldBeforeItsWatchExisted) {
    InotifyTestDir dir;
    auto watch = open_watch(dir.path(), true);
    ASSERT_TRUE(watch);
    fs::create_directories(dir / "n/m");
    for (int i = 0; i < 50; ++i) {
        touch_file(dir / ("n/f" + std::to_string(i)));
    }
    touch_file(dir / "n/m/g");
    const auto events = drain_watch(*watch);  // read only now: every entry predates its watch
    const auto lines = inotify_summary(events);
    EXPECT_EQ(lines.front(), "create " + dir / "n dir");
    EXPECT_EQ(std::count(lines.begin(), lines.end(), "create " + dir / "n/m dir"), 1);
    EXPECT_EQ(std::count(lines.begin(), lines.end(), "create " + dir / "n/m/g"), 1);
    for (int i = 0; i < 50; ++i) {
        EXPECT_EQ(std::count(lines.begin(), lines.end(), "create " + dir / ("n/f" + std::to_string(i))), 1)
            << i;
    }
    EXPECT_EQ(lines.size(), 53u);
    EXPECT_EQ(watch->watched_directories(), 3u);
}

TEST(InotifyWatchTest, EventsInARenamedDirectoryCarryItsNewPath) {
    InotifyTestDir dir;
    fs::create_directory(dir / "a");
    auto watch = open_watch(dir.path(), true);
    ASSERT_TRUE(watch);
    fs::rename(dir / "a", dir / "b");
    touch_file(dir / "b/x");
    EXPECT_EQ(inotify_summary(drain_watch(*watch)),
              (std::vector<std::string>{"move " + dir / "b <- " + dir / "a dir", "create " + dir / "b/x"}));
}

TEST(InotifyWatchTest, ADirectoryMovedOutIsDeletedAndNoLongerWatched) {
    InotifyTestDir dir;
    InotifyTestDir outside;
    fs::create_directory(dir / "a");
    auto watch = open_watch(dir.path(), true);
    ASSERT_TRUE(watch);
    fs::rename(dir / "a", outside / "a");
    EXPECT_EQ(inotify_summary(drain_watch(*watch)), std::vector<std::string>{"delete " + dir / "a dir"});
    touch_file(outside / "a/x");
    EXPECT_TRUE(drain_watch(*watch).empty());
    EXPECT_EQ(watch->watched_directories(), 1u);
}

TEST(InotifyWatchTest, ADirectoryMovedInIsCreatedWithWhatItHolds) {
    InotifyTestDir dir;
    InotifyTestDir outside;
    fs::create_directories(outside / "t/u");
    touch_file(outside / "t/u/v");
    auto watch = open_watch(dir.path(), true);
    ASSERT_TRUE(watch);
    fs::rename(outside / "t", dir / "t");
    EXPECT_EQ(inotify_summary(drain_watch(*watch)),
              (std::vector<std::string>{"create " + dir / "t dir", "create " + dir / "t/u dir",
                                        "create " + dir / "t/u/v"}));
    touch_file(dir / "t/u/w");
    EXPECT_EQ(inotify_summary(drain_watch(*watch)), std::vector<std::string>{"create " + dir / "t/u/w"});
}

TEST(InotifyWatchTest, AModificationPendingWhenAFileIsRenamedComesFirstUnderItsOldName) {
    InotifyTestDir dir;
    auto watch = open_watch(dir.path(), false);
    ASSERT_TRUE(watch);
    const int fd = ::open((dir / "a").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    ASSERT_EQ(::write(fd, "x", 1), 1);
    fs::rename(dir / "a", dir / "b");
    ::close(fd);
    EXPECT_EQ(inotify_summary(drain_watch(*watch)),
              (std::vector<std::string>{"create " + dir / "a", "modify " + dir / "a",
                                        "move " + dir / "b <- " + dir / "a"}));
}

TEST(InotifyWatchTest, TheRootsRemovalEndsTheWatch) {
    InotifyTestDir dir;
    fs::create_directory(dir / "w");
    touch_file(dir / "w/x");
    auto watch = open_watch(dir / "w", true);
    ASSERT_TRUE(watch);
    fs::remove_all(dir / "w");
    const auto events = drain_watch(*watch);
    EXPECT_EQ(inotify_summary(events),
              (std::vector<std::string>{"delete " + dir / "w/x", "end " + dir / "w dir"}));
    EXPECT_TRUE(watch->root_gone());
}

// The kernel queues at most max_queued_events; a reader that falls behind gets IN_Q_OVERFLOW, and a
// recursive watch then watches the directories whose creation it missed.
TEST(InotifyWatchTest, TheKernelsOverflowIsReportedAndMissedDirectoriesAreWatched) {
    std::ifstream limit_file("/proc/sys/fs/inotify/max_queued_events");
    std::size_t limit = 0;
    limit_file >> limit;
    if (limit == 0 || limit > 100000) {
        GTEST_SKIP() << "max_queued_events is " << limit;
    }
    InotifyTestDir dir;
    auto watch = open_watch(dir.path(), true);
    ASSERT_TRUE(watch);
    fs::create_directory(dir / "early");
    for (std::size_t i = 0; i < limit; ++i) {  // a create and a close-write each
        touch_file(dir / ("f" + std::to_string(i)));
    }
    fs::create_directory(dir / "late");  // its creation is lost
    const auto events = drain_watch(*watch);
    const auto overflow = std::find_if(events.begin(), events.end(), [](const WatchEvent& event) {
        return event.change == WatchChange::overflowed;
    });
    ASSERT_NE(overflow, events.end());
    EXPECT_LT(events.size(), limit);
    touch_file(dir / "late/x");
    EXPECT_EQ(inotify_summary(drain_watch(*watch)), std::vector<std::string>{"create " + dir / "late/x"});
}

TEST(InotifyWatchTest, RefusesATreeOverTheLimitAndAFileAsRoot) {
    InotifyTestDir dir;
    for (int i = 0; i < 4; ++i) {
        fs::create_directory(dir / ("d" + std::to_string(i)));
    }
    InotifyWatchOptions options;
    options.recursive = true;
    options.max_directories = 4;
    auto opened = InotifyWatch::open(dir.path(), options);
    ASSERT_TRUE(std::holds_alternative<FileError>(opened));
    EXPECT_EQ(std::get<FileError>(opened).status, 400);
    options.max_directories = 5;
    EXPECT_TRUE(
        std::holds_alternative<std::unique_ptr<InotifyWatch>>(InotifyWatch::open(dir.path(), options)));
    touch_file(dir / "file");
    opened = InotifyWatch::open(dir / "file", options);
    ASSERT_TRUE(std::holds_alternative<FileError>(opened));
    EXPECT_NE(std::get<FileError>(opened).status, 200);
}

TEST(InotifyWatchTest, ANewDirectoryOverTheLimitIsReportedAsUnwatched) {
    InotifyTestDir dir;
    InotifyWatchOptions options;
    options.recursive = true;
    options.max_directories = 2;
    auto opened = InotifyWatch::open(dir.path(), options);
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<InotifyWatch>>(opened));
    auto& watch = *std::get<std::unique_ptr<InotifyWatch>>(opened);
    fs::create_directory(dir / "a");
    ASSERT_EQ(drain_watch(watch).size(), 1u);
    fs::create_directory(dir / "b");
    const auto lines = inotify_summary(drain_watch(watch));
    EXPECT_EQ(lines, (std::vector<std::string>{"create " + dir / "b dir", "error " + dir / "b dir"}));
}

}  // namespace
}  // namespace execd::files
