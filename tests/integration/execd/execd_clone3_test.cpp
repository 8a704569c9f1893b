// EXECD_CLONE3_COMPAT against the real binary: a program calling clone3 directly, run through
// POST /command, gets ENOSYS only when the variable asks for the filter.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "execd_test_support.hpp"
#include "harness/spawn.hpp"

namespace execd_test {
namespace {

using Texts = std::vector<std::string>;

// Streams end right after their last event.
const std::vector<std::string> kQuickStreams{"--graceful-shutdown-timeout", "0s"};

// The value of `field` ("Seccomp", "NoNewPrivs") in /proc/PID/status, empty when absent.
std::string status_field(pid_t pid, const std::string& field) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind(field + ":", 0) == 0) {
            const std::size_t value = line.find_first_not_of(" \t", field.size() + 1);
            return value == std::string::npos ? "" : line.substr(value);
        }
    }
    return "";
}

bool environment_has(pid_t pid, const std::string& entry) {
    std::ifstream file("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    return ("\0" + text).find(std::string(1, '\0') + entry + '\0') != std::string::npos;
}

// Runs the clone3 probe through /command; returns its stdout lines, `exit_value` gets the error
// event's evalue ("" when it exited 0).
Texts run_probe(uint16_t port, std::string& exit_value) {
    const CommandStream stream = run_command(port, {{"command", CLONE3_PROBE}});
    EXPECT_EQ(stream.response.status, 200);
    exit_value.clear();
    for (const auto& event : stream.events) {
        if (event["type"] == "error") {
            exit_value = event["error"]["evalue"];
        }
    }
    return texts_of(stream.events, "stdout");
}

// bash, a pipeline, a subshell and a background job: glibc falls back to clone for them.
void expect_ordinary_commands_work(uint16_t port) {
    const CommandStream stream = run_command(
        port, {{"command", "echo $((6 * 7)); (ls / | grep -c . >/dev/null && echo listed) & wait"}});
    ASSERT_EQ(stream.response.status, 200);
    EXPECT_EQ(texts_of(stream.events, "stdout"), (Texts{"42", "listed"}));
    EXPECT_EQ(stream.events.back()["type"], "execution_complete");
}

TEST(ExecdClone3Test, WithoutTheVariableClone3Works) {
    ExecdProcess execd(kQuickStreams);
    std::string exit_value;
    EXPECT_EQ(run_probe(execd.port(), exit_value), (Texts{"clone3: ok"}));
    EXPECT_EQ(exit_value, "");
    EXPECT_EQ(status_field(execd.pid(), "Seccomp"), "0");
}

TEST(ExecdClone3Test, OffValuesInstallNothing) {
    ExecdProcess execd(kQuickStreams, {"EXECD_CLONE3_COMPAT= Off "});
    EXPECT_EQ(status_field(execd.pid(), "Seccomp"), "0");
}

TEST(ExecdClone3Test, FilterMakesClone3FailWithEnosysForChildren) {
    ExecdProcess execd(kQuickStreams, {"EXECD_CLONE3_COMPAT=1"});
    std::string exit_value;
    EXPECT_EQ(run_probe(execd.port(), exit_value), (Texts{"clone3: ENOSYS"}));
    EXPECT_EQ(exit_value, "2");
    EXPECT_EQ(status_field(execd.pid(), "Seccomp"), "2");
    EXPECT_EQ(status_field(execd.pid(), "NoNewPrivs"), "1");
    EXPECT_FALSE(environment_has(execd.pid(), "_EXECD_CLONE3_COMPAT_APPLIED=1"));
    expect_ordinary_commands_work(execd.port());
}

TEST(ExecdClone3Test, ReexecRunsTheBinaryAgainUnderOneFilter) {
    ExecdProcess execd(kQuickStreams, {"EXECD_CLONE3_COMPAT=reexec"});
    EXPECT_EQ(status_field(execd.pid(), "Seccomp"), "2");
    EXPECT_EQ(status_field(execd.pid(), "NoNewPrivs"), "1");
    const std::string filters = status_field(execd.pid(), "Seccomp_filters");  // Linux 5.9+
    if (!filters.empty()) {
        EXPECT_EQ(filters, "1");  // the re-executed image did not stack a second one
    }
    EXPECT_TRUE(environment_has(execd.pid(), "_EXECD_CLONE3_COMPAT_APPLIED=1"));
    std::string exit_value;
    EXPECT_EQ(run_probe(execd.port(), exit_value), (Texts{"clone3: ENOSYS"}));
    EXPECT_EQ(exit_value, "2");
    expect_ordinary_commands_work(execd.port());
}

// The bundle starts execd as `ld-linux ... execd`: /proc/self/exe is then the loader, and reexec
// must repeat the loader's command line.
TEST(ExecdClone3Test, ReexecThroughAnExplicitLoader) {
    std::string loader;
    for (const char* candidate : {"/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1"}) {
        if (std::filesystem::exists(candidate)) {
            loader = candidate;
        }
    }
    if (loader.empty()) {
        GTEST_SKIP() << "no known dynamic loader path";
    }
    const uint16_t port = free_loopback_port();
    std::vector<std::string> args{loader,      EXECD_BINARY, "--listen-address",
                                  "127.0.0.1", "--port",     std::to_string(port)};
    args.insert(args.end(), kQuickStreams.begin(), kQuickStreams.end());
    harness::SpawnOptions options;
    options.extra_env = {"EXECD_CLONE3_COMPAT=reexec"};
    const pid_t pid = harness::spawn_process(args, options);
    const bool serving = eventually(
        [&] {
            try {
                HttpConnection connection(port);
                return true;
            } catch (const std::exception&) {
                return false;
            }
        },
        std::chrono::seconds(10));
    if (serving) {
        EXPECT_EQ(std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe"),
                  std::filesystem::canonical(loader));
        EXPECT_EQ(status_field(pid, "Seccomp"), "2");
        EXPECT_TRUE(environment_has(pid, "_EXECD_CLONE3_COMPAT_APPLIED=1"));
        std::string exit_value;
        EXPECT_EQ(run_probe(port, exit_value), (Texts{"clone3: ENOSYS"}));
    }
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(serving);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(ExecdClone3Test, BadValueStopsTheStartWithAMessage) {
    const std::string command = "EXECD_CLONE3_COMPAT=sometimes " + std::string(EXECD_BINARY) +
                                " --listen-address 127.0.0.1 --port " + std::to_string(free_loopback_port()) +
                                " 2>&1";
    FILE* output = ::popen(command.c_str(), "r");
    ASSERT_NE(output, nullptr);
    std::string text;
    char buffer[4096];
    for (std::size_t got; (got = std::fread(buffer, 1, sizeof buffer, output)) > 0;) {
        text.append(buffer, got);
    }
    const int status = ::pclose(output);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 2);
    EXPECT_NE(text.find("EXECD_CLONE3_COMPAT"), std::string::npos) << text;
    EXPECT_NE(text.find("sometimes"), std::string::npos) << text;
    EXPECT_EQ(text.find("OpenSandbox Execd"), std::string::npos) << "stopped before the banner: " << text;
}

}  // namespace
}  // namespace execd_test
