// The HTTP side of execd: /ping, auth, unknown routes, limits, keep-alive, shutdown.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "execd_test_support.hpp"

namespace execd_test {
namespace {

using namespace std::chrono_literals;
constexpr const char* kUnauthorized =
    R"({"error":"Unauthorized: invalid or missing header X-EXECD-ACCESS-TOKEN"})";

TEST(ExecdServerTest, PingIsEmpty200) {
    ExecdProcess execd;
    const HttpResponse response = http_request(execd.port(), "GET", "/ping");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "");
    EXPECT_EQ(response.headers.count("content-type"), 0u);
    EXPECT_EQ(response.headers.at("content-length"), "0");
}

TEST(ExecdServerTest, UnknownRouteAndWrongMethodAre404) {
    ExecdProcess execd;
    for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
             {"GET", "/nope"}, {"POST", "/ping"}, {"GET", "/command"}, {"PUT", "/command"}}) {
        const HttpResponse response = http_request(execd.port(), method, target);
        EXPECT_EQ(response.status, 404) << method << " " << target;
        EXPECT_EQ(response.body, "404 page not found");
    }
    const HttpResponse redirect = http_request(execd.port(), "GET", "/ping/");
    EXPECT_EQ(redirect.status, 301);
    EXPECT_EQ(redirect.headers.at("location"), "/ping");
}

TEST(ExecdServerTest, AccessTokenOnEveryRoute) {
    ExecdProcess execd({"-access-token", "s3cret", "-graceful-shutdown-timeout=0s"});
    const std::vector<std::pair<std::string, std::string>> routes{
        {"GET", "/ping"},           {"POST", "/command"},        {"GET", "/command/status/x"},
        {"GET", "/command/x/logs"}, {"DELETE", "/command?id=x"}, {"DELETE", "/code?id=x"},
        {"GET", "/no/such/route"}};
    for (const auto& [method, target] : routes) {
        const HttpResponse missing = http_request(execd.port(), method, target, R"({"command":"true"})");
        EXPECT_EQ(missing.status, 401) << method << " " << target;
        EXPECT_EQ(missing.body, kUnauthorized);
        const HttpResponse wrong = http_request(execd.port(), method, target, R"({"command":"true"})",
                                                {"X-EXECD-ACCESS-TOKEN: s3cre"});
        EXPECT_EQ(wrong.status, 401) << method << " " << target;
        const HttpResponse right = http_request(execd.port(), method, target, R"({"command":"true"})",
                                                {"x-execd-access-token: s3cret"});
        EXPECT_NE(right.status, 401) << method << " " << target;
    }
}

TEST(ExecdServerTest, AccessTokenFromEnvironment) {
    ExecdProcess execd({}, {"EXECD_ACCESS_TOKEN=from-env"});
    EXPECT_EQ(http_request(execd.port(), "GET", "/ping").status, 401);
    EXPECT_EQ(http_request(execd.port(), "GET", "/ping", "", {"X-EXECD-ACCESS-TOKEN: from-env"}).status, 200);
}

TEST(ExecdServerTest, OversizedBodyIs413) {
    ExecdProcess execd({"--max-body-bytes", "1024"});
    const std::string body = R"({"command":"echo )" + std::string(2000, 'x') + R"("})";
    const HttpResponse response = http_request(execd.port(), "POST", "/command", body);
    EXPECT_EQ(response.status, 413);
    EXPECT_EQ(nlohmann::json::parse(response.body)["code"], "INVALID_REQUEST_BODY");
    EXPECT_EQ(http_request(execd.port(), "GET", "/ping").status, 200);
}

TEST(ExecdServerTest, KeepAliveServesSeveralRequests) {
    ExecdProcess execd({"--graceful-shutdown-timeout", "0s"});
    HttpConnection connection(execd.port());
    for (int i = 0; i < 3; ++i) {
        connection.send_request("GET", "/ping");
        EXPECT_EQ(connection.read_response().status, 200);
        connection.send_request("POST", "/command", R"({"command":"echo again"})");
        const HttpResponse stream = connection.read_response();
        EXPECT_EQ(texts_of(parse_events(stream.body), "stdout"), std::vector<std::string>{"again"});
    }
}

TEST(ExecdServerTest, IdleConnectionIsClosed) {
    ExecdProcess execd({"--idle-timeout", "200ms"});
    HttpConnection connection(execd.port());
    EXPECT_TRUE(connection.closed_by_server(3s));
}

TEST(ExecdServerTest, SigtermEndsRunningCommandsAndExitsZero) {
    ExecdProcess execd({"--graceful-shutdown-timeout", "100ms"});
    // A finished command that left a process behind, holding its output pipe.
    const auto left_behind = run_command(execd.port(), {{"command", "echo $$; sleep 60 &"}});
    const pid_t lingering_group = std::stoi(texts_of(left_behind.events, "stdout").at(0));
    ASSERT_FALSE(processes_in_group(lingering_group).empty());
    HttpConnection connection(execd.port());
    connection.send_request("POST", "/command", R"({"command":"echo $$; sleep 60"})");
    ASSERT_EQ(connection.read_head().status, 200);
    std::string body;
    while (texts_of(parse_events(body), "stdout").empty()) {
        body += connection.read_chunk().value();
    }
    const pid_t group = std::stoi(texts_of(parse_events(body), "stdout").at(0));
    EXPECT_EQ(execd.terminate(), std::optional<int>(0));
    EXPECT_TRUE(eventually([&] { return processes_in_group(group).empty(); }));
    EXPECT_TRUE(eventually([&] { return processes_in_group(lingering_group).empty(); }));
}

TEST(ExecdServerTest, LogsGoToExecdLogFile) {
    const std::string path = "/tmp/execd-log-file-test-" + std::to_string(::getpid()) + ".log";
    {
        ExecdProcess execd({"--log-level", "7"}, {"EXECD_LOG_FILE=" + path});
        EXPECT_EQ(http_request(execd.port(), "GET", "/ping").status, 200);
    }
    std::ifstream log(path);
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    std::remove(path.c_str());
    EXPECT_NE(text.find(R"("msg":"execd listening")"), std::string::npos) << text;
    EXPECT_NE(text.find(R"("path":"/ping")"), std::string::npos) << text;
}

TEST(ExecdServerTest, PortInUseExitsOne) {
    ExecdProcess execd;
    const std::string command = std::string(EXECD_BINARY) + " --listen-address 127.0.0.1 --port " +
                                std::to_string(execd.port()) + " >/dev/null 2>&1";
    const int status = std::system(command.c_str());
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 1);
}

TEST(ExecdServerTest, BadFlagsExitWithUsageError) {
    const std::string command = std::string(EXECD_BINARY) + " --port notaport >/dev/null 2>&1";
    const int status = std::system(command.c_str());
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 2);
}

TEST(ExecdServerTest, VersionFlag) {
    const std::string command = std::string(EXECD_BINARY) + " -version";
    FILE* output = ::popen(command.c_str(), "r");
    ASSERT_NE(output, nullptr);
    char buffer[4096];
    const std::size_t got = std::fread(buffer, 1, sizeof buffer, output);
    EXPECT_EQ(::pclose(output), 0);
    EXPECT_NE(std::string(buffer, got).find("OpenSandbox Execd"), std::string::npos);
}

}  // namespace
}  // namespace execd_test
