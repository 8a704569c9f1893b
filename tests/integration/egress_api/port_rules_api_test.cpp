// Rules limited to ports through the policy API of the real binary: names and addresses opened on
// their ports only, validation, PATCH keys, and what GET returns.
#include <nlohmann/json.hpp>
#include <optional>

#include "egress_sidecar_fixture.hpp"
#include "harness/command.hpp"
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

constexpr const char* kNameAndAddressOnPorts =
    R"({"defaultAction":"deny","egress":[)"
    R"({"action":"allow","target":"www.allowed.test","ports":[443]},)"
    R"({"action":"allow","target":"198.51.100.20","ports":[22]}]})";

TEST_F(PortRulesApiTest, ANameAndAnAddressAreOpenedOnTheirPortsOnly) {
    ASSERT_EQ(call("POST", "/policy", kNameAndAddressOnPorts).status, 200);
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

// A workload's connect, as uid 65534 without capabilities, or with CAP_NET_RAW and an SO_MARK of
// its choice (the credential proxy's 0x2, say): "open" or "closed".
std::string workload_connect(const std::string& sandbox, const std::string& address, uint16_t port,
                             std::optional<int> mark) {
    const std::string script =
        "import socket,sys\n"
        "s=socket.socket()\n"
        "s.settimeout(0.5)\n"
        "m=int(sys.argv[3])\n"
        "if m>=0: s.setsockopt(socket.SOL_SOCKET,socket.SO_MARK,m)\n"
        "try:\n s.connect((sys.argv[1],int(sys.argv[2]))); print('open')\n"
        "except OSError: print('closed')\n";
    std::vector<std::string> argv{"ip",      "netns",         "exec",          sandbox,
                                  "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    if (mark) {
        argv.insert(argv.end(),
                    {"--inh-caps=-all,+net_raw", "--ambient-caps=+net_raw", "--bounding-set=-all,+net_raw"});
    } else {
        argv.insert(argv.end(), {"--inh-caps=-all", "--bounding-set=-all"});
    }
    argv.insert(argv.end(), {"/usr/bin/python3", "-c", script, address, std::to_string(port),
                             std::to_string(mark.value_or(-1))});
    auto output = harness::run_command(argv).output;
    while (!output.empty() && output.back() == '\n') {
        output.pop_back();
    }
    return output;
}

TEST_F(PortRulesApiTest, AnUnprivilegedWorkloadOrOneWithNetRawAndAForgedMarkGetsOnlyTheRulesPorts) {
    ASSERT_EQ(call("POST", "/policy", kNameAndAddressOnPorts).status, 200);
    ASSERT_EQ(resolve("www.allowed.test").addresses().size(), 1u);
    const std::string sandbox = topology_->sandbox();
    // Not mark 0x1, egress's own: here egress shares the root cgroup, so (as documented) only the
    // mark tells its traffic apart; with a cgroup of its own a forged mark is cleared before any
    // policy rule looks at the packet (adversarial/forged_mark_test.cpp), whatever the rule's ports.
    for (const std::optional<int> mark :
         {std::optional<int>(), std::optional<int>(0), std::optional<int>(2)}) {
        const std::string who = mark ? "CAP_NET_RAW, mark " + std::to_string(*mark) : "unprivileged";
        EXPECT_EQ(workload_connect(sandbox, "198.51.100.10", 443, mark), "open") << who;
        EXPECT_EQ(workload_connect(sandbox, "198.51.100.10", 80, mark), "closed") << who;
        EXPECT_EQ(workload_connect(sandbox, "198.51.100.20", 22, mark), "open") << who;
        EXPECT_EQ(workload_connect(sandbox, "198.51.100.20", 443, mark), "closed") << who;
    }
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
