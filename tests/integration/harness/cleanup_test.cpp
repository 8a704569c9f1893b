#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <sstream>

#include "harness/command.hpp"
#include "harness/namespace_names.hpp"
#include "harness/netns.hpp"
#include "harness/require_netns.hpp"
#include "harness/resolv_conf.hpp"
#include "harness/spawn.hpp"
#include "harness/topology.hpp"
#include "harness/unique_fd.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using harness_test::process_dead;
using harness_test::wait_until;

bool etc_dir_exists(const std::string& netns) {
    return std::filesystem::exists("/etc/netns/" + netns);
}

// Starts `sleep 300` inside the namespace as a plain child that no handle owns.
pid_t start_unowned_sleeper(const std::string& netns) {
    const harness::UniqueFd netns_fd = harness::open_namespace(netns);
    harness::SpawnOptions options;
    options.netns_fd = netns_fd.get();
    return harness::spawn_process({"sleep", "300"}, options);
}

pid_t pid_of_exited_process() {
    const pid_t pid = harness::spawn_process({"true"}, {});
    harness::wait_for_exit(pid);
    return pid;
}

TEST(NamespaceNames, OwnerIsParsedOnlyFromHarnessNames) {
    EXPECT_EQ(harness::namespace_owner("ost-1234-7-sbx"), 1234);
    EXPECT_EQ(harness::namespace_owner("ost-1234-7-up"), 1234);
    EXPECT_EQ(harness::namespace_owner("ost-x-7-up"), std::nullopt);
    EXPECT_EQ(harness::namespace_owner("ost-1234"), std::nullopt);
    EXPECT_EQ(harness::namespace_owner("cni-1234-7"), std::nullopt);
    EXPECT_NE(harness::make_namespace_stem(), harness::make_namespace_stem());
}

TEST(Spawn, AppliesEnvironmentAndWorkingDirectory) {
    harness::SpawnOptions options;
    options.working_dir = "/tmp";
    options.extra_env = {"HOME=/nowhere", "SPAWN_TEST_VALUE=a=b"};
    const std::string check =
        R"sh(test "$HOME" = /nowhere && test "$SPAWN_TEST_VALUE" = a=b && test "$(pwd)" = /tmp &&)sh"
        R"sh( test "$(env | grep -c '^HOME=')" = 1)sh";
    EXPECT_EQ(harness::wait_for_exit(harness::spawn_process({"sh", "-c", check}, options)), 0);
    options.working_dir = "/nonexistent/dir";
    EXPECT_THROW(harness::spawn_process({"true"}, options), std::runtime_error);
}

TEST(Spawn, ReportsExecFailuresAndExitStatuses) {
    EXPECT_THROW(harness::spawn_process({"/nonexistent/program"}, {}), std::runtime_error);
    EXPECT_THROW(harness::spawn_process({"no-such-program-in-path"}, {}), std::runtime_error);
    EXPECT_EQ(harness::wait_for_exit(harness::spawn_process({"sh", "-c", "exit 7"}, {})), 7);
    const auto result = harness::run_command({"sh", "-c", "cat; echo err >&2"}, "input\n");
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.output, "input\nerr\n");
    EXPECT_THROW(harness::run_checked({"false"}), std::runtime_error);
}

TEST(Cleanup, DestructionRemovesNamespacesEtcDirsAndProcesses) {
    HARNESS_REQUIRE_NETNS();
    harness_test::TempDir logs;
    std::optional<harness::Topology> topology(std::in_place);
    const auto names = topology->namespaces();
    topology->write_resolv_conf(topology->sandbox(), {"10.77.0.1"});
    auto owned =
        topology->spawn(topology->sandbox(), {"sh", "-c", "sleep 300 & echo $!; wait"}, logs.file("p.log"));
    const pid_t unowned = start_unowned_sleeper(topology->upstream());
    ASSERT_TRUE(wait_until([&] { return !owned.read_log().empty(); }, 2s));
    const pid_t grandchild = std::stoi(owned.read_log());
    const pid_t watchdog = topology->watchdog_pid();
    ASSERT_FALSE(process_dead(grandchild));
    ASSERT_TRUE(etc_dir_exists(topology->sandbox()));

    topology.reset();

    for (const auto& name : names) {
        EXPECT_FALSE(harness::namespace_exists(name)) << name;
        EXPECT_FALSE(etc_dir_exists(name)) << name;
    }
    EXPECT_EQ(owned.wait(2s), 128 + SIGKILL);
    EXPECT_EQ(harness::wait_for_exit(unowned, 2s), 128 + SIGKILL);
    EXPECT_TRUE(wait_until([&] { return process_dead(grandchild); }, 2s));
    EXPECT_TRUE(process_dead(watchdog));
}

TEST(Cleanup, SigkilledOwnerLeavesNothingBehind) {
    HARNESS_REQUIRE_NETNS();
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    const harness::UniqueFd read_end(fds[0]);
    harness::UniqueFd write_end(fds[1]);
    harness::SpawnOptions options;
    options.stdout_fd = write_end.get();
    const pid_t holder = harness::spawn_process({HARNESS_HOLDER_PATH}, options);
    write_end.reset();

    std::string line;
    char c = 0;
    while (::read(read_end.get(), &c, 1) == 1 && c != '\n') {
        line.push_back(c);
    }
    std::istringstream fields(line);
    std::string sandbox, upstream;
    pid_t watchdog = 0, child = 0;
    ASSERT_TRUE(fields >> sandbox >> upstream >> watchdog >> child) << "holder printed: '" << line << "'";
    ASSERT_TRUE(harness::namespace_exists(sandbox));
    ASSERT_TRUE(etc_dir_exists(sandbox));
    ASSERT_FALSE(process_dead(child));

    ::kill(holder, SIGKILL);
    EXPECT_EQ(harness::wait_for_exit(holder), 128 + SIGKILL);

    EXPECT_TRUE(wait_until(
        [&] { return !harness::namespace_exists(sandbox) && !harness::namespace_exists(upstream); }, 5s));
    EXPECT_TRUE(wait_until([&] { return !etc_dir_exists(sandbox); }, 5s));
    EXPECT_TRUE(wait_until([&] { return process_dead(child); }, 5s)) << "process inside the sandbox survived";
    EXPECT_TRUE(wait_until([&] { return process_dead(watchdog); }, 5s)) << "watchdog did not finish";
    harness::destroy_namespace(sandbox);  // in case the assertions above failed
    harness::destroy_namespace(upstream);
}

TEST(Cleanup, CreationSweepsNamespacesOfDeadOwnersOnly) {
    HARNESS_REQUIRE_NETNS();
    const std::string stale = "ost-" + std::to_string(pid_of_exited_process()) + "-0-sbx";
    harness::create_namespace(stale);
    harness::write_namespace_resolv_conf(stale, {"10.77.0.1"});
    const pid_t sleeper = start_unowned_sleeper(stale);
    ASSERT_TRUE(wait_until([&] { return !harness::namespace_pids(stale).empty(); }, 2s));
    const harness::Topology live;

    const harness::Topology next;

    EXPECT_FALSE(harness::namespace_exists(stale));
    EXPECT_FALSE(etc_dir_exists(stale));
    EXPECT_EQ(harness::wait_for_exit(sleeper, 2s), 128 + SIGKILL);
    EXPECT_TRUE(harness::namespace_exists(live.sandbox())) << "a namespace of a live owner was swept";
    harness::destroy_namespace(stale);
}

TEST(Cleanup, WatchdogIsDismissedWithoutSideEffects) {
    HARNESS_REQUIRE_NETNS();
    const std::string name = harness::make_namespace_stem() + "-wd";
    harness::create_namespace(name);
    {
        const harness::CleanupWatchdog watchdog({name});
        EXPECT_FALSE(process_dead(watchdog.pid()));
    }
    EXPECT_TRUE(harness::namespace_exists(name)) << "a dismissed watchdog must not clean up";
    harness::destroy_namespace(name);
    EXPECT_FALSE(harness::namespace_exists(name));
}

TEST(Skip, TestsSkipCleanlyWithoutRoot) {
    if (::geteuid() != 0 || ::access("/usr/bin/setpriv", X_OK) != 0) {
        GTEST_SKIP() << "needs root and setpriv to drop to an unprivileged user";
    }
    const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    const auto result =
        harness::run_command({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", self,
                              "--gtest_filter=TopologyTest.NamespacesExistWithUniqueHarnessNames"});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("[  SKIPPED ] 1 test"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("need root"), std::string::npos) << result.output;
}

}  // namespace
