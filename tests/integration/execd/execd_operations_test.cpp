// Operating execd: settings from variables, bad settings, a token file that rotates, what goes to
// stdout and stderr, log files that rotate.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "execd_test_support.hpp"
#include "harness/spawn.hpp"
#include "harness/unique_fd.hpp"

namespace execd_test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string whole_file(const fs::path& path) {
    std::ifstream file(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

void write_file(const fs::path& path, const std::string& content) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

// A directory of the test's own, removed at the end.
class OperationsScratch {
  public:
    OperationsScratch() {
        const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
        path_ = fs::temp_directory_path() /
                ("execd-operations-" + std::string(test->name()) + "-" + std::to_string(::getpid()));
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    ~OperationsScratch() { fs::remove_all(path_); }
    OperationsScratch(const OperationsScratch&) = delete;
    OperationsScratch& operator=(const OperationsScratch&) = delete;

    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

// The real execd started with exactly `args` and `env` (no --port of the fixture's), its stdout and
// stderr each in a file of its own.
class ExecdWithOwnOutputs {
  public:
    ExecdWithOwnOutputs(const fs::path& directory, uint16_t port, const std::vector<std::string>& args,
                        std::vector<std::string> env)
        : port_(port), stdout_path_(directory / "stdout"), stderr_path_(directory / "stderr") {
        std::vector<std::string> argv{EXECD_BINARY};
        argv.insert(argv.end(), args.begin(), args.end());
        const harness::UniqueFd out(
            ::open(stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        const harness::UniqueFd err(
            ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        harness::SpawnOptions options;
        options.stdout_fd = out.get();
        options.stderr_fd = err.get();
        options.extra_env = std::move(env);
        pid_ = harness::spawn_process(argv, options);
        if (!serving()) {
            stop();
            throw std::runtime_error("execd did not start: " + whole_file(stderr_path_));
        }
    }
    ~ExecdWithOwnOutputs() { stop(); }
    ExecdWithOwnOutputs(const ExecdWithOwnOutputs&) = delete;
    ExecdWithOwnOutputs& operator=(const ExecdWithOwnOutputs&) = delete;

    // False once it exited (its status is then kept for stop()).
    bool still_running() {
        int status = 0;
        if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            exit_status_ = harness::decode_wait_status(status);
        }
        return pid_ > 0;
    }

    // SIGTERM; the exit status, or nullopt when it had to be killed.
    std::optional<int> stop() {
        if (pid_ <= 0) {
            return exit_status_;
        }
        const std::optional<int> status = terminate_child(pid_, pid_, 10s);
        pid_ = -1;
        exit_status_ = status ? std::optional<int>(harness::decode_wait_status(*status)) : std::nullopt;
        return exit_status_;
    }

    std::string standard_output() const { return whole_file(stdout_path_); }
    std::string standard_error() const { return whole_file(stderr_path_); }

  private:
    // A loaded machine may take many seconds to start it; an exit ends the wait at once.
    bool serving() {
        const bool connected_or_exited = eventually(
            [&] {
                try {
                    HttpConnection connection(port_);
                    return true;
                } catch (const std::exception&) {
                    return !still_running();
                }
            },
            60s);
        return connected_or_exited && still_running();
    }

    uint16_t port_;
    fs::path stdout_path_;
    fs::path stderr_path_;
    pid_t pid_ = -1;
    std::optional<int> exit_status_;
};

// Runs execd until it exits on its own: its exit status and what it wrote on stderr.
std::pair<int, std::string> run_until_exit(const fs::path& directory, const std::vector<std::string>& args,
                                           std::vector<std::string> env) {
    const fs::path stderr_path = directory / "refused.stderr";
    std::vector<std::string> argv{EXECD_BINARY, "--listen-address", "127.0.0.1", "--port",
                                  std::to_string(free_loopback_port())};
    argv.insert(argv.end(), args.begin(), args.end());
    const harness::UniqueFd err(::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    harness::SpawnOptions options;
    options.stderr_fd = err.get();
    options.extra_env = std::move(env);
    const pid_t pid = harness::spawn_process(argv, options);
    const std::optional<int> status = harness::wait_for_exit(pid, 30s);
    if (!status) {
        ::kill(pid, SIGKILL);
        harness::wait_for_exit(pid);
        return {-1, "still running"};
    }
    return {*status, whole_file(stderr_path)};
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);) {
        lines.push_back(line);
    }
    return lines;
}

// Every line parses as a JSON object with the logger's keys.
void expect_json_lines_only(const std::string& text) {
    EXPECT_TRUE(text.empty() || text.back() == '\n') << "a line cut short";
    for (const std::string& line : lines_of(text)) {
        nlohmann::json parsed;
        ASSERT_NO_THROW(parsed = nlohmann::json::parse(line)) << "not JSON: " << line;
        ASSERT_TRUE(parsed.is_object()) << line;
        EXPECT_TRUE(parsed.contains("level") && parsed.contains("ts") && parsed.contains("msg")) << line;
    }
}

int ping_status(uint16_t port, const std::string& token) {
    return http_request(port, "GET", "/ping", "", {"X-EXECD-ACCESS-TOKEN: " + token}).status;
}

std::vector<std::string> loopback_args(uint16_t port) {
    return {"--listen-address", "127.0.0.1", "--port", std::to_string(port)};
}

TEST(ExecdOperationsTest, PortFromExecdPortVariable) {
    const OperationsScratch scratch;
    const uint16_t port = free_loopback_port();
    ExecdWithOwnOutputs execd(scratch.path(), port, {"--listen-address", "127.0.0.1"},
                              {"EXECD_PORT=" + std::to_string(port)});
    EXPECT_EQ(http_request(port, "GET", "/ping").status, 200);
    EXPECT_NE(execd.standard_output().find("\"port\":" + std::to_string(port)), std::string::npos)
        << execd.standard_output();
}

TEST(ExecdOperationsTest, PortFlagWinsOverExecdPort) {
    const OperationsScratch scratch;
    const uint16_t flag_port = free_loopback_port();
    const uint16_t variable_port = free_loopback_port();
    ExecdWithOwnOutputs execd(scratch.path(), flag_port, loopback_args(flag_port),
                              {"EXECD_PORT=" + std::to_string(variable_port)});
    EXPECT_EQ(http_request(flag_port, "GET", "/ping").status, 200);
    EXPECT_THROW(HttpConnection{variable_port}, std::runtime_error);
}

TEST(ExecdOperationsTest, BadFlagsAndVariablesExitTwoNamingThem) {
    const OperationsScratch scratch;
    const std::vector<std::tuple<std::vector<std::string>, std::vector<std::string>, std::string>> cases{
        {{"--nope"}, {}, "flag provided but not defined: --nope"},
        {{"-port", "http"}, {}, "--port: invalid value \"http\""},
        {{"-idle-timeout", "5"}, {}, "--idle-timeout: invalid duration"},
        {{}, {"EXECD_LOG_LEVEL=debug"}, "EXECD_LOG_LEVEL: invalid value \"debug\""},
        {{}, {"EXECD_HEADER_TIMEOUT=5"}, "EXECD_HEADER_TIMEOUT: invalid duration"},
        {{}, {"EXECD_LOG_MAX_BYTES=1M"}, "EXECD_LOG_MAX_BYTES: invalid value \"1M\""},
    };
    for (const auto& [args, env, message] : cases) {
        const auto [status, errors] = run_until_exit(scratch.path(), args, env);
        EXPECT_EQ(status, 2) << message << "\n" << errors;
        EXPECT_NE(errors.find(message), std::string::npos) << errors;
    }
}

TEST(ExecdOperationsTest, TokenFileGuardsEveryRequest) {
    const OperationsScratch scratch;
    const fs::path token = scratch.path() / "token";
    write_file(token, "from-file\n");
    const uint16_t port = free_loopback_port();
    ExecdWithOwnOutputs execd(scratch.path(), port, loopback_args(port),
                              {"EXECD_ACCESS_TOKEN_FILE=" + token.string()});
    EXPECT_EQ(http_request(port, "GET", "/ping").status, 401);
    EXPECT_EQ(ping_status(port, "from-file2"), 401);
    EXPECT_EQ(ping_status(port, "from-fil"), 401);
    EXPECT_EQ(ping_status(port, "from-file"), 200);
}

TEST(ExecdOperationsTest, TokenFileReplacedByRenameTakesEffectWithoutRestart) {
    const OperationsScratch scratch;
    const fs::path token = scratch.path() / "token";
    write_file(token, "first\n");
    const uint16_t port = free_loopback_port();
    ExecdWithOwnOutputs execd(scratch.path(), port, loopback_args(port),
                              {"EXECD_ACCESS_TOKEN_FILE=" + token.string()});
    ASSERT_EQ(ping_status(port, "first"), 200);
    write_file(scratch.path() / "token.new", "second\n");
    fs::rename(scratch.path() / "token.new", token);
    EXPECT_TRUE(eventually([&] { return ping_status(port, "second") == 200; }, 3s));
    EXPECT_EQ(ping_status(port, "first"), 401);
    EXPECT_EQ(http_request(port, "GET", "/ping").status, 401);
    EXPECT_TRUE(execd.still_running());
}

// The layout of a Kubernetes secret volume: token -> ..data/token, ..data -> ..<timestamp>. An
// update writes a new timestamped directory and renames a new ..data symlink over the old one.
TEST(ExecdOperationsTest, TokenFileFollowsAKubernetesSymlinkSwap) {
    const OperationsScratch scratch;
    const fs::path& volume = scratch.path();
    fs::create_directory(volume / "..2026_01_01");
    write_file(volume / "..2026_01_01" / "token", "old-secret");
    fs::create_directory_symlink("..2026_01_01", volume / "..data");
    fs::create_symlink("..data/token", volume / "token");
    const uint16_t port = free_loopback_port();
    ExecdWithOwnOutputs execd(volume, port, loopback_args(port),
                              {"EXECD_ACCESS_TOKEN_FILE=" + (volume / "token").string()});
    ASSERT_EQ(ping_status(port, "old-secret"), 200);
    fs::create_directory(volume / "..2026_01_02");
    write_file(volume / "..2026_01_02" / "token", "new-secret");
    fs::create_directory_symlink("..2026_01_02", volume / "..data_tmp");
    fs::rename(volume / "..data_tmp", volume / "..data");
    fs::remove_all(volume / "..2026_01_01");
    EXPECT_TRUE(eventually([&] { return ping_status(port, "new-secret") == 200; }, 3s));
    EXPECT_EQ(ping_status(port, "old-secret"), 401);
    EXPECT_TRUE(execd.still_running());
}

TEST(ExecdOperationsTest, TokenAndTokenFileTogetherExitTwo) {
    const OperationsScratch scratch;
    write_file(scratch.path() / "token", "t");
    const std::string file = "EXECD_ACCESS_TOKEN_FILE=" + (scratch.path() / "token").string();
    for (const auto& [args, env] : std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>>{
             {{}, {"EXECD_ACCESS_TOKEN=t", file}}, {{"-access-token", "t"}, {file}}}) {
        const auto [status, errors] = run_until_exit(scratch.path(), args, env);
        EXPECT_EQ(status, 2) << errors;
        EXPECT_NE(errors.find("EXECD_ACCESS_TOKEN_FILE"), std::string::npos) << errors;
        EXPECT_NE(errors.find("EXECD_ACCESS_TOKEN)"), std::string::npos) << errors;
    }
}

TEST(ExecdOperationsTest, UnreadableTokenFileExitsTwo) {
    const OperationsScratch scratch;
    const auto [missing, missing_errors] =
        run_until_exit(scratch.path(), {}, {"EXECD_ACCESS_TOKEN_FILE=" + (scratch.path() / "none").string()});
    EXPECT_EQ(missing, 2) << missing_errors;
    EXPECT_NE(missing_errors.find("No such file or directory"), std::string::npos) << missing_errors;
    write_file(scratch.path() / "empty", "\n");
    const auto [empty, empty_errors] =
        run_until_exit(scratch.path(), {"-access-token-file", (scratch.path() / "empty").string()}, {});
    EXPECT_EQ(empty, 2) << empty_errors;
}

TEST(ExecdOperationsTest, StdoutHoldsOnlyJsonLinesAndTheBannerGoesToStderr) {
    const OperationsScratch scratch;
    const uint16_t port = free_loopback_port();
    std::vector<std::string> args = loopback_args(port);
    args.insert(args.end(), {"--log-level", "7", "tail", "-f", "/dev/null"});  // a warning, too
    ExecdWithOwnOutputs execd(scratch.path(), port, args, {});
    EXPECT_EQ(http_request(port, "GET", "/ping").status, 200);
    EXPECT_EQ(run_command(port, {{"command", "echo out; echo err >&2"}}).response.status, 200);
    EXPECT_EQ(execd.stop(), std::optional<int>(0));
    const std::string output = execd.standard_output();
    expect_json_lines_only(output);
    EXPECT_GE(lines_of(output).size(), 5u) << output;
    EXPECT_NE(output.find("\"msg\":\"execd listening\""), std::string::npos) << output;
    const std::string errors = execd.standard_error();
    EXPECT_NE(errors.find("OpenSandbox Execd"), std::string::npos) << errors;
    EXPECT_NE(errors.find("Git Commit"), std::string::npos) << errors;
}

TEST(ExecdOperationsTest, TheBannerCanBeTurnedOff) {
    const OperationsScratch scratch;
    for (const auto& [args, env] : std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>>{
             {{"-banner=false"}, {}}, {{}, {"EXECD_BANNER=false"}}}) {
        const uint16_t port = free_loopback_port();
        std::vector<std::string> all = loopback_args(port);
        all.insert(all.end(), args.begin(), args.end());
        ExecdWithOwnOutputs execd(scratch.path(), port, all, env);
        EXPECT_EQ(execd.stop(), std::optional<int>(0));
        EXPECT_EQ(execd.standard_error(), "");
        expect_json_lines_only(execd.standard_output());
    }
}

TEST(ExecdOperationsTest, LogFileRotatesAtItsSizeLimit) {
    const OperationsScratch scratch;
    const fs::path log = scratch.path() / "execd.log";
    constexpr std::uintmax_t kLimit = 4096;
    const uint16_t port = free_loopback_port();
    std::vector<std::string> args = loopback_args(port);
    args.insert(args.end(), {"--log-level", "7"});  // a line for every request
    ExecdWithOwnOutputs execd(scratch.path(), port, args,
                              {"EXECD_LOG_FILE=" + log.string(),
                               "EXECD_LOG_MAX_BYTES=" + std::to_string(kLimit), "EXECD_LOG_FILES=2"});
    for (int i = 0; i < 200; ++i) {
        ASSERT_EQ(http_request(port, "GET", "/ping").status, 200);
    }
    EXPECT_EQ(execd.stop(), std::optional<int>(0));
    EXPECT_EQ(execd.standard_output(), "");
    const fs::path first = scratch.path() / "execd.1.log";
    const fs::path second = scratch.path() / "execd.2.log";
    ASSERT_TRUE(fs::exists(first));
    ASSERT_TRUE(fs::exists(second));
    EXPECT_FALSE(fs::exists(scratch.path() / "execd.3.log"));
    for (const fs::path& file : {log, first, second}) {
        EXPECT_LE(fs::file_size(file), kLimit) << file;
        EXPECT_GT(fs::file_size(file), 0u) << file;
        expect_json_lines_only(whole_file(file));
    }
    EXPECT_NE(whole_file(log).find("\"msg\":\"shutting down\""), std::string::npos);
}

}  // namespace
}  // namespace execd_test
