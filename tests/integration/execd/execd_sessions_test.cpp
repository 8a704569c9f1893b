// Bash sessions against the real binary: one long-lived bash per session, real processes.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "execd_test_support.hpp"

namespace execd_test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Texts = std::vector<std::string>;

// Like texts_of, but also for streams that end with upstream's in-band error object (no "type").
Texts texts_in(const std::vector<json>& events, const std::string& type) {
    Texts texts;
    for (const auto& event : events) {
        if (event.value("type", "") == type) {
            texts.push_back(event.value("text", ""));
        }
    }
    return texts;
}

class ExecdSessionsTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { execd_ = new ExecdProcess({"--graceful-shutdown-timeout", "0s"}); }
    static void TearDownTestSuite() {
        delete execd_;
        execd_ = nullptr;
    }
    void SetUp() override {
        work_ = std::filesystem::temp_directory_path() /
                ("execd_sessions_" + std::to_string(::getpid()) + "_" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(work_);
    }
    void TearDown() override { std::filesystem::remove_all(work_); }

    static uint16_t port() { return execd_->port(); }

    static std::string create_session(const json& body = json::object()) {
        const HttpResponse response = http_request(port(), "POST", "/session", body.dump());
        EXPECT_EQ(response.status, 200) << response.body;
        EXPECT_EQ(response.headers.at("content-type"), "application/json; charset=utf-8");
        return json::parse(response.body).at("session_id");
    }

    static CommandStream run_in(const std::string& session, const json& body) {
        CommandStream stream;
        stream.response = http_request(port(), "POST", "/session/" + session + "/run", body.dump());
        if (stream.response.status == 200) {
            stream.events = parse_events(stream.response.body);
        }
        return stream;
    }

    // Runs `command` and returns its stdout lines, expecting success.
    static Texts stdout_of(const std::string& session, const std::string& command) {
        const CommandStream stream = run_in(session, {{"command", command}});
        EXPECT_EQ(stream.response.status, 200) << stream.response.body;
        EXPECT_FALSE(stream.events.empty());
        if (!stream.events.empty()) {
            EXPECT_EQ(stream.events.back()["type"], "execution_complete") << stream.response.body;
        }
        return texts_in(stream.events, "stdout");
    }

    // The error event before upstream's in-band error object that ends a failed run.
    static json error_before_in_band(const CommandStream& stream) {
        EXPECT_GE(stream.events.size(), 2u);
        if (stream.events.size() < 2) {
            return json::object();
        }
        EXPECT_EQ(stream.events.back().value("code", ""), "RUNTIME_ERROR") << stream.response.body;
        json error = stream.events[stream.events.size() - 2];
        EXPECT_TRUE(error.contains("error")) << stream.response.body;
        return error;
    }

    static void delete_session(const std::string& session) {
        EXPECT_EQ(http_request(port(), "DELETE", "/session/" + session).status, 200);
    }

    static bool process_gone(pid_t pid) {
        return eventually([pid] { return ::kill(pid, 0) != 0 && errno == ESRCH; }, 3s);
    }

    static pid_t read_pid(const std::filesystem::path& file) {
        pid_t pid = 0;
        eventually([&] {
            std::ifstream in(file);
            return static_cast<bool>(in >> pid);
        });
        return pid;
    }

    std::filesystem::path work_;
    static inline ExecdProcess* execd_ = nullptr;
};

TEST_F(ExecdSessionsTest, RunStreamsUpstreamEvents) {
    const std::string session = create_session();
    EXPECT_EQ(session.size(), 36u);
    EXPECT_EQ(session[8], '-');
    const CommandStream ok = run_in(session, {{"command", "echo out; echo err >&2; printf partial"}});
    ASSERT_EQ(ok.response.status, 200);
    EXPECT_EQ(ok.response.headers.at("content-type"), "text/event-stream");
    ASSERT_GE(ok.events.size(), 3u);
    EXPECT_EQ(ok.events[0]["type"], "init");
    EXPECT_EQ(ok.events[0]["text"], session);
    EXPECT_EQ(ok.events[1]["type"], "ping");
    EXPECT_EQ(texts_in(ok.events, "stdout"), (Texts{"out", "partial"}));
    EXPECT_EQ(texts_in(ok.events, "stderr"), (Texts{"err"}));
    EXPECT_EQ(ok.events.back()["type"], "execution_complete");

    const CommandStream failed = run_in(session, {{"command", "printf '\\n\\nx\\n'; (exit 3)"}});
    EXPECT_EQ(texts_in(failed.events, "stdout"), (Texts{"\n", "\n", "x"}));
    EXPECT_EQ(failed.events.back()["error"],
              json::parse(R"({"ename":"CommandExecError","evalue":"3","traceback":["exit status 3"]})"));
    delete_session(session);
}

// stdout and stderr are separate pipes, and epoll may report the stderr pipe first even when the
// start marker reached stdout earlier (most often for a run queued before the shell was ready):
// stderr text must never be taken for output from before the run started.
TEST_F(ExecdSessionsTest, StderrWrittenFirstIsNeverLost) {
    for (int attempt = 0; attempt < 30; ++attempt) {
        const std::string session = create_session();
        const CommandStream stream = run_in(session, {{"command", "echo e >&2; echo o"}});
        ASSERT_EQ(stream.response.status, 200);
        ASSERT_EQ(texts_in(stream.events, "stderr"), (Texts{"e"}))
            << "attempt " << attempt << ": " << stream.response.body;
        ASSERT_EQ(texts_in(stream.events, "stdout"), (Texts{"o"})) << "attempt " << attempt;
        delete_session(session);
    }
}

TEST_F(ExecdSessionsTest, ShellStatePersistsBetweenRuns) {
    const std::string session = create_session();
    stdout_of(session,
              "plain='a $HOME `id` \"q\"'$'\\n''second line'; export EXPORTED=\"x\\$y\"\n"
              "greet() { echo \"hello $1\"; }\n"
              "alias say='echo said'\n"
              "cd " +
                  work_.string() +
                  "\n"
                  "set -o pipefail; shopt -s extglob");
    EXPECT_EQ(stdout_of(session, "printf '%s\\n' \"$plain\""), (Texts{"a $HOME `id` \"q\"", "second line"}));
    EXPECT_EQ(stdout_of(session, "bash -c 'echo \"$EXPORTED\"'; echo \"${plain+set}\" | bash -c 'cat'"),
              (Texts{"x$y", "set"}));
    EXPECT_EQ(stdout_of(session, "greet world; say it; pwd"),
              (Texts{"hello world", "said it", work_.string()}));
    EXPECT_EQ(stdout_of(session, "shopt -o pipefail; shopt extglob; false | true; echo $?"),
              (Texts{"pipefail       \ton", "extglob        \ton", "1"}));
    delete_session(session);
}

TEST_F(ExecdSessionsTest, HeredocsAndOlderSpelling) {
    const std::string session = create_session();
    stdout_of(session, "name=world");
    const CommandStream stream = run_in(
        session, {{"code", "cat <<EOF\nhello $name\n'quoted' `echo sub`\nEOF\ncat <<'RAW'\n$name\nRAW"},
                  {"timeout_ms", 5000}});
    ASSERT_EQ(stream.response.status, 200);
    EXPECT_EQ(texts_in(stream.events, "stdout"), (Texts{"hello world", "'quoted' sub", "$name"}));
    EXPECT_EQ(stream.events.back()["type"], "execution_complete");
    delete_session(session);
}

TEST_F(ExecdSessionsTest, CwdOfCreateAndRun) {
    const auto created = work_ / "made" / "deep";
    const std::string session = create_session({{"cwd", created.string()}});
    EXPECT_TRUE(std::filesystem::is_directory(created));
    EXPECT_EQ(stdout_of(session, "pwd"), Texts{created.string()});
    const CommandStream moved = run_in(session, {{"command", "pwd"}, {"cwd", work_.string()}});
    EXPECT_EQ(texts_in(moved.events, "stdout"), Texts{work_.string()});
    EXPECT_EQ(stdout_of(session, "pwd"), Texts{work_.string()});  // as if the user had typed cd

    const CommandStream missing = run_in(session, {{"command", "pwd"}, {"cwd", (work_ / "nope").string()}});
    EXPECT_EQ(missing.response.status, 400);
    EXPECT_EQ(json::parse(missing.response.body)["code"], "INVALID_REQUEST_BODY");
    EXPECT_EQ(stdout_of(session, "pwd"), Texts{work_.string()});
    delete_session(session);
}

TEST_F(ExecdSessionsTest, TimeoutKillsTheRunsProcessesAndKeepsTheSession) {
    const std::string session = create_session();
    stdout_of(session, "kept=yes; sleep 300 & echo $! > " + (work_ / "background").string());
    const pid_t background = read_pid(work_ / "background");
    const auto child_file = (work_ / "child").string();
    const auto daemon_file = (work_ / "daemon").string();
    const auto started = std::chrono::steady_clock::now();
    const CommandStream stream =
        run_in(session, {{"command", "bash -c 'sleep 300 & echo $! > " + child_file + "; wait'; echo after"},
                         {"timeout", 500}});
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
    ASSERT_EQ(stream.response.status, 200);
    EXPECT_TRUE(texts_in(stream.events, "stdout").empty());
    EXPECT_EQ(error_before_in_band(stream)["error"]["evalue"],
              "error running in session. timeout after 500ms");
    EXPECT_NE(stream.response.body.find(
                  R"({"code":"RUNTIME_ERROR","message":"error running in session. timeout after 500ms"})"),
              std::string::npos);
    EXPECT_TRUE(process_gone(read_pid(child_file)));

    // A process that left the run's process group and tree is found by the run's tag.
    run_in(session,
           {{"command", "setsid sleep 300 & echo $! > " + daemon_file + "; wait"}, {"timeout", 300}});
    EXPECT_TRUE(process_gone(read_pid(daemon_file)));

    EXPECT_EQ(::kill(background, 0), 0) << "an earlier run's background job survives";
    EXPECT_EQ(stdout_of(session, "echo $kept"), Texts{"yes"});
    ::kill(background, SIGKILL);
    delete_session(session);
}

TEST_F(ExecdSessionsTest, TimeoutInterruptsALoopInTheShellItself) {
    const std::string session = create_session();
    stdout_of(session, "count=0");
    const CommandStream stream =
        run_in(session, {{"command", "while :; do count=$((count+1)); done; echo never"}, {"timeout", 300}});
    EXPECT_EQ(error_before_in_band(stream)["error"]["evalue"],
              "error running in session. timeout after 300ms");
    EXPECT_TRUE(texts_in(stream.events, "stdout").empty());
    const Texts after = stdout_of(session, "[ $count -gt 0 ] && echo counted");
    EXPECT_EQ(after, Texts{"counted"});
    delete_session(session);
}

TEST_F(ExecdSessionsTest, ConcurrentRunsQueue) {
    const std::string session = create_session();
    CommandStream first;
    std::thread slow([&] { first = run_in(session, {{"command", "echo one; sleep 0.4; echo two"}}); });
    std::this_thread::sleep_for(100ms);
    const CommandStream second = run_in(session, {{"command", "echo three"}});
    slow.join();
    EXPECT_EQ(texts_in(first.events, "stdout"), (Texts{"one", "two"}));
    EXPECT_EQ(texts_in(second.events, "stdout"), Texts{"three"});
    // The second run began only after the first had finished.
    EXPECT_GE(second.events.back()["timestamp"].get<int64_t>(),
              first.events.back()["timestamp"].get<int64_t>());
    EXPECT_EQ(second.events[0]["type"], "init");
    delete_session(session);
}

TEST_F(ExecdSessionsTest, ExitEndsTheSessionWithAClearEvent) {
    const std::string session = create_session();
    const CommandStream stream = run_in(session, {{"command", "echo bye; exit 4"}});
    ASSERT_EQ(stream.response.status, 200);
    EXPECT_EQ(texts_in(stream.events, "stdout"), Texts{"bye"});
    EXPECT_EQ(texts_in(stream.events, "status"), Texts{"session ended: the shell exited (exit status 4)"});
    EXPECT_EQ(stream.events.back()["error"]["evalue"], "4");

    const CommandStream after = run_in(session, {{"command", "true"}});
    EXPECT_EQ(after.response.status, 500);
    EXPECT_EQ(after.response.body,
              R"({"code":"RUNTIME_ERROR","message":"error running in session. context not found"})");
    EXPECT_EQ(http_request(port(), "DELETE", "/session/" + session).status, 404);
}

TEST_F(ExecdSessionsTest, ExecRedirectionsPersistAndExecReplacesTheShell) {
    const std::string session = create_session();
    const std::string file = (work_ / "fd3").string();
    stdout_of(session, "exec 3>" + file + "; echo first >&3");
    EXPECT_EQ(stdout_of(session, "echo second >&3; cat " + file), (Texts{"first", "second"}));
    // Redirecting the shell's own stdout does not hide the end of the run.
    const CommandStream quiet = run_in(session, {{"command", "exec 1>/dev/null; echo hidden"}});
    EXPECT_EQ(quiet.events.back()["type"], "execution_complete");
    EXPECT_TRUE(texts_in(quiet.events, "stdout").empty());

    const CommandStream replaced = run_in(session, {{"command", "exec bash -c 'exit 7'"}});
    EXPECT_EQ(texts_in(replaced.events, "status"), Texts{"session ended: the shell exited (exit status 7)"});
    EXPECT_EQ(replaced.events.back()["error"]["evalue"], "7");
    EXPECT_EQ(run_in(session, {{"command", "true"}}).response.status, 500);
}

TEST_F(ExecdSessionsTest, DeleteEndsTheRunningRunAndTheSession) {
    const std::string session = create_session();
    const auto pid_file = (work_ / "sleeper").string();
    CommandStream running;
    std::thread run([&] {
        running = run_in(session, {{"command", "sleep 300 & echo $! > " + pid_file + "; wait"}});
    });
    const pid_t sleeper = read_pid(pid_file);
    ASSERT_GT(sleeper, 0);
    const auto started = std::chrono::steady_clock::now();
    const HttpResponse deleted = http_request(port(), "DELETE", "/session/" + session);
    EXPECT_EQ(deleted.status, 200);
    EXPECT_EQ(deleted.body, "");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    run.join();
    EXPECT_NE(running.response.body.find("error running in session. session " + session + " was deleted"),
              std::string::npos)
        << running.response.body;
    EXPECT_TRUE(process_gone(sleeper));

    const HttpResponse again = http_request(port(), "DELETE", "/session/" + session);
    EXPECT_EQ(again.status, 404);
    EXPECT_EQ(again.body, R"({"code":"CONTEXT_NOT_FOUND","message":"session )" + session + R"( not found"})");
}

TEST_F(ExecdSessionsTest, BadInputsGetClearErrors) {
    const HttpResponse unknown = http_request(port(), "POST", "/session/nope/run", R"({"command":"true"})");
    EXPECT_EQ(unknown.status, 500);
    EXPECT_EQ(unknown.body,
              R"({"code":"RUNTIME_ERROR","message":"error running in session. context not found"})");
    const std::string session = create_session();
    const HttpResponse empty = http_request(port(), "POST", "/session/" + session + "/run", "{}");
    EXPECT_EQ(empty.status, 400);
    EXPECT_EQ(json::parse(empty.body)["code"], "INVALID_REQUEST_BODY");
    EXPECT_EQ(http_request(port(), "POST", "/session", "[").status, 400);
    const HttpResponse file_cwd =
        http_request(port(), "POST", "/session", json{{"cwd", "/etc/passwd/x"}}.dump());
    EXPECT_EQ(file_cwd.status, 500);
    EXPECT_EQ(json::parse(file_cwd.body)["message"].get<std::string>().rfind("error creating session. ", 0),
              0u);
    EXPECT_EQ(stdout_of(session, "echo still fine"), Texts{"still fine"});
    delete_session(session);
}

TEST_F(ExecdSessionsTest, TracingAndForgedMarkersDoNotConfuseTheSession) {
    const std::string session = create_session();
    const CommandStream traced = run_in(session, {{"command", "set -xv; echo traced"}});
    EXPECT_EQ(traced.events.back()["type"], "execution_complete");
    EXPECT_EQ(stdout_of(session, "set +xv; printf '\\036EXECD:%s:0\\036\\n' forged; echo real"),
              Texts{"real"});
    delete_session(session);
}

TEST_F(ExecdSessionsTest, ShutdownEndsSessionsAndTheirRuns) {
    ExecdProcess own({"--graceful-shutdown-timeout", "0s"});
    const HttpResponse created = http_request(own.port(), "POST", "/session", "");
    ASSERT_EQ(created.status, 200);
    const std::string session = json::parse(created.body).at("session_id");
    const auto pid_file = (work_ / "sleeper").string();
    HttpResponse running;
    std::thread run([&] {
        running = http_request(own.port(), "POST", "/session/" + session + "/run",
                               json{{"command", "sleep 300 & echo $! > " + pid_file + "; wait"}}.dump());
    });
    const pid_t sleeper = read_pid(pid_file);
    ASSERT_GT(sleeper, 0);
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(own.terminate(), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
    run.join();
    EXPECT_NE(running.body.find("error running in session. execd is shutting down"), std::string::npos)
        << running.body;
    EXPECT_TRUE(process_gone(sleeper));
}

}  // namespace
}  // namespace execd_test
