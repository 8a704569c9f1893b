// GET /files/watch against the real binary and real files: the Server-Sent Events it streams for
// creations, modifications, deletions and moves, recursive watches of new directories, bursts, slow
// clients, the end of the watched directory, errors and descriptors.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "files_test_support.hpp"

namespace execd_test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// One event of the stream: its `event:` name and its `data:` JSON.
struct WatchSseEvent {
    std::string name;
    nlohmann::json data;
};
using WatchSseEvents = std::vector<WatchSseEvent>;

// A GET /files/watch client over a plain socket: de-chunks the body and parses the SSE frames on a
// thread of its own, so a test can also stay a slow reader (small receive buffer, reading later).
class WatchSseClient {
  public:
    WatchSseClient(uint16_t port, const std::string& target, int receive_buffer = 0) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (receive_buffer > 0) {
            ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
        }
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            throw std::runtime_error("connect failed");
        }
        const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
            static_cast<ssize_t>(request.size())) {
            throw std::runtime_error("send failed");
        }
    }
    ~WatchSseClient() { disconnect(); }
    WatchSseClient(const WatchSseClient&) = delete;
    WatchSseClient& operator=(const WatchSseClient&) = delete;

    // Reads the response head; the status code.
    int read_status() {
        while (raw_.find("\r\n\r\n") == std::string::npos) {
            if (!receive(15s)) {
                throw std::runtime_error("no response head");
            }
        }
        const std::size_t end = raw_.find("\r\n\r\n");
        const int status = std::stoi(raw_.substr(raw_.find(' ') + 1, 3));
        raw_.erase(0, end + 4);
        return status;
    }

    void start_reading() {
        reader_ = std::thread([this] { read_until_stopped(); });
    }

    void disconnect() {
        stop_ = true;
        if (reader_.joinable()) {
            reader_.join();
        }
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

    // Calls `condition(events)` every 20 ms until it holds or `timeout` passes.
    template <typename Condition>
    bool wait_for(Condition condition, std::chrono::milliseconds timeout = 20s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (true) {
            {
                std::lock_guard lock(mutex_);
                if (condition(events_)) {
                    return true;
                }
            }
            if (std::chrono::steady_clock::now() >= deadline) {
                return false;
            }
            std::this_thread::sleep_for(20ms);
        }
    }

    bool wait_for_event(const std::string& name, const std::string& path,
                        std::chrono::milliseconds timeout = 20s) {
        return wait_for(
            [&](const WatchSseEvents& events) {
                return std::any_of(events.begin(), events.end(), [&](const WatchSseEvent& event) {
                    return event.name == name && event.data.value("path", "") == path;
                });
            },
            timeout);
    }

    WatchSseEvents events() const {
        std::lock_guard lock(mutex_);
        return events_;
    }
    std::size_t pings() const {
        std::lock_guard lock(mutex_);
        return pings_;
    }
    // The response ended (its last chunk came) or the server closed the connection.
    bool finished() const { return finished_; }

  private:
    bool receive(std::chrono::milliseconds timeout) {
        pollfd ready{fd_, POLLIN, 0};
        if (::poll(&ready, 1, static_cast<int>(timeout.count())) <= 0) {
            return false;
        }
        char buffer[65536];
        const ssize_t size = ::recv(fd_, buffer, sizeof buffer, 0);
        if (size <= 0) {
            finished_ = true;
            return false;
        }
        raw_.append(buffer, static_cast<std::size_t>(size));
        return true;
    }

    void read_until_stopped() {
        while (!stop_ && !finished_) {
            if (receive(100ms)) {
                std::lock_guard lock(mutex_);
                take_chunks();
                take_frames();
            }
        }
    }

    void take_chunks() {
        while (true) {
            const std::size_t line_end = raw_.find("\r\n");
            if (line_end == std::string::npos) {
                return;
            }
            const std::size_t size = std::stoul(raw_.substr(0, line_end), nullptr, 16);
            if (size == 0) {
                finished_ = true;
                return;
            }
            if (raw_.size() < line_end + 2 + size + 2) {
                return;
            }
            payload_.append(raw_, line_end + 2, size);
            raw_.erase(0, line_end + 2 + size + 2);
        }
    }

    void take_frames() {
        for (std::size_t end = payload_.find("\n\n"); end != std::string::npos; end = payload_.find("\n\n")) {
            const std::string frame = payload_.substr(0, end);
            payload_.erase(0, end + 2);
            if (frame.starts_with(":")) {
                ++pings_;
                continue;
            }
            const std::size_t data = frame.find("\ndata: ");
            events_.push_back({frame.substr(7, data - 7), nlohmann::json::parse(frame.substr(data + 7))});
        }
    }

    int fd_ = -1;
    std::string raw_;      // received, not yet de-chunked
    std::string payload_;  // de-chunked, not yet split into frames
    mutable std::mutex mutex_;
    WatchSseEvents events_;
    std::size_t pings_ = 0;
    std::atomic<bool> finished_{false};
    std::atomic<bool> stop_{false};
    std::thread reader_;
};

std::string watch_target(const std::string& path, bool recursive) {
    return "/files/watch?path=" + path + (recursive ? "&recursive=true" : "");
}

// A client that watches `path` and reads as events come.
std::unique_ptr<WatchSseClient> watching(uint16_t port, const std::string& path, bool recursive) {
    auto client = std::make_unique<WatchSseClient>(port, watch_target(path, recursive));
    EXPECT_EQ(client->read_status(), 200);
    client->start_reading();
    return client;
}

// "type path" (plus " <- from" for moves and " dir" for directories) of each event, in order.
std::vector<std::string> watch_summary(const WatchSseEvents& events) {
    std::vector<std::string> lines;
    for (const auto& event : events) {
        std::string line = event.name + " " + event.data.value("path", "");
        if (event.data.contains("from")) {
            line += " <- " + event.data["from"].get<std::string>();
        }
        if (event.data.value("is_dir", false)) {
            line += " dir";
        }
        lines.push_back(line);
    }
    return lines;
}

std::size_t count_named(const WatchSseEvents& events, const std::string& name, const std::string& path) {
    return std::count_if(events.begin(), events.end(), [&](const WatchSseEvent& event) {
        return event.name == name && event.data.value("path", "") == path;
    });
}

void run_watch_script(const std::string& script) {
    ASSERT_EQ(std::system(("/bin/bash -c '" + script + "'").c_str()), 0) << script;
}

std::size_t inotify_descriptors(pid_t pid) {
    std::size_t count = 0;
    for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
        std::error_code error;
        if (fs::read_symlink(entry.path(), error).string() == "anon_inode:inotify") {
            ++count;
        }
    }
    return count;
}

int64_t watch_test_unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A fresh directory in memory (/dev/shm) when there is one, so that bursts of files test execd
// rather than the disk; removed when destroyed.
class InMemoryWatchDir {
  public:
    InMemoryWatchDir() {
        const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
        std::string pattern = (base / "execd-watch-test-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        path_ = pattern;
    }
    ~InMemoryWatchDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    InMemoryWatchDir(const InMemoryWatchDir&) = delete;
    InMemoryWatchDir& operator=(const InMemoryWatchDir&) = delete;
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

class ExecdFileWatchTest : public ::testing::Test {
  protected:
    uint16_t port() const { return execd_.port(); }

    ExecdProcess execd_;
    ScratchDir dir_;
};

TEST_F(ExecdFileWatchTest, ReportsCreationsModificationsDeletionsAndMoves) {
    ScratchDir outside;
    auto client = watching(port(), dir_.path(), false);
    const int64_t started = watch_test_unix_ms();
    write_whole_file(dir_ / "a", "x");
    fs::create_directory(dir_ / "sub");
    fs::rename(dir_ / "a", dir_ / "b");
    fs::rename(dir_ / "sub", dir_ / "sub2");
    fs::remove(dir_ / "b");
    fs::remove(dir_ / "sub2");
    write_whole_file(dir_ / "c", "c");
    fs::rename(dir_ / "c", outside / "c");  // out of the tree: a delete
    write_whole_file(outside / "d", "d");
    fs::rename(outside / "d", dir_ / "d");  // into the tree: a create
    write_whole_file(dir_ / "done", "");
    ASSERT_TRUE(client->wait_for_event("create", dir_ / "done"))
        << testing::PrintToString(watch_summary(client->events()));

    const auto events = client->events();
    const std::string d = dir_.path();
    const std::vector<std::string> expected{"create " + d + "/a",
                                            "modify " + d + "/a",
                                            "create " + d + "/sub dir",
                                            "move " + d + "/b <- " + d + "/a",
                                            "move " + d + "/sub2 <- " + d + "/sub dir",
                                            "delete " + d + "/b",
                                            "delete " + d + "/sub2 dir",
                                            "create " + d + "/c",
                                            "modify " + d + "/c",
                                            "delete " + d + "/c",
                                            "create " + d + "/d",
                                            "create " + d + "/done"};
    EXPECT_EQ(watch_summary(events), expected);
    for (const auto& event : events) {
        EXPECT_EQ(event.data["type"], event.name);
        EXPECT_GE(event.data["timestamp"].get<int64_t>(), started - 1000);
        EXPECT_LE(event.data["timestamp"].get<int64_t>(), watch_test_unix_ms() + 1000);
    }
}

TEST_F(ExecdFileWatchTest, CoalescesARunOfWritesIntoFewModifyEvents) {
    auto client = watching(port(), dir_.path(), false);
    const std::string log = dir_ / "log";
    const int fd = ::open(log.c_str(), O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    constexpr int kWrites = 300;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kWrites; ++i) {
        ASSERT_EQ(::write(fd, "line\n", 5), 5);
        std::this_thread::sleep_for(1ms);
    }
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    // A writer that keeps the file open still gets its modify once the window has passed.
    EXPECT_TRUE(client->wait_for_event("modify", log, 5s));
    ::close(fd);
    write_whole_file(dir_ / "done", "");
    ASSERT_TRUE(client->wait_for_event("create", dir_ / "done"));

    const auto modifies = count_named(client->events(), "modify", log);
    EXPECT_GE(modifies, 1u);
    EXPECT_LE(modifies, static_cast<std::size_t>(elapsed.count() / 100 + 2)) << elapsed.count() << " ms";
    EXPECT_LT(modifies, static_cast<std::size_t>(kWrites / 4));
    EXPECT_EQ(count_named(client->events(), "create", log), 1u);
}

TEST_F(ExecdFileWatchTest, ARecursiveWatchReportsWhatIsCreatedInNewDirectoriesOnce) {
    auto recursive = watching(port(), dir_.path(), true);
    auto flat = watching(port(), dir_.path(), false);
    const std::string d = dir_.path();
    run_watch_script("mkdir -p " + d + "/a/b/c && : > " + d + "/a/b/c/f && : > " + d + "/a/g");
    const std::vector<std::pair<std::string, bool>> created{{d + "/a", true},
                                                            {d + "/a/b", true},
                                                            {d + "/a/b/c", true},
                                                            {d + "/a/b/c/f", false},
                                                            {d + "/a/g", false}};
    for (const auto& [path, is_dir] : created) {
        EXPECT_TRUE(recursive->wait_for_event("create", path)) << path;
    }
    write_whole_file(d + "/a/b/c/later", "");  // the new directory is watched, not only scanned
    ASSERT_TRUE(recursive->wait_for_event("create", d + "/a/b/c/later"));

    const auto events = recursive->events();
    for (const auto& [path, is_dir] : created) {
        EXPECT_EQ(count_named(events, "create", path), 1u) << path;
    }
    for (const auto& event : events) {
        const std::string path = event.data.value("path", "");
        EXPECT_EQ(event.data.value("is_dir", false),
                  path.ends_with("/a") || path.ends_with("/b") || path.ends_with("/c"))
            << path;
    }
    ASSERT_TRUE(flat->wait_for_event("create", d + "/a"));
    EXPECT_EQ(watch_summary(flat->events()), std::vector<std::string>{"create " + d + "/a dir"});
}

// Like a `git clone`: 100 directories of 100 files, created as fast as bash can.
TEST_F(ExecdFileWatchTest, ABurstOfTenThousandFilesIsReportedInFullOrAnOverflowSaysSo) {
    const InMemoryWatchDir memory;
    auto client = watching(port(), memory.path(), true);
    run_watch_script("cd " + memory.path() +
                     " && for d in $(seq -w 1 100); do mkdir d$d; for f in $(seq -w 1 100); do : > d$d/f$f; "
                     "done; done");
    constexpr std::size_t kExpected = 100 + 100 * 100;
    const auto creates = [](const WatchSseEvents& events) {
        return static_cast<std::size_t>(std::count_if(
            events.begin(), events.end(), [](const WatchSseEvent& event) { return event.name == "create"; }));
    };
    const auto overflowed = [](const WatchSseEvents& events) {
        return std::any_of(events.begin(), events.end(),
                           [](const WatchSseEvent& event) { return event.name == "overflow"; });
    };
    client->wait_for(
        [&](const WatchSseEvents& events) { return creates(events) >= kExpected || overflowed(events); },
        120s);

    const auto events = client->events();
    std::set<std::string> created;
    for (const auto& event : events) {
        if (event.name == "create") {
            created.insert(event.data["path"].get<std::string>());
        }
    }
    std::set<std::string> expected;
    for (int d = 1; d <= 100; ++d) {
        const std::string directory = memory.path() + "/d" +
                                      (d < 10    ? "00"
                                       : d < 100 ? "0"
                                                 : "") +
                                      std::to_string(d);
        expected.insert(directory);
        for (int f = 1; f <= 100; ++f) {
            expected.insert(directory + "/f" + (f < 10 ? "00" : f < 100 ? "0" : "") + std::to_string(f));
        }
    }
    const bool every_file_reported = created == expected;
    ASSERT_TRUE(every_file_reported || overflowed(events))
        << created.size() << " of " << expected.size() << " reported and no overflow event";
    // With the default limits (8192 queued events, 16384 in the kernel's queue) a client that keeps
    // reading loses nothing: every path once, no overflow.
    EXPECT_FALSE(overflowed(events));
    EXPECT_TRUE(every_file_reported) << created.size() << " of " << expected.size();
    EXPECT_EQ(creates(events), kExpected) << "duplicate creates";
}

// A client that does not read: the queue stays bounded, and the client is told how many events it
// lost, to the event. 80 000 events (some 10 MB of frames) are more than the socket's buffers (4 MB
// with Linux's default tcp_wmem), the write in flight and the queue (1 MiB each) can hold.
TEST_F(ExecdFileWatchTest, ASlowClientGetsAnOverflowCountInsteadOfAnUnboundedQueue) {
    const InMemoryWatchDir memory;
    WatchSseClient client(port(), watch_target(memory.path(), true), 4096);
    ASSERT_EQ(client.read_status(), 200);
    constexpr int kDirectories = 80;
    constexpr int kFilesEach = 1000;
    run_watch_script("cd " + memory.path() + " && for d in $(seq 1 " + std::to_string(kDirectories) +
                     "); do mkdir d$d; for f in $(seq 1 " + std::to_string(kFilesEach) +
                     "); do : > d$d/f$f; done; done");
    std::this_thread::sleep_for(500ms);  // the last events reach execd's queue
    client.start_reading();
    ASSERT_TRUE(client.wait_for(
        [](const WatchSseEvents& events) {
            return std::any_of(events.begin(), events.end(),
                               [](const WatchSseEvent& event) { return event.name == "overflow"; });
        },
        120s));
    write_whole_file(memory / "done", "");
    ASSERT_TRUE(client.wait_for_event("create", memory / "done", 120s));

    std::size_t created = 0;
    std::size_t dropped = 0;
    for (const auto& event : client.events()) {
        if (event.name == "create" && event.data["path"] != memory / "done") {
            ++created;
        } else if (event.name == "overflow") {
            EXPECT_EQ(event.data["source"], "queue");
            dropped += event.data["dropped"].get<std::size_t>();
        }
    }
    EXPECT_GT(dropped, 0u);
    EXPECT_GT(created, 0u);
    EXPECT_EQ(created + dropped, static_cast<std::size_t>(kDirectories + kDirectories * kFilesEach))
        << created << " reported, " << dropped << " dropped";
}

TEST_F(ExecdFileWatchTest, EndsWhenTheWatchedDirectoryIsRemoved) {
    fs::create_directory(dir_ / "watched");
    write_whole_file(dir_ / "watched/x", "x");
    auto client = watching(port(), dir_ / "watched", true);
    fs::remove_all(dir_ / "watched");
    ASSERT_TRUE(client->wait_for_event("end", ""));
    EXPECT_TRUE(execd_test::eventually([&] { return client->finished(); }));
    const auto events = client->events();
    EXPECT_EQ(watch_summary(events), (std::vector<std::string>{"delete " + dir_ / "watched/x", "end "}));
    EXPECT_EQ(events.back().data["reason"], "deleted");
}

TEST_F(ExecdFileWatchTest, EndsWhenTheWatchedDirectoryIsMovedAway) {
    fs::create_directory(dir_ / "watched");
    auto client = watching(port(), dir_ / "watched", false);
    fs::rename(dir_ / "watched", dir_ / "elsewhere");
    ASSERT_TRUE(client->wait_for_event("end", ""));
    EXPECT_EQ(client->events().back().data["reason"], "deleted");
    EXPECT_TRUE(execd_test::eventually([&] { return client->finished(); }));
}

TEST_F(ExecdFileWatchTest, RefusesBadRequestsBeforeTheStreamStarts) {
    write_whole_file(dir_ / "file", "x");
    const auto expect_error = [&](const std::string& target, int status, const std::string& code,
                                  const std::string& message_part) {
        const HttpResponse response = http_request(port(), "GET", target);
        EXPECT_EQ(response.status, status) << target;
        const auto body = nlohmann::json::parse(response.body);
        EXPECT_EQ(body["code"], code) << target;
        EXPECT_NE(body["message"].get<std::string>().find(message_part), std::string::npos) << body.dump();
    };
    expect_error("/files/watch", 400, "MISSING_QUERY", "missing query parameter 'path'");
    expect_error("/files/watch?path=", 400, "MISSING_QUERY", "'path'");
    expect_error(watch_target(dir_ / "missing", false), 404, "FILE_NOT_FOUND", dir_ / "missing");
    expect_error(watch_target(dir_ / "file", false), 400, "INVALID_REQUEST_BODY",
                 "path is not a directory: " + dir_ / "file");
    expect_error("/files/watch?path=" + dir_.path() + "&recursive=maybe", 400, "INVALID_REQUEST_BODY",
                 "recursive");
}

TEST_F(ExecdFileWatchTest, RefusesARecursiveWatchOfATreeOverTheWatchLimit) {
    const InMemoryWatchDir memory;
    run_watch_script("cd " + memory.path() + " && mkdir d{1..8200}");
    const HttpResponse response = http_request(port(), "GET", watch_target(memory.path(), true));
    EXPECT_EQ(response.status, 400);
    EXPECT_NE(response.body.find("too many directories to watch: at most 8192"), std::string::npos)
        << response.body;
    auto flat = watching(port(), memory.path(), false);  // the root alone is one watch
    fs::create_directory(memory / "one-more");
    EXPECT_TRUE(flat->wait_for_event("create", memory / "one-more"));
}

TEST_F(ExecdFileWatchTest, ClosesItsInotifyDescriptorWhenTheClientLeaves) {
    const std::size_t fds_before = count_open_fds(execd_.pid());
    ASSERT_EQ(inotify_descriptors(execd_.pid()), 0u);
    std::vector<std::unique_ptr<WatchSseClient>> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(watching(port(), dir_.path(), true));
    }
    EXPECT_TRUE(eventually([&] { return inotify_descriptors(execd_.pid()) == 3; }));
    clients.clear();  // disconnects; execd notices at its next write (a ping within seconds)
    EXPECT_TRUE(eventually([&] { return inotify_descriptors(execd_.pid()) == 0; }, 30s));
    EXPECT_TRUE(eventually([&] { return count_open_fds(execd_.pid()) <= fds_before; }, 30s))
        << count_open_fds(execd_.pid()) << " descriptors, " << fds_before << " before";
}

TEST_F(ExecdFileWatchTest, PingsAnIdleStreamAndEndsItOnShutdown) {
    auto client = watching(port(), dir_.path(), false);
    EXPECT_TRUE(eventually([&] { return client->pings() >= 1; }, 10s));
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(execd_.terminate(), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "shutdown waited for the watch stream";
    ASSERT_TRUE(client->wait_for_event("end", "", 5s));
    EXPECT_EQ(client->events().back().data["reason"], "shutdown");
}

}  // namespace
}  // namespace execd_test
