// The workload is the adversary: processes that leave their command's process group (setsid,
// setpgid through job control) or clear their environment (env -i) must still die with a command
// timeout, an interrupt, DELETE /session, DELETE /pty and execd's shutdown. execd runs each of them
// in a cgroup of its own and kills the cgroup. Here execd runs in a scratch cgroup v2 of its own (a
// private mount namespace with cgroup2 mounted at /sys/fs/cgroup, as a container runtime gives it),
// in the cgroup v1 freezer hierarchy alone, and without any writable cgroup (the fallback).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "execd_test_support.hpp"
#include "files_test_support.hpp"
#include "harness/scratch_cgroup.hpp"
#include "websocket_test_client.hpp"

namespace execd_test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

constexpr std::size_t kEscapees = 3;

// Three ways out of a command's process group, each escapee writing its pid to `pid_file`: a new
// session (setsid), a new process group (job control: setpgid), and a new session with an empty
// environment (env -i, which also drops a session run's tag).
std::string escape_commands(const std::string& pid_file) {
    const std::string escapee =
        "sh -c 'echo $$ >> " + pid_file + "; exec sleep 1000' </dev/null >/dev/null 2>&1";
    return "setsid " + escapee + " & (set -m; " + escapee + " &); env -i setsid " + escapee + " & ";
}

bool process_gone(pid_t pid) {
    return ::kill(pid, 0) != 0 && errno == ESRCH;
}

std::string cgroup_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
    std::string line;
    std::string path;
    while (std::getline(in, line)) {
        if (line.rfind("0::", 0) == 0) {
            path = line.substr(3);
        }
    }
    return path;
}

// The cgroup directories below `root` (recursive), deepest first.
std::vector<fs::path> cgroups_below(const fs::path& root) {
    std::vector<fs::path> found;
    std::error_code error;
    for (fs::recursive_directory_iterator it(root, error), end; !error && it != end; it.increment(error)) {
        if (it->is_directory(error)) {
            found.push_back(it->path());
        }
    }
    std::sort(found.begin(), found.end(), [](const fs::path& a, const fs::path& b) {
        return std::distance(a.begin(), a.end()) > std::distance(b.begin(), b.end());
    });
    return found;
}

// Kills whatever a failed run left in the cgroups below `root` and removes them, deepest first.
void remove_cgroups_below(const fs::path& root) {
    for (const fs::path& directory : cgroups_below(root)) {
        for (int attempt = 0; attempt < 100; ++attempt) {
            std::ifstream procs(directory / "cgroup.procs");
            pid_t pid = 0;
            bool any = false;
            while (procs >> pid) {
                ::kill(pid, SIGKILL);
                any = true;
            }
            if (!any || ::rmdir(directory.c_str()) == 0) {
                break;
            }
            std::this_thread::sleep_for(10ms);
        }
        ::rmdir(directory.c_str());
    }
}

// How execd's cgroups are set up for a test.
enum class CgroupSetup {
    own_v2,        // a scratch cgroup v2 of its own, mounted at /sys/fs/cgroup
    v1_freezer,    // no cgroup v2 visible: the cgroup v1 freezer hierarchy only
    none_writable  // cgroup2 mounted read-only at /sys/fs/cgroup: nothing to write to
};

std::string pids_text(const std::vector<pid_t>& pids) {
    std::ostringstream text;
    for (const pid_t pid : pids) {
        text << pid << " ";
    }
    return text.str();
}

class ExecdCgroupKillTest : public ::testing::Test {
  protected:
    void TearDown() override {
        execd_.reset();
        for (const pid_t pid : escapees_) {
            ::kill(pid, SIGKILL);  // what today's code leaves behind
        }
        if (cgroup_) {
            remove_cgroups_below(cgroup_->directory());
            cgroup_.reset();
        }
    }

    // Starts execd as `setup` says; false (after GTEST_SKIP) when this machine cannot.
    void start(CgroupSetup setup) {
        if (::geteuid() != 0) {
            GTEST_SKIP() << "needs root (mount and cgroup namespaces of its own)";
        }
        std::vector<std::string> wrapper{"unshare", "--mount", "--fork"};
        if (setup == CgroupSetup::own_v2) {
            if (!harness::cgroup2_available()) {
                GTEST_SKIP() << "cgroup v2 is not mounted";
            }
            static int counter = 0;
            cgroup_ = std::make_unique<harness::ScratchCgroup>("execd-kill-" + std::to_string(::getpid()) +
                                                               "-" + std::to_string(++counter));
            const auto wrapped = cgroup_->wrap({});
            wrapper.insert(wrapper.end(), wrapped.begin(), wrapped.end());
        } else if (setup == CgroupSetup::v1_freezer) {
            if (!fs::exists("/sys/fs/cgroup/freezer/cgroup.procs")) {
                GTEST_SKIP() << "no cgroup v1 freezer hierarchy at /sys/fs/cgroup/freezer";
            }
            wrapper.insert(
                wrapper.end(),
                {"sh", "-c",
                 "for m in $(findmnt -rn -t cgroup2 -o TARGET); do umount -l \"$m\" || exit 1; done; "
                 "exec \"$@\"",
                 "only-v1"});
        } else {
            wrapper.insert(
                wrapper.end(),
                {"sh", "-c", "mount -t cgroup2 -o ro cgroup2 /sys/fs/cgroup && exec \"$@\"", "read-only"});
        }
        execd_ = std::make_unique<ExecdProcess>(std::vector<std::string>{"--graceful-shutdown-timeout", "0s"},
                                                std::vector<std::string>{}, wrapper);
    }

    uint16_t port() const { return execd_->port(); }

    // Waits for the escapees to write their pids; false if they did not within 10 s.
    bool wait_for_escapees() {
        const bool written = eventually(
            [&] {
                std::ifstream in(pid_file_);
                std::vector<pid_t> pids;
                pid_t pid = 0;
                while (in >> pid) {
                    pids.push_back(pid);
                }
                escapees_ = pids;
                return pids.size() >= kEscapees;
            },
            10s);
        return written;
    }

    // The escapees still alive after up to `limit`.
    std::vector<pid_t> survivors(std::chrono::milliseconds limit = 5s) const {
        std::vector<pid_t> alive;
        eventually(
            [&] {
                alive.clear();
                for (const pid_t pid : escapees_) {
                    if (!process_gone(pid)) {
                        alive.push_back(pid);
                    }
                }
                return alive.empty();
            },
            limit);
        return alive;
    }

    // The cgroups execd made for what it runs (below its own), as seen from the test.
    std::vector<fs::path> workload_cgroups() const {
        std::vector<fs::path> found = cgroups_below(cgroup_->directory());
        std::erase_if(found,
                      [&](const fs::path& path) { return path.parent_path() == cgroup_->directory(); });
        return found;
    }

    // Waits until execd removed every cgroup of what it ran; returns those left.
    std::vector<fs::path> cgroups_left(std::chrono::milliseconds limit = 5s) const {
        std::vector<fs::path> left;
        eventually(
            [&] {
                left = workload_cgroups();
                return left.empty();
            },
            limit);
        return left;
    }

    // Every escapee gone and every cgroup of what execd ran removed, `after` what.
    void expect_everything_killed(const std::string& after) const {
        const auto alive = survivors();
        EXPECT_TRUE(alive.empty()) << "alive after " << after << ": " << pids_text(alive);
        EXPECT_TRUE(cgroups_left().empty()) << "cgroups left after " << after;
    }

    std::string read_log() const {
        std::ifstream in(execd_->log_path());
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }

    ScratchDir scratch_;
    const std::string pid_file_ = scratch_ / "escapees";
    std::unique_ptr<harness::ScratchCgroup> cgroup_;
    std::unique_ptr<ExecdProcess> execd_;
    std::vector<pid_t> escapees_;
};

TEST_F(ExecdCgroupKillTest, ACommandTimeoutKillsWhatLeftItsProcessGroup) {
    start(CgroupSetup::own_v2);
    if (IsSkipped()) {
        return;
    }
    const auto stream =
        run_command(port(), {{"command", escape_commands(pid_file_) + "sleep 1000"}, {"timeout", 2000}});
    ASSERT_EQ(stream.response.status, 200);
    ASSERT_TRUE(wait_for_escapees());
    EXPECT_EQ(stream.events.back()["type"], "error") << stream.response.body;
    expect_everything_killed("the timeout");
}

TEST_F(ExecdCgroupKillTest, EachCommandRunsInACgroupOfItsOwn) {
    start(CgroupSetup::own_v2);
    if (IsSkipped()) {
        return;
    }
    const auto started =
        run_command(port(), {{"command", escape_commands(pid_file_) + "sleep 1000"}, {"background", true}});
    ASSERT_EQ(started.response.status, 200);
    ASSERT_TRUE(wait_for_escapees());
    const std::string execd_cgroup = cgroup_of(execd_->pid());
    for (const pid_t pid : escapees_) {
        const std::string cgroup = cgroup_of(pid);
        EXPECT_EQ(cgroup.rfind(execd_cgroup + "/", 0), 0u) << cgroup << " is not below " << execd_cgroup;
        EXPECT_NE(cgroup.find("/command-"), std::string::npos) << cgroup;
    }
    EXPECT_EQ(workload_cgroups().size(), 1u);
}

TEST_F(ExecdCgroupKillTest, AnInterruptKillsWhatLeftItsProcessGroup) {
    start(CgroupSetup::own_v2);
    if (IsSkipped()) {
        return;
    }
    const auto started =
        run_command(port(), {{"command", escape_commands(pid_file_) + "sleep 1000"}, {"background", true}});
    ASSERT_EQ(started.response.status, 200);
    const std::string id = started.events.at(0).at("text");
    ASSERT_TRUE(wait_for_escapees());
    EXPECT_EQ(http_request(port(), "DELETE", "/command?id=" + id).status, 200);
    expect_everything_killed("the interrupt");
}

TEST_F(ExecdCgroupKillTest, DeletingASessionKillsWhatItsRunsLeftBehind) {
    start(CgroupSetup::own_v2);
    if (IsSkipped()) {
        return;
    }
    const auto created = http_request(port(), "POST", "/session", "{}");
    ASSERT_EQ(created.status, 200) << created.body;
    const std::string session = json::parse(created.body).at("session_id");
    const auto run = http_request(port(), "POST", "/session/" + session + "/run",
                                  json{{"command", escape_commands(pid_file_)}}.dump());
    ASSERT_EQ(run.status, 200);
    ASSERT_TRUE(wait_for_escapees());
    EXPECT_EQ(http_request(port(), "DELETE", "/session/" + session).status, 200);
    expect_everything_killed("DELETE /session");
}

TEST_F(ExecdCgroupKillTest, DeletingAPtyKillsWhatItsShellLeftBehind) {
    start(CgroupSetup::own_v2);
    if (IsSkipped()) {
        return;
    }
    const auto created = http_request(port(), "POST", "/pty",
                                      json{{"command", escape_commands(pid_file_) + "sleep 1000"}}.dump());
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string id = json::parse(created.body).at("session_id");
    WebSocketTestClient client(port(), "/pty/" + id + "/ws");
    ASSERT_TRUE(wait_for_escapees());
    EXPECT_EQ(http_request(port(), "DELETE", "/pty/" + id).status, 200);
    expect_everything_killed("DELETE /pty");
}

TEST_F(ExecdCgroupKillTest, ShutdownKillsWhatCommandsLeftBehindAndRemovesExecdsCgroups) {
    start(CgroupSetup::own_v2);
    if (IsSkipped()) {
        return;
    }
    // Finished normally: what the command left behind stays until execd shuts down.
    const auto finished = run_command(port(), {{"command", escape_commands(pid_file_) + "true"}});
    ASSERT_EQ(finished.response.status, 200);
    ASSERT_EQ(finished.events.back()["type"], "execution_complete") << finished.response.body;
    ASSERT_TRUE(wait_for_escapees());
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(survivors(0ms).size(), kEscapees);
    EXPECT_EQ(execd_->terminate(), 0);
    const auto alive = survivors();
    EXPECT_TRUE(alive.empty()) << "alive after shutdown: " << pids_text(alive);
    EXPECT_TRUE(cgroups_below(cgroup_->directory()).empty()) << "execd left its cgroups behind";
}

TEST_F(ExecdCgroupKillTest, InTheCgroupV1FreezerHierarchyATimeoutKillsWhatLeftTheGroup) {
    start(CgroupSetup::v1_freezer);
    if (IsSkipped()) {
        return;
    }
    const auto stream =
        run_command(port(), {{"command", escape_commands(pid_file_) + "sleep 1000"}, {"timeout", 2000}});
    ASSERT_EQ(stream.response.status, 200);
    ASSERT_TRUE(wait_for_escapees());
    const auto alive = survivors();
    EXPECT_TRUE(alive.empty()) << "alive after the timeout: " << pids_text(alive) << "\n" << read_log();
    EXPECT_EQ(read_log().find("process groups"), std::string::npos) << "fell back:\n" << read_log();
}

TEST_F(ExecdCgroupKillTest, WithoutAWritableCgroupExecdWarnsAndKillsProcessGroups) {
    start(CgroupSetup::none_writable);
    if (IsSkipped()) {
        return;
    }
    EXPECT_TRUE(eventually([&] { return read_log().find("process groups") != std::string::npos; }))
        << read_log();
    const auto stream = run_command(port(), {{"command", "echo $$; exec sleep 1000"}, {"timeout", 500}});
    ASSERT_EQ(stream.response.status, 200);
    ASSERT_FALSE(stream.events.empty());
    EXPECT_EQ(stream.events.back()["type"], "error") << stream.response.body;
    const auto lines = texts_of(stream.events, "stdout");
    ASSERT_EQ(lines.size(), 1u) << stream.response.body;
    EXPECT_TRUE(eventually([&] { return process_gone(std::stoi(lines[0])); }));
    const auto pong = run_command(port(), {{"command", "echo pong"}});
    EXPECT_EQ(texts_of(pong.events, "stdout"), std::vector<std::string>{"pong"});
}

}  // namespace
}  // namespace execd_test
