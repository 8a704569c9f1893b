// Slow clients, from the workload or the network, against the policy API: however many there are and
// however slowly they send, the operator's requests get through and the probes answer.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <thread>
#include <vector>

#include "adversarial_fixture.hpp"
#include "harness/http_client.hpp"
#include "harness/net_socket.hpp"
#include "harness/socket_address.hpp"

namespace {

using namespace egress_binary_test;
using namespace std::chrono_literals;

constexpr const char* kToken = "operator-secret";
constexpr uint16_t kApiPort = 18080;
constexpr uint16_t kHealthPort = 18081;

// Connections that send a request head one byte at a time, a byte every `interval`, from the
// sandbox (the workload), for as long as the server keeps them.
class Tricklers {
  public:
    Tricklers(const std::string& netns, size_t count, std::chrono::milliseconds interval)
        : interval_(interval) {
        for (size_t i = 0; i < count; ++i) {
            harness::UniqueFd fd = harness::make_socket(netns, AF_INET, SOCK_STREAM);
            const auto address = harness::make_socket_address("127.0.0.1", kApiPort);
            if (::connect(fd.get(), address.get(), address.length) < 0 && errno != EINPROGRESS) {
                throw std::runtime_error("connect failed");
            }
            sockets_.push_back(std::move(fd));
        }
        thread_ = std::thread([this] { trickle(); });
    }
    ~Tricklers() {
        stop_ = true;
        thread_.join();
    }

    // Connections the server has closed so far.
    size_t closed_by_server() const { return closed_; }

  private:
    void trickle() {
        // A head that never ends: a header value that grows by a byte each time.
        static constexpr std::string_view kHead = "PATCH /policy HTTP/1.1\r\nHost: x\r\nX-Slow: ";
        size_t offset = 0;
        std::vector<bool> closed(sockets_.size(), false);
        while (!stop_) {
            const char byte = offset < kHead.size() ? kHead[offset] : 'a';
            ++offset;
            for (size_t i = 0; i < sockets_.size(); ++i) {
                if (!closed[i] && (::send(sockets_[i].get(), &byte, 1, MSG_NOSIGNAL) < 0 && errno != EAGAIN &&
                                   errno != ENOTCONN)) {
                    closed[i] = true;
                    ++closed_;
                }
            }
            std::this_thread::sleep_for(interval_);
        }
    }

    std::chrono::milliseconds interval_;
    std::vector<harness::UniqueFd> sockets_;
    std::atomic<size_t> closed_{0};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

class SlowClientsTest : public adversarial_test::AdversarialTest {
  protected:
    void start_with_token() {
        start_with_backend({"OPENSANDBOX_EGRESS_MODE=dns+nft",
                            std::string("OPENSANDBOX_EGRESS_RULES=") + kAllowStarAllowed,
                            std::string("OPENSANDBOX_EGRESS_TOKEN=") + kToken});
        ASSERT_TRUE(serving_with_backend()) << process_->read_log();
    }

    // From outside the sandbox, as the operator (or the orchestrator's probes) would.
    harness::HttpResponse operator_request(uint16_t port, const std::string& method, const std::string& path,
                                           const std::string& body = "") {
        harness::HttpRequest request;
        request.method = method;
        request.url = "http://" + std::string(Topology::kSandboxIpv4) + ":" + std::to_string(port) + path;
        request.body = body;
        request.send_body = !body.empty();
        request.headers = {{"OPENSANDBOX-EGRESS-AUTH", kToken}, {"Content-Type", "application/json"}};
        request.timeout = 2000ms;
        return harness::http_request(topology_->upstream(), request);
    }
};

TEST_P(SlowClientsTest, ManySlowClientsNeitherStarveThePolicyApiNorTheProbes) {
    start_with_token();
    // More than the connection cap (128), each sending a byte every 200 ms: never done.
    Tricklers tricklers(topology_->sandbox(), 200, 200ms);
    std::this_thread::sleep_for(500ms);
    for (int round = 0; round < 6; ++round) {
        const auto patch =
            operator_request(kApiPort, "PATCH", "/policy",
                             R"([{"action":"allow","target":"round)" + std::to_string(round) + R"(.test"}])");
        EXPECT_EQ(patch.status, 200) << "round " << round << ": " << patch.error << patch.body;
        EXPECT_EQ(operator_request(kHealthPort, "GET", "/healthz").status, 200) << "round " << round;
        EXPECT_EQ(operator_request(kHealthPort, "GET", "/readyz").status, 200) << "round " << round;
        std::this_thread::sleep_for(500ms);
    }
    const auto policy = operator_request(kApiPort, "GET", "/policy");
    EXPECT_NE(policy.body.find("round5.test"), std::string::npos) << policy.body;
}

TEST_P(SlowClientsTest, AClientThatNeverFinishesItsRequestIsClosedAtTheDeadline) {
    start_with_token();
    const auto began = std::chrono::steady_clock::now();
    Tricklers trickler(topology_->sandbox(), 1, 100ms);
    while (trickler.closed_by_server() == 0 && std::chrono::steady_clock::now() - began < 15s) {
        std::this_thread::sleep_for(100ms);
    }
    const auto held = std::chrono::steady_clock::now() - began;
    EXPECT_EQ(trickler.closed_by_server(), 1u) << "a trickling client kept its connection for 15 s";
    EXPECT_LT(held, 10s) << "the request deadline is 5 s";
}

TEST_P(SlowClientsTest, TheProbesHaveAPortOfTheirOwn) {
    start_with_token();
    const auto alive = operator_request(kHealthPort, "GET", "/healthz");
    EXPECT_EQ(alive.status, 200);
    EXPECT_EQ(alive.body, "ok");
    EXPECT_EQ(operator_request(kHealthPort, "GET", "/readyz").status, 200);
    EXPECT_EQ(operator_request(kHealthPort, "GET", "/policy").status, 404) << "no policy on the probes' port";
    EXPECT_EQ(operator_request(kApiPort, "GET", "/healthz").status, 200) << "upstream's /healthz stays";
}

TEST_P(SlowClientsTest, AProbePortThatIsThePolicyApiPortIsAClearStartupError) {
    start_with_backend({"OPENSANDBOX_EGRESS_HEALTH_PORT=18080"});
    const auto status = process_->wait(5s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 1);
    EXPECT_NE(process_->read_log().find("OPENSANDBOX_EGRESS_HEALTH_PORT (18080)"), std::string::npos)
        << process_->read_log();
}

INSTANTIATE_FOR_BOTH_REDIRECT_BACKENDS(SlowClientsTest);

}  // namespace
