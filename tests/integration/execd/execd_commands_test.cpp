// POST /command and friends against the real binary, with upstream's transcripts as exact assertions.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "execd_test_support.hpp"

namespace execd_test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Texts = std::vector<std::string>;

class ExecdCommandsTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { execd_ = new ExecdProcess({"--graceful-shutdown-timeout", "0s"}); }
    static void TearDownTestSuite() {
        delete execd_;
        execd_ = nullptr;
    }
    static uint16_t port() { return execd_->port(); }

    static json status_of(const std::string& id) {
        const HttpResponse response = http_request(port(), "GET", "/command/status/" + id);
        EXPECT_EQ(response.status, 200) << response.body;
        return json::parse(response.body);
    }

    static inline ExecdProcess* execd_ = nullptr;
};

TEST_F(ExecdCommandsTest, ForegroundTranscriptMatchesUpstream) {
    const CommandStream stream =
        run_command(port(), {{"command", "echo out; echo err >&2; printf 'p1\\rp2\\n'; exit 3"}});
    ASSERT_EQ(stream.response.status, 200);
    EXPECT_EQ(stream.response.headers.at("content-type"), "text/event-stream");
    EXPECT_EQ(stream.response.headers.at("cache-control"), "no-cache");
    EXPECT_EQ(stream.response.headers.at("x-accel-buffering"), "no");
    EXPECT_EQ(stream.response.headers.at("transfer-encoding"), "chunked");
    ASSERT_GE(stream.events.size(), 6u);
    EXPECT_EQ(normalized(stream.events[0]), R"({"text":"ID","timestamp":0,"type":"init"})");
    EXPECT_EQ(stream.events[0]["text"].get<std::string>().size(), 32u);
    EXPECT_EQ(normalized(stream.events[1]), R"({"text":"pong","timestamp":0,"type":"ping"})");
    EXPECT_EQ(texts_of(stream.events, "stdout"), (Texts{"out", "p1", "p2"}));
    EXPECT_EQ(texts_of(stream.events, "stderr"), (Texts{"err"}));
    // Exact bytes of the terminal event, field order included.
    const std::string last = split_events(stream.response.body).back();
    const std::string prefix = R"({"eid":6,"type":"error","timestamp":)";
    ASSERT_EQ(last.substr(0, prefix.size()), prefix);
    EXPECT_EQ(last.substr(last.find(",\"error\"")),
              R"(,"error":{"ename":"CommandExecError","evalue":"3","traceback":["exit status 3"]}})");
    EXPECT_EQ(stream.response.body.substr(stream.response.body.size() - 2), "\n\n");

    const json status = status_of(stream.events[0]["text"]);
    EXPECT_EQ(status["running"], false);
    EXPECT_EQ(status["exit_code"], 3);
    EXPECT_EQ(status["error"], "exit status 3");
    EXPECT_EQ(status["content"], "echo out; echo err >&2; printf 'p1\\rp2\\n'; exit 3");
    EXPECT_TRUE(status.contains("started_at") && status.contains("finished_at"));
}

TEST_F(ExecdCommandsTest, EveryEventIsOneChunkWithTimestamp) {
    const CommandStream stream = run_command(port(), {{"command", "echo hi"}});
    ASSERT_EQ(stream.response.status, 200);
    std::string expected_raw;
    for (const auto& text : split_events(stream.response.body)) {
        const std::string event = text + "\n\n";
        char size[16];
        std::snprintf(size, sizeof size, "%zx", event.size());
        expected_raw += std::string(size) + "\r\n" + event + "\r\n";
        EXPECT_GT(json::parse(text)["timestamp"].get<int64_t>(), 1'600'000'000'000);
    }
    EXPECT_EQ(stream.response.raw_body, expected_raw + "0\r\n\r\n");
    EXPECT_EQ(stream.events.back()["type"], "execution_complete");
    EXPECT_EQ(texts_of(stream.events, "stdout"), (Texts{"hi"}));
}

TEST_F(ExecdCommandsTest, BlankLinesAreNewlineEvents) {
    const CommandStream stream = run_command(port(), {{"command", "printf 'a\\n\\nb\\n\\n\\nc\\n'"}});
    EXPECT_EQ(texts_of(stream.events, "stdout"), (Texts{"a", "\n", "b", "\n", "\n", "c"}));
}

TEST_F(ExecdCommandsTest, CarriageReturnsSplitLines) {
    const CommandStream stream = run_command(
        port(), {{"command", "printf 'x\\r\\ny\\r\\n'; printf 'p1\\rp2'; sleep 0.05; printf '\\nend'"}});
    EXPECT_EQ(texts_of(stream.events, "stdout"), (Texts{"x", "y", "p1", "p2", "end"}));
}

TEST_F(ExecdCommandsTest, LongLineIsOneEvent) {
    const CommandStream stream =
        run_command(port(), {{"command", "head -c 262144 /dev/zero | tr '\\0' a; echo; echo after"}});
    const Texts lines = texts_of(stream.events, "stdout");
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], std::string(262144, 'a'));
    EXPECT_EQ(lines[1], "after");
}

TEST_F(ExecdCommandsTest, StdoutAndStderrInOrderWithinEachStream) {
    const CommandStream stream =
        run_command(port(), {{"command", "for i in $(seq 1 300); do echo o$i; echo e$i >&2; done"}});
    Texts out;
    Texts err;
    for (int i = 1; i <= 300; ++i) {
        out.push_back("o" + std::to_string(i));
        err.push_back("e" + std::to_string(i));
    }
    EXPECT_EQ(texts_of(stream.events, "stdout"), out);
    EXPECT_EQ(texts_of(stream.events, "stderr"), err);
}

TEST_F(ExecdCommandsTest, UnknownIdsGetUpstreamErrors) {
    const HttpResponse status = http_request(port(), "GET", "/command/status/nope");
    EXPECT_EQ(status.status, 404);
    EXPECT_EQ(status.body, R"({"code":"INVALID_REQUEST_BODY","message":"command not found: nope"})");
    const HttpResponse logs = http_request(port(), "GET", "/command/nope/logs");
    EXPECT_EQ(logs.status, 400);
    EXPECT_EQ(logs.body, R"({"code":"INVALID_REQUEST_BODY","message":"command not found: nope"})");
    const HttpResponse interrupt = http_request(port(), "DELETE", "/command?id=nope");
    EXPECT_EQ(interrupt.status, 500);
    EXPECT_EQ(interrupt.body,
              R"({"code":"RUNTIME_ERROR","message":"error interruptting code context. no such session"})");
    const HttpResponse missing = http_request(port(), "DELETE", "/command");
    EXPECT_EQ(missing.status, 400);
    EXPECT_EQ(missing.body, R"({"code":"MISSING_QUERY","message":"missing query parameter 'id'"})");
}

TEST_F(ExecdCommandsTest, BadBodiesAre400WithUpstreamMessages) {
    const std::string prefix = "error parsing request, MAYBE invalid body format. ";
    const std::vector<std::pair<std::string, std::string>> cases{
        {"", prefix + "EOF"},
        {"{\"command\":", prefix + "unexpected EOF"},
        {"[]", prefix + "json: cannot unmarshal array into Go value of type model.RunCommandRequest"},
        {R"({"command":"x","uid":-1})",
         prefix +
             "json: cannot unmarshal number -1 into Go struct field RunCommandRequest.uid of type uint32"},
        {R"({"command":"x","timeout":"5"})",
         prefix +
             "json: cannot unmarshal string into Go struct field RunCommandRequest.timeout of type int64"},
        {"{}",
         "invalid request, validation error Key: 'RunCommandRequest.Command' Error:Field validation for "
         "'Command' failed on the 'required' tag"},
        {R"({"command":"x","timeout":-1})",
         "invalid request, validation error Key: 'RunCommandRequest.Timeout' "
         "Error:Field validation for 'Timeout' failed on the 'gte' tag"},
        {R"({"command":"x","gid":5})",
         "invalid request, validation error uid is required when gid is provided"},
        {R"({"command":"x","cwd":"/no/such/dir"})",
         "working directory does not exist: /no/such/dir: stat /no/such/dir: no such file or directory"},
        {R"({"command":"x","cwd":"/etc/hostname"})",
         "working directory path is not a directory: /etc/hostname"},
        {R"({"command":"x","cwd":"$NO_SUCH_VARIABLE_X/a"})",
         "cannot resolve working directory \"$NO_SUCH_VARIABLE_X/a\": environment variable "
         "NO_SUCH_VARIABLE_X is "
         "not set"},
    };
    for (const auto& [body, message] : cases) {
        const HttpResponse response = http_request(port(), "POST", "/command", body);
        EXPECT_EQ(response.status, 400) << body;
        EXPECT_EQ(response.headers.at("content-type"), "application/json; charset=utf-8");
        EXPECT_EQ(response.body, json({{"code", "INVALID_REQUEST_BODY"}, {"message", message}}).dump())
            << body;
    }
}

TEST_F(ExecdCommandsTest, KeysMatchCaseInsensitivelyAndTrailingDataIsIgnored) {
    const HttpResponse response =
        http_request(port(), "POST", "/command", R"({"Command":"echo ok"} trailing)");
    EXPECT_EQ(texts_of(parse_events(response.body), "stdout"), (Texts{"ok"}));
}

TEST_F(ExecdCommandsTest, WorkingDirectoryIsExpanded) {
    const std::string home = std::getenv("HOME") ? std::getenv("HOME") : "/";
    EXPECT_EQ(texts_of(run_command(port(), {{"command", "pwd"}, {"cwd", "~"}}).events, "stdout"),
              (Texts{std::filesystem::canonical(home).string()}));
    EXPECT_EQ(texts_of(run_command(port(), {{"command", "pwd"}, {"cwd", "${HOME}"}}).events, "stdout"),
              (Texts{std::filesystem::canonical(home).string()}));
    EXPECT_EQ(texts_of(run_command(port(), {{"command", "pwd"}, {"cwd", "/tmp"}}).events, "stdout"),
              (Texts{"/tmp"}));
}

TEST_F(ExecdCommandsTest, FallsBackToShWithoutBash) {
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("execd-sh-only-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::filesystem::create_symlink("/bin/sh", dir / "sh");
    const CommandStream stream =
        run_command(port(), {{"command", "echo $0"}, {"envs", {{"PATH", dir.string()}}}});
    std::filesystem::remove_all(dir);
    EXPECT_EQ(texts_of(stream.events, "stdout"), (Texts{(dir / "sh").string()}));
    EXPECT_EQ(texts_of(run_command(port(), {{"command", "echo $0"}}).events, "stdout").at(0).substr(0, 1),
              "/");
}

TEST_F(ExecdCommandsTest, RequestEnvsReachTheCommand) {
    const CommandStream stream =
        run_command(port(), {{"command", "echo \"$A-$B\""}, {"envs", {{"A", "one"}, {"B", "two words"}}}});
    EXPECT_EQ(texts_of(stream.events, "stdout"), (Texts{"one-two words"}));
}

TEST_F(ExecdCommandsTest, BackgroundStatusAndLogsWithByteCursor) {
    const std::filesystem::path gate =
        std::filesystem::temp_directory_path() / ("execd-gate-" + std::to_string(::getpid()));
    std::filesystem::remove(gate);
    const std::string command =
        "echo 1; echo 2; while [ ! -e " + gate.string() + " ]; do sleep 0.01; done; echo 3";
    const CommandStream stream = run_command(port(), {{"command", command}, {"background", true}});
    ASSERT_EQ(stream.events.size(), 3u);
    EXPECT_EQ(stream.events[0]["type"], "init");
    EXPECT_EQ(stream.events[1]["type"], "ping");
    EXPECT_EQ(stream.events[2]["type"], "execution_complete");
    const std::string id = stream.events[0]["text"];
    EXPECT_EQ(status_of(id)["running"], true);
    EXPECT_FALSE(status_of(id).contains("exit_code"));

    ASSERT_TRUE(
        eventually([&] { return http_request(port(), "GET", "/command/" + id + "/logs").body == "1\n2\n"; }));
    const HttpResponse first = http_request(port(), "GET", "/command/" + id + "/logs");
    EXPECT_EQ(first.headers.at("execd-commands-tail-cursor"), "4");
    EXPECT_EQ(first.headers.at("content-type"), "text/plain; charset=utf-8");

    std::ofstream(gate.string()).put('x');
    ASSERT_TRUE(eventually([&] { return status_of(id)["running"] == false; }));
    std::filesystem::remove(gate);
    EXPECT_EQ(status_of(id)["exit_code"], 0);
    const HttpResponse rest = http_request(port(), "GET", "/command/" + id + "/logs?cursor=4");
    EXPECT_EQ(rest.body, "3\n");
    EXPECT_EQ(rest.headers.at("execd-commands-tail-cursor"), "6");
    const HttpResponse beyond = http_request(port(), "GET", "/command/" + id + "/logs?cursor=100");
    EXPECT_EQ(beyond.body, "");
    EXPECT_EQ(beyond.headers.at("execd-commands-tail-cursor"), "100");
    const HttpResponse garbage = http_request(port(), "GET", "/command/" + id + "/logs?cursor=abc");
    EXPECT_EQ(garbage.body, "1\n2\n3\n");
    const HttpResponse negative = http_request(port(), "GET", "/command/" + id + "/logs?cursor=-1");
    EXPECT_EQ(negative.status, 400);
    EXPECT_NE(negative.body.find("error seek file"), std::string::npos);
}

TEST_F(ExecdCommandsTest, LogsOfForegroundCommandAre400) {
    const std::string id = run_command(port(), {{"command", "true"}}).events.at(0)["text"];
    const HttpResponse logs = http_request(port(), "GET", "/command/" + id + "/logs");
    EXPECT_EQ(logs.status, 400);
    EXPECT_EQ(logs.body, json({{"code", "INVALID_REQUEST_BODY"},
                               {"message", "command " + id + " is not running in background"}})
                             .dump());
}

TEST_F(ExecdCommandsTest, LargeBackgroundLogIsStreamed) {
    const CommandStream stream =
        run_command(port(), {{"command", "head -c 3000000 /dev/zero | tr '\\0' z"}, {"background", true}});
    const std::string id = stream.events.at(0)["text"];
    ASSERT_TRUE(eventually([&] { return status_of(id)["running"] == false; }));
    const HttpResponse logs = http_request(port(), "GET", "/command/" + id + "/logs?cursor=1000");
    EXPECT_EQ(logs.body, std::string(2999000, 'z'));
    EXPECT_EQ(logs.headers.at("execd-commands-tail-cursor"), "3000000");
}

TEST_F(ExecdCommandsTest, InterruptEndsForegroundStreamWithSignalError) {
    for (const std::string route : {"/command", "/code"}) {
        HttpConnection connection(port());
        connection.send_request("POST", "/command", R"({"command":"sleep 30"})");
        ASSERT_EQ(connection.read_head().status, 200);
        const json init = json::parse(split_events(connection.read_chunk().value()).at(0));
        const std::string id = init["text"];
        EXPECT_EQ(status_of(id)["running"], true);  // the record exists as soon as init is seen
        const HttpResponse interrupt = http_request(port(), "DELETE", route + "?id=" + id);
        EXPECT_EQ(interrupt.status, 200);
        EXPECT_EQ(interrupt.body, "");
        std::string body;
        while (auto chunk = connection.read_chunk()) {
            body += *chunk;
        }
        const json last = parse_events(body).back();
        EXPECT_EQ(last["type"], "error");
        EXPECT_EQ(last["error"]["evalue"], "-1");
        EXPECT_EQ(last["error"]["traceback"], json::array({"signal: terminated"}));
        EXPECT_EQ(status_of(id)["exit_code"], -1);
        const HttpResponse again = http_request(port(), "DELETE", route + "?id=" + id);
        EXPECT_EQ(again.status, 500);
        EXPECT_EQ(
            again.body,
            json({{"code", "RUNTIME_ERROR"},
                  {"message", "error interruptting code context. command session " + id + " is not running"}})
                .dump());
    }
}

TEST_F(ExecdCommandsTest, TimeoutKillsTheWholeProcessGroup) {
    const auto started = std::chrono::steady_clock::now();
    const CommandStream stream =
        run_command(port(), {{"command", "echo $$; (sleep 100 &); sleep 100"}, {"timeout", 300}});
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    const pid_t group = std::stoi(texts_of(stream.events, "stdout").at(0));
    const json last = stream.events.back();
    EXPECT_EQ(last["type"], "error");
    EXPECT_EQ(last["error"]["evalue"], "-1");
    // Both sleeps, including the one re-parented to execd, are gone and reaped.
    EXPECT_TRUE(eventually([&] { return processes_in_group(group).empty(); }));
}

TEST_F(ExecdCommandsTest, DisconnectDoesNotKillTheCommand) {
    std::string id;
    {
        HttpConnection connection(port());
        connection.send_request("POST", "/command",
                                R"({"command":"echo long-run-start && sleep 0.5 && echo long-run-end"})");
        ASSERT_EQ(connection.read_head().status, 200);
        id = json::parse(split_events(connection.read_chunk().value()).at(0))["text"];
    }
    EXPECT_EQ(http_request(port(), "GET", "/ping").status, 200);
    ASSERT_TRUE(eventually([&] { return status_of(id)["running"] == false; }));
    EXPECT_EQ(status_of(id)["exit_code"], 0);
}

TEST_F(ExecdCommandsTest, DisconnectEndsTheCommandWhenAsked) {
    std::string id;
    pid_t group = 0;
    {
        HttpConnection connection(port());
        connection.send_request(
            "POST", "/command",
            json({{"command", "echo $$; (sleep 60; echo never)"}, {"cancel_on_disconnect", true}}).dump());
        ASSERT_EQ(connection.read_head().status, 200);
        std::string body;
        while (parse_events(body).size() < 3) {  // init, ping, the pid
            body += connection.read_chunk().value();
        }
        const auto events = parse_events(body);
        id = events.at(0)["text"];
        group = std::stoi(events.at(2)["text"].get<std::string>());
    }
    ASSERT_TRUE(eventually([&] { return status_of(id)["running"] == false; }, 15s));
    EXPECT_EQ(status_of(id)["exit_code"], -1);
    EXPECT_TRUE(eventually([&] { return processes_in_group(group).empty(); }));
}

TEST_F(ExecdCommandsTest, ManyConcurrentCommandsKeepTheirOutputAndLeakNothing) {
    const std::size_t fds_before = count_open_fds(execd_->pid());
    constexpr int kCommands = 120;
    Texts expected;
    for (int i = 1; i <= 200; ++i) {
        expected.push_back(std::to_string(i));
    }
    std::atomic<int> good{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < kCommands; ++c) {
        clients.emplace_back([&] {
            const CommandStream stream =
                run_command(port(), {{"command", "for i in $(seq 1 200); do echo $i; done"}});
            if (texts_of(stream.events, "stdout") == expected &&
                stream.events.back()["type"] == "execution_complete") {
                ++good;
            }
        });
    }
    for (auto& client : clients) {
        client.join();
    }
    EXPECT_EQ(good.load(), kCommands);
    EXPECT_TRUE(eventually([&] { return count_open_fds(execd_->pid()) <= fds_before; }))
        << count_open_fds(execd_->pid()) << " fds, was " << fds_before;
    EXPECT_TRUE(eventually([&] { return zombie_children(execd_->pid()).empty(); }));
}

TEST_F(ExecdCommandsTest, RunsAsAnotherUser) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root";
    }
    const CommandStream stream = run_command(
        port(), {{"command", "id -u; id -g; echo $HOME; echo $USER"}, {"uid", 65534}, {"cwd", "/"}});
    const Texts lines = texts_of(stream.events, "stdout");
    ASSERT_EQ(lines.size(), 4u) << stream.response.body;
    EXPECT_EQ(lines[0], "65534");
    std::ifstream passwd("/etc/passwd");
    std::string line;
    std::string expected_gid;
    std::string expected_home;
    while (std::getline(passwd, line)) {
        if (line.rfind("nobody:", 0) == 0) {
            std::vector<std::string> fields;
            std::stringstream parts(line);
            for (std::string field; std::getline(parts, field, ':');) {
                fields.push_back(field);
            }
            expected_gid = fields[3];
            expected_home = fields[5];
        }
    }
    EXPECT_EQ(lines[1], expected_gid);
    EXPECT_EQ(lines[2], expected_home);
    EXPECT_EQ(lines[3], "nobody");
    const CommandStream with_gid =
        run_command(port(), {{"command", "id -g; id -G"}, {"uid", 65534}, {"gid", 123}, {"cwd", "/"}});
    EXPECT_EQ(texts_of(with_gid.events, "stdout").at(0), "123");
}

TEST_F(ExecdCommandsTest, StartFailureIsInitThenErrorEvent) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root";
    }
    const std::string private_dir =
        std::filesystem::temp_directory_path() / ("execd-private-" + std::to_string(::getpid()));
    std::filesystem::create_directory(private_dir);
    std::filesystem::permissions(private_dir, std::filesystem::perms::owner_all);
    const CommandStream stream =
        run_command(port(), {{"command", "true"}, {"uid", 65534}, {"cwd", private_dir}});
    std::filesystem::remove(private_dir);
    ASSERT_EQ(stream.events.size(), 3u) << stream.response.body;
    EXPECT_EQ(stream.events[0]["type"], "init");
    EXPECT_EQ(stream.events[1]["type"], "ping");
    const std::string message = "chdir " + private_dir + ": permission denied";
    EXPECT_EQ(stream.events[2]["error"],
              json({{"ename", "CommandExecError"}, {"evalue", message}, {"traceback", {message}}}));
    EXPECT_EQ(status_of(stream.events[0]["text"])["running"], false);
}

TEST(ExecdEnvsFileTest, FileEntriesAreMergedBelowRequestEnvs) {
    const std::filesystem::path file =
        std::filesystem::temp_directory_path() / ("execd-envs-" + std::to_string(::getpid()));
    std::ofstream(file) << "# comment\n\n  FROM_FILE=hello ${EXECD_TEST_MARK}  \nOVERRIDE=file\nnot a pair\n";
    ExecdProcess execd({"--graceful-shutdown-timeout", "0s"},
                       {"EXECD_ENVS=" + file.string(), "EXECD_TEST_MARK=mark"});
    const CommandStream stream = run_command(
        execd.port(), {{"command", "echo \"$FROM_FILE|$OVERRIDE\""}, {"envs", {{"OVERRIDE", "request"}}}});
    EXPECT_EQ(texts_of(stream.events, "stdout"), (Texts{"hello mark|request"}));
    std::ofstream(file) << "FROM_FILE=changed\n";  // read again for every command
    EXPECT_EQ(texts_of(run_command(execd.port(), {{"command", "echo $FROM_FILE"}}).events, "stdout"),
              (Texts{"changed"}));
    std::filesystem::remove(file);
}

TEST(ExecdGraceTest, StreamStaysOpenForTheGraceWindow) {
    ExecdProcess execd({"--graceful-shutdown-timeout", "400ms"});
    HttpConnection connection(execd.port());
    connection.send_request("POST", "/command", R"({"command":"true"})");
    ASSERT_EQ(connection.read_head().status, 200);
    std::string body;
    while (body.find("execution_complete") == std::string::npos) {
        body += connection.read_chunk().value();
    }
    const auto terminal_seen = std::chrono::steady_clock::now();
    EXPECT_FALSE(connection.read_chunk().has_value());
    EXPECT_GE(std::chrono::steady_clock::now() - terminal_seen, 300ms);
}

// A command writing faster than its client reads waits for the client (a full pipe) instead of
// execd buffering its output: memory stays bounded and every line still arrives, in order.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;  // ASan keeps freed memory in quarantine: RSS says nothing there
#else
constexpr bool kSanitized = false;
#endif

TEST(ExecdBackpressureTest, ASlowClientBoundsMemoryAndLosesNothing) {
    constexpr int kLines = kSanitized ? 20000 : 100000;  // 1 000-byte lines
    ExecdProcess execd({"--graceful-shutdown-timeout", "0s"});
    HttpConnection connection(execd.port());
    const std::string command = "seq -f '%0999g' " + std::to_string(kLines);
    connection.send_request("POST", "/command", nlohmann::json{{"command", command}}.dump());
    ASSERT_EQ(connection.read_head().status, 200);
    std::this_thread::sleep_for(2s);  // the client reads nothing meanwhile
    std::ifstream status("/proc/" + std::to_string(execd.pid()) + "/status");
    std::string line;
    long rss_kb = 0;
    while (std::getline(status, line)) {
        if (line.starts_with("VmRSS:")) {
            rss_kb = std::stol(line.substr(6));
        }
    }
    if (!kSanitized) {
        EXPECT_LT(rss_kb, 64 * 1024) << "execd buffered the output of a command its client does not read";
    }
    std::string body;
    while (auto chunk = connection.read_chunk()) {
        body += *chunk;
    }
    const auto lines = texts_of(parse_events(body), "stdout");
    ASSERT_EQ(lines.size(), static_cast<size_t>(kLines));
    EXPECT_EQ(std::stol(lines.front()), 1);
    EXPECT_EQ(std::stol(lines.back()), kLines);
    EXPECT_EQ(lines[kLines / 2].size(), 999u);
}

}  // namespace
}  // namespace execd_test
