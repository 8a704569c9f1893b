// Rules limited to ports through the policy API of the real binary: names and addresses opened on
// their ports only, validation, PATCH keys, and what GET returns.
#include <nlohmann/json.hpp>

#include "egress_sidecar_fixture.hpp"
#include "harness/dns_types.hpp"
#include "harness/echo_server.hpp"

namespace egress_api_test {
namespace {

using namespace std::chrono_literals;

class PortRulesApiTest : public EgressSidecarTest {
  protected:
    void SetUp() override {
        EgressSidecarTest::SetUp();
        if (IsSkipped()) {
            return;
        }
        for (const char* address : {"198.51.100.10", "198.51.100.20"}) {
            for (const uint16_t port : {22, 80, 443}) {
                servers_.push_back(std::make_unique<harness::EchoServer>(
                    harness::EchoServerConfig{topology_->upstream(), address, port, "web"}));
            }
        }
        start({"OPENSANDBOX_EGRESS_MODE=dns+nft"});
    }

    std::string error_of(const std::string& method, const std::string& body) {
        const auto response = call(method, "/policy", body);
        return std::to_string(response.status) + " " + response.body;
    }

    std::vector<std::unique_ptr<harness::EchoServer>> servers_;
};

TEST_F(PortRulesApiTest, ANameAndAnAddressAreOpenedOnTheirPortsOnly) {
    ASSERT_EQ(call("POST", "/policy",
                   R"({"defaultAction":"deny","egress":[)"
                   R"({"action":"allow","target":"www.allowed.test","ports":[443]},)"
                   R"({"action":"allow","target":"198.51.100.20","ports":[22]}]})")
                  .status,
              200);
    ASSERT_EQ(resolve("www.allowed.test").addresses(), std::vector<std::string>{"198.51.100.10"});
    EXPECT_TRUE(can_connect("198.51.100.10", 443));
    EXPECT_FALSE(can_connect("198.51.100.10", 80));
    EXPECT_TRUE(can_connect("198.51.100.20", 22));
    EXPECT_FALSE(can_connect("198.51.100.20", 80));
    // current_policy() sorts the keys.
    EXPECT_EQ(
        current_policy(),
        R"({"defaultAction":"deny","egress":[{"action":"allow","ports":[443],"protocol":"tcp","target":"www.allowed.test"},)"
        R"({"action":"allow","ports":[22],"protocol":"tcp","target":"198.51.100.20"}]})");
}

TEST_F(PortRulesApiTest, PatchAddsPortsUnderTheirOwnKeyAndAnUnscopedRuleOpensEveryPort) {
    ASSERT_EQ(
        call(
            "POST", "/policy",
            R"({"defaultAction":"deny","egress":[{"action":"allow","target":"www.allowed.test","ports":[443]}]})")
            .status,
        200);
    ASSERT_EQ(resolve("www.allowed.test").addresses().size(), 1u);
    ASSERT_FALSE(can_connect("198.51.100.10", 80));

    ASSERT_EQ(
        call("PATCH", "/policy", R"([{"action":"allow","target":"www.allowed.test","ports":[80]}])").status,
        200);
    EXPECT_EQ(nlohmann::json::parse(current_policy())["egress"].size(), 2u) << "same target, other ports";
    ASSERT_EQ(resolve("www.allowed.test").addresses().size(), 1u);
    EXPECT_TRUE(can_connect("198.51.100.10", 80));
    EXPECT_TRUE(can_connect("198.51.100.10", 443));
    EXPECT_FALSE(can_connect("198.51.100.10", 22));

    ASSERT_EQ(call("PATCH", "/policy", R"([{"action":"allow","target":"www.allowed.test"}])").status, 200);
    ASSERT_EQ(resolve("www.allowed.test").addresses().size(), 1u);
    EXPECT_TRUE(can_connect("198.51.100.10", 22));

    // DELETE by target removes the name's rules whatever their ports; its addresses go at once.
    ASSERT_EQ(call("DELETE", "/policy", R"(["www.allowed.test"])").status, 200);
    EXPECT_EQ(current_policy(), R"({"defaultAction":"deny","egress":[]})");
    EXPECT_FALSE(can_connect("198.51.100.10", 443));
}

TEST_F(PortRulesApiTest, NarrowingANamesPortsClosesTheOthersAtOnce) {
    ASSERT_EQ(call("POST", "/policy",
                   R"({"defaultAction":"deny","egress":[{"action":"allow","target":"*.allowed.test"}]})")
                  .status,
              200);
    ASSERT_EQ(resolve("www.allowed.test").addresses().size(), 1u);
    ASSERT_TRUE(can_connect("198.51.100.10", 80));
    ASSERT_EQ(
        call(
            "POST", "/policy",
            R"({"defaultAction":"deny","egress":[{"action":"allow","target":"*.allowed.test","ports":[443]}]})")
            .status,
        200);
    EXPECT_FALSE(can_connect("198.51.100.10", 80)) << "the address was opened on every port before";
    ASSERT_EQ(resolve("www.allowed.test").addresses().size(), 1u);
    EXPECT_TRUE(can_connect("198.51.100.10", 443));
    EXPECT_FALSE(can_connect("198.51.100.10", 80));
}

TEST_F(PortRulesApiTest, ARuleWithoutTargetDeniesItsPortWhateverElseAllows) {
    ASSERT_EQ(call("POST", "/policy",
                   R"({"defaultAction":"allow","egress":[{"action":"deny","ports":[443]},)"
                   R"({"action":"allow","target":"198.51.100.0/24"}]})")
                  .status,
              200);
    EXPECT_FALSE(can_connect("198.51.100.10", 443));
    EXPECT_TRUE(can_connect("198.51.100.10", 80));
    EXPECT_EQ(resolve("www.allowed.test").addresses().size(), 1u) << "a rule without target names nothing";
    EXPECT_EQ(current_policy(),
              R"({"defaultAction":"allow","egress":[{"action":"deny","ports":[443],"protocol":"tcp"},)"
              R"({"action":"allow","target":"198.51.100.0/24"}]})");
}

TEST_F(PortRulesApiTest, BadPortsAreRefusedWithUpstreamsMessagesAndChangeNothing) {
    const std::string before = current_policy();
    const auto rule = [](const std::string& fields) {
        return R"({"defaultAction":"deny","egress":[{"action":"allow",)" + fields + "}]}";
    };
    EXPECT_EQ(error_of("POST", rule(R"("target":"1.2.3.4","ports":[0])")),
              "400 invalid policy: egress target \"1.2.3.4\": port 0 out of range 1-65535\n");
    EXPECT_EQ(error_of("POST", rule(R"("target":"1.2.3.4","ports":[65536])")),
              "400 invalid policy: egress target \"1.2.3.4\": port 65536 out of range 1-65535\n");
    EXPECT_EQ(error_of("POST", rule(R"("target":"1.2.3.4","ports":[22,22])")),
              "400 invalid policy: egress target \"1.2.3.4\": duplicate port 22\n");
    std::string many = "1";
    for (int port = 2; port <= 257; ++port) {
        many += "," + std::to_string(port);
    }
    EXPECT_EQ(error_of("POST", rule(R"("target":"1.2.3.4","ports":[)" + many + "]")),
              "400 invalid policy: egress target \"1.2.3.4\": too many ports (257), max 256 per rule\n");
    EXPECT_EQ(error_of("POST", rule(R"("target":"1.2.3.4","ports":["443"])")),
              "400 invalid policy: egress[0].ports[0] must be an integer, got string\n");
    EXPECT_EQ(error_of("POST", rule(R"("target":"1.2.3.4","ports":[443],"protocol":"sctp")")),
              "400 invalid policy: egress target \"1.2.3.4\": unsupported protocol \"sctp\" (use \"tcp\" or "
              "\"udp\")\n");
    EXPECT_EQ(error_of("POST", rule(R"("target":"1.2.3.4","protocol":"udp")")),
              "400 invalid policy: egress target \"1.2.3.4\": a protocol needs ports: list the ports it "
              "applies to\n");
    EXPECT_EQ(error_of("POST", rule(R"("ports":[])")), "400 invalid policy: egress target cannot be empty\n");
    EXPECT_EQ(
        error_of("POST", R"({"egress":[{"action":"deny","target":"x.test","ports":[80]}]})"),
        "400 invalid policy: egress target \"x.test\": ports on a name need action \"allow\" (a name is "
        "answered or refused on every port)\n");
    EXPECT_EQ(error_of("PATCH", R"([{"action":"allow","target":"1.2.3.4","ports":[-1]}])"),
              "400 invalid patch rules: egress target \"1.2.3.4\": port -1 out of range 1-65535\n");
    EXPECT_EQ(current_policy(), before);
}

}  // namespace
}  // namespace egress_api_test
