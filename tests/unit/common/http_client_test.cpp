#include "common/http_client.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

#include "common/fd.hpp"

namespace {

using namespace std::chrono_literals;

// A real HTTP server on loopback, answering from the given routes until the test ends.
class LoopbackServer {
  public:
    LoopbackServer() = default;
    ~LoopbackServer() {
        server_.stop();
        if (thread_.joinable()) {
            thread_.join();
        }
    }
    httplib::Server& routes() { return server_; }
    uint16_t start() {
        const int port = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        return static_cast<uint16_t>(port);
    }

  private:
    httplib::Server server_;
    std::thread thread_;
};

// A bound, listening socket that never accepts: connections queue and are never answered.
struct SilentListener {
    common::UniqueFd fd{::socket(AF_INET, SOCK_STREAM, 0)};
    uint16_t port = 0;
    SilentListener() {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), length), 0);
        EXPECT_EQ(::listen(fd.get(), 8), 0);
        EXPECT_EQ(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length), 0);
        port = ntohs(address.sin_port);
    }
};

uint16_t unused_port() {
    SilentListener probe;
    return probe.port;  // released when probe goes out of scope
}

TEST(HttpClient, SendsMethodTargetHeadersAndBody) {
    LoopbackServer server;
    server.routes().Post("/api/things", [](const httplib::Request& request, httplib::Response& response) {
        response.status = 201;
        response.set_content(request.get_header_value("Authorization") + "|" +
                                 request.get_header_value("Content-Type") + "|" + request.body + "|" +
                                 request.get_param_value("q"),
                             "text/plain");
    });
    const uint16_t port = server.start();
    common::HttpClient client("127.0.0.1", port, {});
    const auto response = client.request("POST", "/api/things?q=1", {{"Authorization", "Token t"}},
                                         R"({"a":1})", "application/json");
    EXPECT_EQ(response.status, 201);
    EXPECT_EQ(response.body, R"(Token t|application/json|{"a":1}|1)");
}

TEST(HttpClient, ReturnsErrorStatusesAsResponses) {
    LoopbackServer server;
    server.routes().Delete("/gone", [](const httplib::Request&, httplib::Response& response) {
        response.status = 404;
        response.set_content(R"({"message":"no such session"})", "application/json");
    });
    const uint16_t port = server.start();
    common::HttpClient client("localhost", port, {});
    const auto response = client.request("DELETE", "/gone");
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(response.body, R"({"message":"no such session"})");
}

TEST(HttpClient, RefusedConnectionIsAnError) {
    common::HttpClient client("127.0.0.1", unused_port(), {});
    try {
        client.request("GET", "/");
        FAIL() << "no error";
    } catch (const common::HttpClientError& error) {
        EXPECT_NE(std::string(error.what()).find("connecting to 127.0.0.1"), std::string::npos)
            << error.what();
    }
}

TEST(HttpClient, UnansweredRequestTimesOut) {
    SilentListener silent;
    common::HttpClient client("127.0.0.1", silent.port, {.exchange_timeout = 200ms});
    const auto start = std::chrono::steady_clock::now();
    try {
        client.request("GET", "/");
        FAIL() << "no error";
    } catch (const common::HttpClientError& error) {
        EXPECT_NE(std::string(error.what()).find("timed out"), std::string::npos) << error.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(HttpClient, CancelInterruptsARequestAndEveryLaterOne) {
    SilentListener silent;
    common::HttpClient client("127.0.0.1", silent.port, {.exchange_timeout = 30s});
    std::thread canceller([&] {
        std::this_thread::sleep_for(100ms);
        client.cancel();
    });
    const auto start = std::chrono::steady_clock::now();
    EXPECT_THROW(client.request("GET", "/"), common::HttpClientError);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    canceller.join();
    try {
        client.request("GET", "/");
        FAIL() << "no error";
    } catch (const common::HttpClientError& error) {
        EXPECT_STREQ(error.what(), "cancelled");
    }
}

TEST(HttpClient, OversizedResponseIsAnError) {
    LoopbackServer server;
    server.routes().Get("/big", [](const httplib::Request&, httplib::Response& response) {
        response.set_content(std::string(4096, 'x'), "text/plain");
    });
    const uint16_t port = server.start();
    common::HttpClient client("127.0.0.1", port, {.max_response_bytes = 1024});
    EXPECT_THROW(client.request("GET", "/big"), common::HttpClientError);
    common::HttpClient roomy("127.0.0.1", port, {});
    EXPECT_EQ(roomy.request("GET", "/big").body.size(), 4096U);
}

TEST(HttpClient, UnknownMethodIsAnError) {
    common::HttpClient client("127.0.0.1", unused_port(), {});
    EXPECT_THROW(client.request("FETCH ME", "/"), common::HttpClientError);
}

}  // namespace
