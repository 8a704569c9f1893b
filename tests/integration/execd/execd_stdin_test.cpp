// Stdin for running commands (this implementation's extension) against the real binary:
// "stdin": true gives the command a pipe, POST /command/{id}/stdin writes to it and answers once the
// bytes are in the pipe, DELETE /command/{id}/stdin closes it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "execd_test_support.hpp"

namespace execd_test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Bytes waiting in the pipe that is `pid`'s stdin (0 when it cannot be read).
int bytes_in_stdin_pipe(pid_t pid) {
    const int fd =
        ::open(("/proc/" + std::to_string(pid) + "/fd/0").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    int bytes = 0;
    if (fd >= 0) {
        ::ioctl(fd, FIONREAD, &bytes);
        ::close(fd);
    }
    return bytes;
}

class ExecdStdinTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { execd_ = new ExecdProcess({"--graceful-shutdown-timeout", "0s"}); }
    static void TearDownTestSuite() {
        delete execd_;
        execd_ = nullptr;
    }
    static uint16_t port() { return execd_->port(); }

    // Starts `command` with stdin on `connection`; returns its id once the init event arrived.
    static std::string start_with_stdin(HttpConnection& connection, const std::string& command,
                                        std::string& body) {
        connection.send_request("POST", "/command", json({{"command", command}, {"stdin", true}}).dump());
        EXPECT_EQ(connection.read_head().status, 200);
        while (body.find("\n\n") == std::string::npos) {
            body += connection.read_chunk().value();
        }
        return parse_events(body).at(0)["text"];
    }

    static std::vector<json> read_rest(HttpConnection& connection, std::string body) {
        while (auto chunk = connection.read_chunk()) {
            body += *chunk;
        }
        return parse_events(body);
    }

    static HttpResponse write_stdin(const std::string& id, const std::string& bytes) {
        return http_request(port(), "POST", "/command/" + id + "/stdin", bytes,
                            {"Content-Type: application/octet-stream"});
    }

    static std::string message_of(const HttpResponse& response) {
        return json::parse(response.body)["message"];
    }

    static inline ExecdProcess* execd_ = nullptr;
};

TEST_F(ExecdStdinTest, AnInputPromptIsAnsweredThroughStdin) {
    HttpConnection connection(port());
    std::string body;
    const std::string id =
        start_with_stdin(connection, "python3 -c 'name = input(\"who? \"); print(\"hello \" + name)'", body);
    EXPECT_EQ(write_stdin(id, "world\n").status, 200);
    const auto events = read_rest(connection, body);
    EXPECT_EQ(texts_of(events, "stdout"), (std::vector<std::string>{"who? hello world"}));
    EXPECT_EQ(events.back()["type"], "execution_complete");
}

TEST_F(ExecdStdinTest, AReadLoopGetsEachWriteAndEndsWhenStdinCloses) {
    HttpConnection connection(port());
    std::string body;
    const std::string id =
        start_with_stdin(connection, "while read -r line; do echo \"got $line\"; done; echo done", body);
    for (const std::string line : {"a", "b b", "c"}) {
        EXPECT_EQ(write_stdin(id, line + "\n").status, 200);
    }
    EXPECT_EQ(http_request(port(), "DELETE", "/command/" + id + "/stdin").status, 200);
    const HttpResponse again = write_stdin(id, "late\n");
    EXPECT_EQ(again.status, 409);
    const auto events = read_rest(connection, body);
    EXPECT_EQ(texts_of(events, "stdout"), (std::vector<std::string>{"got a", "got b b", "got c", "done"}));
    EXPECT_EQ(events.back()["type"], "execution_complete");
}

TEST_F(ExecdStdinTest, AWriteWaitsUntilTheCommandReadsAndTooMuchWaitingIsRefused) {
    const std::filesystem::path gate =
        std::filesystem::temp_directory_path() / ("stdin-gate-" + std::to_string(::getpid()));
    std::filesystem::remove(gate);
    HttpConnection connection(port());
    std::string body;
    const std::string id = start_with_stdin(
        connection, "echo $$; while [ ! -e " + gate.string() + " ]; do sleep 0.05; done; wc -c", body);
    while (parse_events(body).size() < 3) {  // init, ping, the shell's pid
        body += connection.read_chunk().value();
    }
    const pid_t shell = std::stoi(parse_events(body).at(2)["text"].get<std::string>());

    std::atomic<int> first_status{0};
    std::thread writer([&] { first_status = write_stdin(id, std::string(3 * 1024 * 1024, 'x')).status; });
    // The first write is being pumped once the pipe is full: the rest of it waits in execd.
    EXPECT_TRUE(eventually([&] { return bytes_in_stdin_pipe(shell) >= 4096; }, 20s));
    auto second =
        std::async(std::launch::async, [&] { return write_stdin(id, std::string(2 * 1024 * 1024, 'y')); });
    const bool answered_at_once = second.wait_for(20s) == std::future_status::ready;
    EXPECT_EQ(first_status.load(), 0) << "the write answered before the command read its bytes";

    std::ofstream(gate.string()).put('\n');
    writer.join();
    const HttpResponse refused = second.get();
    EXPECT_TRUE(answered_at_once);
    EXPECT_EQ(refused.status, 429);
    EXPECT_NE(refused.body.find("bytes waiting for the command to read them"), std::string::npos)
        << refused.body;
    EXPECT_EQ(first_status.load(), 200);
    EXPECT_EQ(http_request(port(), "DELETE", "/command/" + id + "/stdin").status, 200);
    const auto events = read_rest(connection, body);
    EXPECT_EQ(texts_of(events, "stdout").back(), std::to_string(3 * 1024 * 1024));
    std::filesystem::remove(gate);

    const HttpResponse too_big = write_stdin(id, std::string(4 * 1024 * 1024 + 1, 'z'));
    EXPECT_EQ(too_big.status, 413);
}

TEST_F(ExecdStdinTest, ABackgroundCommandReadsItsStdinToo) {
    const std::filesystem::path out =
        std::filesystem::temp_directory_path() / ("stdin-bg-" + std::to_string(::getpid()));
    const HttpResponse started = http_request(
        port(), "POST", "/command",
        json({{"command", "cat > " + out.string()}, {"background", true}, {"stdin", true}}).dump());
    ASSERT_EQ(started.status, 200);
    const std::string id = parse_events(started.body).at(0)["text"];
    EXPECT_EQ(write_stdin(id, std::string("line one\n") + '\0' + "binary\n").status, 200);
    EXPECT_EQ(http_request(port(), "DELETE", "/command/" + id + "/stdin").status, 200);
    ASSERT_TRUE(eventually([&] {
        return json::parse(http_request(port(), "GET", "/command/status/" + id).body)["running"] == false;
    }));
    std::ifstream file(out);
    const std::string content((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    EXPECT_EQ(content, std::string("line one\n") + '\0' + "binary\n");
    std::filesystem::remove(out);
}

TEST_F(ExecdStdinTest, WritesThatCannotReachACommandGetClearErrors) {
    EXPECT_EQ(write_stdin("nope", "x").status, 404);
    EXPECT_EQ(message_of(write_stdin("nope", "x")), "command not found: nope");

    HttpConnection plain(port());
    plain.send_request("POST", "/command", json({{"command", "sleep 30"}}).dump());
    ASSERT_EQ(plain.read_head().status, 200);
    std::string body;
    while (body.find("\n\n") == std::string::npos) {
        body += plain.read_chunk().value();
    }
    const std::string plain_id = parse_events(body).at(0)["text"];
    const HttpResponse no_stdin = write_stdin(plain_id, "x");
    EXPECT_EQ(no_stdin.status, 409);
    EXPECT_EQ(message_of(no_stdin), "command " + plain_id + " was not started with \"stdin\": true");
    http_request(port(), "DELETE", "/command?id=" + plain_id);

    // A write still waiting when the command exits fails and says so.
    HttpConnection connection(port());
    body.clear();
    const std::string id = start_with_stdin(connection, "sleep 0.5", body);
    const HttpResponse waiting = write_stdin(id, std::string(1024 * 1024, 'x'));
    EXPECT_EQ(waiting.status, 409);
    EXPECT_NE(message_of(waiting).find("stdin of command " + id + ": "), std::string::npos) << waiting.body;
    read_rest(connection, body);
    const HttpResponse ended = write_stdin(id, "x");
    EXPECT_EQ(ended.status, 409);
    EXPECT_EQ(message_of(ended), "command " + id + " has ended");
}

}  // namespace
}  // namespace execd_test
