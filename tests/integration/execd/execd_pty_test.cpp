// PTY sessions against the real binary: real bash, python3 and stty in a real terminal, driven
// through the WebSocket endpoint.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "execd_test_support.hpp"
#include "files_test_support.hpp"
#include "websocket_test_client.hpp"

namespace execd_test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::vector<std::string> kUpgradeHeaders{
    "Upgrade: websocket", "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"};

std::string create_session(uint16_t port, const json& body = json::object()) {
    const auto response = http_request(port, "POST", "/pty", body.dump());
    EXPECT_EQ(response.status, 201) << response.body;
    return json::parse(response.body).at("session_id").get<std::string>();
}

json describe(uint16_t port, const std::string& id) {
    return json::parse(http_request(port, "GET", "/pty/" + id).body);
}

// Reads up to the connected frame (skipping the replay frame before it) and returns it.
json read_connected(WebSocketTestClient& client) {
    for (int i = 0; i < 3; ++i) {
        const auto message = client.read();
        if (!message) {
            break;
        }
        if (!message->binary) {
            return json::parse(message->payload);
        }
    }
    return json();
}

// The next text frame, skipping output.
json read_text_frame(WebSocketTestClient& client, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto message = client.read(100ms);
        if (message && !message->binary) {
            return json::parse(message->payload);
        }
        if (client.closed()) {
            break;
        }
    }
    return json();
}

TEST(ExecdPtyTest, CreateDescribeAndDeleteFollowUpstream) {
    ExecdProcess execd;
    const std::string id = create_session(execd.port(), {{"cwd", "/tmp"}});
    EXPECT_EQ(describe(execd.port(), id),
              (json{{"session_id", id}, {"running", false}, {"output_offset", 0}}));
    EXPECT_EQ(http_request(execd.port(), "DELETE", "/pty/" + id).status, 200);
    const auto gone = http_request(execd.port(), "GET", "/pty/" + id);
    EXPECT_EQ(gone.status, 404);
    EXPECT_EQ(json::parse(gone.body),
              (json{{"code", "CONTEXT_NOT_FOUND"}, {"message", "pty session " + id + " not found"}}));
    EXPECT_EQ(http_request(execd.port(), "DELETE", "/pty/" + id).status, 404);
    EXPECT_EQ(http_request(execd.port(), "GET", "/pty/" + id + "/ws", "", kUpgradeHeaders).status, 404);
}

TEST(ExecdPtyTest, BadCreationBodiesAreRejected) {
    ExecdProcess execd;
    for (const std::string body : {"{", R"({"cwd":5})", R"({"cols":0})", R"({"rows":100000})", "[1]"}) {
        const auto response = http_request(execd.port(), "POST", "/pty", body);
        EXPECT_EQ(response.status, 400) << body;
        EXPECT_EQ(json::parse(response.body).at("code"), "INVALID_REQUEST_BODY") << body;
    }
    const std::string id = create_session(execd.port());
    EXPECT_EQ(http_request(execd.port(), "GET", "/pty/" + id + "/ws?since=x", "", kUpgradeHeaders).status,
              400);
    EXPECT_EQ(http_request(execd.port(), "GET", "/pty/" + id + "/ws").status, 400);  // not an upgrade
}

TEST(ExecdPtyTest, InteractivePythonIsDrivenThroughTheWebSocket) {
    ExecdProcess execd;
    const std::string id = create_session(execd.port(), {{"command", "python3 -q -i"}});
    WebSocketTestClient client(execd.port(), "/pty/" + id + "/ws");
    EXPECT_EQ(read_connected(client), (json{{"type", "connected"}, {"session_id", id}, {"mode", "pty"}}));
    client.read_output_until(">>> ");
    client.send_input("print(6 * 7)\n");
    const std::string output = client.read_output_until("42");
    EXPECT_NE(output.find("print(6 * 7)"), std::string::npos) << output;  // the terminal echoes input
    EXPECT_NE(output.find("42"), std::string::npos) << output;
    EXPECT_TRUE(describe(execd.port(), id).at("running").get<bool>());
    client.send_input("exit(3)\n");
    EXPECT_EQ(read_text_frame(client), (json{{"type", "exit"}, {"exit_code", 3}}));
    EXPECT_EQ(client.wait_closed(), 1000);
    EXPECT_FALSE(describe(execd.port(), id).at("running").get<bool>());
}

TEST(ExecdPtyTest, InitialSizeAndResizeAreSeenByStty) {
    ExecdProcess execd;
    const std::string id = create_session(execd.port(), {{"cols", 100}, {"rows", 30}});
    WebSocketTestClient client(execd.port(), "/pty/" + id + "/ws");
    read_connected(client);
    client.send_input("stty size\n");
    EXPECT_NE(client.read_output_until("30 100").find("30 100"), std::string::npos);
    client.send_text(R"({"type":"resize","cols":120,"rows":40})");
    client.send_input("stty size\n");
    EXPECT_NE(client.read_output_until("40 120").find("40 120"), std::string::npos);
    client.send_text(R"({"type":"resize","cols":0,"rows":40})");
    const json error = read_text_frame(client);
    EXPECT_EQ(error.at("code"), "INVALID_FRAME") << error;
}

TEST(ExecdPtyTest, DefaultSizeIs80x24) {
    ExecdProcess execd;
    const std::string id = create_session(execd.port());
    WebSocketTestClient client(execd.port(), "/pty/" + id + "/ws");
    read_connected(client);
    client.send_input("stty size\n");
    EXPECT_NE(client.read_output_until("24 80").find("24 80"), std::string::npos);
}

TEST(ExecdPtyTest, ControlFramesPingSignalAndUnknownType) {
    ExecdProcess execd;
    const std::string id = create_session(execd.port());
    WebSocketTestClient client(execd.port(), "/pty/" + id + "/ws");
    read_connected(client);
    client.send_text(R"({"type":"ping"})");
    EXPECT_EQ(read_text_frame(client), (json{{"type", "pong"}}));
    client.send_text(R"({"type":"dance"})");
    EXPECT_EQ(
        read_text_frame(client),
        (json{{"type", "error"}, {"error", "unknown frame type \"dance\""}, {"code", "INVALID_FRAME"}}));
    client.send_text("not json");  // ignored, the connection stays
    client.send_text(R"({"type":"stdin","data":"echo via-text\n"})");
    EXPECT_NE(client.read_output_until("via-text\r\n").find("via-text\r\n"), std::string::npos);
    client.send_text(R"({"type":"signal","signal":"SIGKILL"})");
    const json exit = read_text_frame(client);
    EXPECT_EQ(exit.at("type"), "exit") << exit;
    EXPECT_EQ(exit.at("exit_code"), -1) << exit;
}

TEST(ExecdPtyTest, ReconnectWithSinceGetsExactlyTheMissedBytes) {
    ExecdProcess execd;
    const std::string id = create_session(execd.port());
    std::string seen;
    {
        WebSocketTestClient client(execd.port(), "/pty/" + id + "/ws");
        read_connected(client);
        client.send_input("sleep 0.3; echo missed-$((6*7))\n");
        client.read_output_until("sleep 0.3");
        std::this_thread::sleep_for(50ms);
        while (client.read(50ms)) {
        }
        seen = client.output();
    }
    ASSERT_TRUE(eventually([&] {
        return describe(execd.port(), id).at("output_offset").get<uint64_t>() > seen.size() &&
               http_request(execd.port(), "GET", "/pty/" + id).body.find("running\":true") !=
                   std::string::npos;
    }));
    std::this_thread::sleep_for(500ms);  // the rest of the output
    const uint64_t total = describe(execd.port(), id).at("output_offset").get<uint64_t>();

    WebSocketTestClient resumed(execd.port(), "/pty/" + id + "/ws?since=" + std::to_string(seen.size()));
    const auto replay = resumed.read();
    ASSERT_TRUE(replay && replay->binary && replay->payload[0] == 0x03);
    uint64_t start = 0;
    for (int i = 1; i <= 8; ++i) {
        start = (start << 8) | static_cast<unsigned char>(replay->payload[i]);
    }
    EXPECT_EQ(start, seen.size());
    const std::string missed = replay->payload.substr(9);
    EXPECT_EQ(missed.size(), total - seen.size());
    EXPECT_NE(missed.find("missed-42"), std::string::npos) << missed;
    EXPECT_EQ(read_connected(resumed).at("type"), "connected");
    resumed.close();

    // Everything from the start is exactly what the first client saw followed by what it missed.
    ASSERT_TRUE(eventually([&] {
        return http_request(execd.port(), "GET", "/pty/" + id + "/ws").status !=
               409;  // free: 400, no upgrade
    }));
    WebSocketTestClient full(execd.port(), "/pty/" + id + "/ws");
    const auto whole = full.read();
    ASSERT_TRUE(whole && whole->binary);
    EXPECT_EQ(whole->payload.substr(9), seen + missed);
}

TEST(ExecdPtyTest, SecondClientGets409AndTakeoverEvictsTheHolderWith4001) {
    ExecdProcess execd;
    const std::string id = create_session(execd.port());
    WebSocketTestClient first(execd.port(), "/pty/" + id + "/ws");
    read_connected(first);
    const auto busy = http_request(execd.port(), "GET", "/pty/" + id + "/ws", "", kUpgradeHeaders);
    EXPECT_EQ(busy.status, 409);
    EXPECT_EQ(json::parse(busy.body),
              (json{{"code", "ALREADY_CONNECTED"},
                    {"message", "another client is already connected to pty session " + id}}));
    EXPECT_THROW(WebSocketTestClient(execd.port(), "/pty/" + id + "/ws"), std::runtime_error);

    WebSocketTestClient second(execd.port(), "/pty/" + id + "/ws?takeover=1");
    EXPECT_EQ(read_connected(second).at("type"), "connected");
    EXPECT_EQ(first.wait_closed(), 4001);
    second.send_input("echo still-$((1+1))\n");
    EXPECT_NE(second.read_output_until("still-2").find("still-2"), std::string::npos);
}

TEST(ExecdPtyTest, PipeModeSeparatesStdoutAndStderr) {
    ExecdProcess execd;
    const std::string id =
        create_session(execd.port(), {{"command", "read line; echo out-$line; echo err-$line >&2"}});
    WebSocketTestClient client(execd.port(), "/pty/" + id + "/ws?pty=0");
    EXPECT_EQ(read_connected(client).at("mode"), "pipe");
    client.send_input("x\n");
    std::string out, err;
    json exit;
    for (int i = 0; i < 10 && exit.is_null(); ++i) {
        const auto message = client.read();
        if (!message) {
            break;
        }
        if (!message->binary) {
            exit = json::parse(message->payload);
        } else if (message->payload[0] == 0x01) {
            out += message->payload.substr(1);
        } else if (message->payload[0] == 0x02) {
            err += message->payload.substr(1);
        }
    }
    EXPECT_EQ(out, "out-x\n");
    EXPECT_EQ(err, "err-x\n");
    EXPECT_EQ(exit, (json{{"type", "exit"}, {"exit_code", 0}}));
}

TEST(ExecdPtyTest, StalledReaderIsDroppedAndTheSessionFreed) {
    ExecdProcess execd({"--pty-write-timeout=300ms"});
    const std::string id = create_session(execd.port(), {{"command", "yes stalled-reader-output"}});
    WebSocketTestClient stalled(execd.port(), "/pty/" + id + "/ws", 4096);
    // Never reads: the server's writes stall, the client is dropped and the session can be attached
    // again without takeover.
    EXPECT_TRUE(eventually(
        [&] { return http_request(execd.port(), "GET", "/pty/" + id + "/ws").status != 409; }, 10s));
    EXPECT_TRUE(describe(execd.port(), id).at("running").get<bool>());
    http_request(execd.port(), "DELETE", "/pty/" + id);
}

TEST(ExecdPtyTest, DeleteEndsTheShellAndTellsTheClient) {
    ExecdProcess execd;
    const std::string id = create_session(execd.port());
    WebSocketTestClient client(execd.port(), "/pty/" + id + "/ws");
    read_connected(client);
    client.send_input("echo $$\n");
    client.read_output_until("\r\n");
    EXPECT_EQ(http_request(execd.port(), "DELETE", "/pty/" + id).status, 200);
    const json error = read_text_frame(client);
    EXPECT_EQ(error.at("code"), "SESSION_GONE") << error;
    EXPECT_TRUE(client.wait_closed().has_value());
}

// Runs `command` in a fresh PTY session (pipe mode with `pipe_mode`) and returns its output up to
// and including `end`.
std::string pty_output(const ExecdProcess& execd, const json& body, const std::string& end,
                       bool pipe_mode = false) {
    const std::string id = create_session(execd.port(), body);
    WebSocketTestClient client(execd.port(), "/pty/" + id + "/ws" + (pipe_mode ? "?pty=0" : ""));
    // A short command may be done before the client is attached: its output is then in the replay
    // frame (0x03 and an 8-byte offset before the bytes).
    std::string collected;
    while (collected.find(end) == std::string::npos) {
        const auto message = client.read();
        if (!message) {
            break;
        }
        if (message->binary && message->payload.size() > 9 && message->payload[0] == 0x03) {
            collected += message->payload.substr(9);
        } else if (message->binary && !message->payload.empty() && message->payload[0] != 0x03) {
            collected += message->payload.substr(1);
        }
    }
    return collected;
}

// ls inherits every descriptor of the shell: execd's listening socket, its connections and other
// terminals would show up here.
TEST(ExecdPtyTest, TheShellInheritsNoneOfExecdsDescriptors) {
    ExecdProcess execd;
    const json body{{"command", "ls -l /proc/self/fd; echo listed-fds"}};
    for (const bool pipe_mode : {false, true}) {
        const std::string listing = pty_output(execd, body, "listed-fds", pipe_mode);
        EXPECT_NE(listing.find("listed-fds"), std::string::npos) << listing;
        EXPECT_EQ(listing.find("socket:"), std::string::npos) << listing;
        EXPECT_EQ(listing.find("ptmx"), std::string::npos) << listing;
    }
}

TEST(ExecdPtyTest, CwdIsExpandedAndCreated) {
    ScratchDir home;
    ExecdProcess execd({}, {"HOME=" + home.path(), "PTY_TEST_DIR=sub"});
    const std::string output =
        pty_output(execd, {{"cwd", "$HOME/${PTY_TEST_DIR}/x"}, {"command", "pwd"}}, "/x");
    EXPECT_NE(output.find(home.path() + "/sub/x"), std::string::npos) << output;
    EXPECT_EQ(pty_output(execd, {{"cwd", "~/y"}, {"command", "pwd"}}, "/y").find(home.path() + "/y"), 0u);
    const auto unset = http_request(execd.port(), "POST", "/pty", R"({"cwd":"$PTY_TEST_UNSET/z"})");
    EXPECT_EQ(unset.status, 500) << unset.body;
    EXPECT_NE(unset.body.find("cannot resolve working directory"), std::string::npos) << unset.body;
}

// The shell can be gone before execd has finished starting it: its output and its exit still reach
// the client that started it. Many short sessions make that race likely.
TEST(ExecdPtyTest, AShellThatExitsAtOnceStillDeliversOutputAndExit) {
    ExecdProcess execd;
    for (int round = 0; round < 30; ++round) {
        const std::string marker = "quick-" + std::to_string(round);
        const std::string id = create_session(execd.port(), {{"command", "echo " + marker}});
        WebSocketTestClient client(execd.port(), "/pty/" + id + "/ws");
        std::string output;
        json exit;
        while (const auto message = client.read()) {
            if (!message->binary) {
                const json frame = json::parse(message->payload);
                if (frame.at("type") == "exit") {
                    exit = frame;
                }
            } else if (message->payload.size() > 9 && message->payload[0] == 0x03) {
                output += message->payload.substr(9);
            } else if (!message->payload.empty()) {
                output += message->payload.substr(1);
            }
        }
        EXPECT_NE(output.find(marker), std::string::npos) << "round " << round << ": " << output;
        EXPECT_EQ(exit, (json{{"type", "exit"}, {"exit_code", 0}})) << "round " << round;
    }
}

// Without bash on PATH the terminal runs sh, which refuses bash's --norc and --noprofile.
TEST(ExecdPtyTest, WithoutBashTheShellIsSh) {
    ScratchDir bin;
    std::filesystem::create_symlink("/bin/sh", bin / "sh");
    for (const std::string tool : {"ls", "sort", "tr", "stty"}) {
        std::filesystem::create_symlink("/usr/bin/" + tool, bin / tool);
    }
    ExecdProcess execd({}, {"PATH=" + bin.path()});
    EXPECT_NE(pty_output(execd, {{"command", "echo sh-$((6 * 7))"}}, "sh-42").find("sh-42"),
              std::string::npos);
}

TEST(ExecdPtyTest, IdleSessionsAreClosed) {
    // A session nobody held yet is idle too: the timeout must exceed the time from its creation to
    // the client's attach on a loaded machine.
    constexpr auto kIdle = 2s;
    ExecdProcess execd({"--pty-idle-timeout=2s"});
    const std::string id = create_session(execd.port());
    {
        WebSocketTestClient client(execd.port(), "/pty/" + id + "/ws");
        read_connected(client);
        std::this_thread::sleep_for(kIdle + 500ms);  // held past the timeout: not idle
        EXPECT_EQ(http_request(execd.port(), "GET", "/pty/" + id).status, 200);
    }
    EXPECT_TRUE(eventually([&] { return http_request(execd.port(), "GET", "/pty/" + id).status == 404; },
                           kIdle + 5s));
}

TEST(ExecdPtyTest, AccessTokenIsRequiredForTheUpgrade) {
    ExecdProcess execd({"--access-token=secret"});
    EXPECT_EQ(http_request(execd.port(), "GET", "/pty/x/ws", "", kUpgradeHeaders).status, 401);
}

}  // namespace
}  // namespace execd_test
