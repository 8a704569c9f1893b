// execd's own secrets (its access token, the Jupyter token) never reach what it runs: a command of
// an unprivileged uid could otherwise call execd with the token and run as root.
#include <gtest/gtest.h>

#include "execd_test_support.hpp"
#include "websocket_test_client.hpp"

namespace execd_test {
namespace {

using nlohmann::json;

constexpr const char* kAccessToken = "access-token-3f9c1d7e";
constexpr const char* kJupyterToken = "jupyter-token-8a2b6c4d";

class ExecdSecretsTest : public ::testing::Test {
  protected:
    ExecdProcess execd_{{},
                        {std::string("EXECD_ACCESS_TOKEN=") + kAccessToken,
                         std::string("JUPYTER_TOKEN=") + kJupyterToken, "EXECD_SECRETS_TEST_MARK=visible"}};
    const std::vector<std::string> auth_{std::string("X-EXECD-ACCESS-TOKEN: ") + kAccessToken};

    uint16_t port() const { return execd_.port(); }

    std::string joined_stdout(const json& body) {
        const CommandStream stream = run_command(port(), body, auth_);
        EXPECT_EQ(stream.response.status, 200) << stream.response.body;
        std::string out;
        for (const auto& line : texts_of(stream.events, "stdout")) {
            out += line + "\n";
        }
        return out;
    }
};

// The environment is printed (the mark proves it), the secrets are not in it.
void expect_no_secrets(const std::string& environment) {
    EXPECT_NE(environment.find("EXECD_SECRETS_TEST_MARK=visible"), std::string::npos) << environment;
    EXPECT_EQ(environment.find(kAccessToken), std::string::npos) << environment;
    EXPECT_EQ(environment.find(kJupyterToken), std::string::npos) << environment;
    EXPECT_EQ(environment.find("EXECD_ACCESS_TOKEN"), std::string::npos) << environment;
    EXPECT_EQ(environment.find("JUPYTER_TOKEN"), std::string::npos) << environment;
}

TEST_F(ExecdSecretsTest, AnUnprivilegedCommandCannotFindTheToken) {
    expect_no_secrets(joined_stdout({{"command", "env"}, {"uid", 65534}, {"gid", 65534}}));
    // Nowhere it can read: the environments and command lines of every process it may see. The
    // patterns end in a bracket class so that the search's own command line does not match them.
    const std::string found = joined_stdout(
        {{"command",
          std::string("cat /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' '\\n' | "
                      "grep -c -e '") +
              std::string(kAccessToken).insert(std::string(kAccessToken).size() - 1, "[") + "]' -e '" +
              std::string(kJupyterToken).insert(std::string(kJupyterToken).size() - 1, "[") + "]' || true"},
         {"uid", 65534},
         {"gid", 65534}});
    EXPECT_EQ(found, "0\n");
}

TEST_F(ExecdSecretsTest, CommandsRunAsRootDoNotInheritTheToken) {
    expect_no_secrets(joined_stdout({{"command", "env"}}));
}

TEST_F(ExecdSecretsTest, BackgroundCommandsDoNotInheritTheToken) {
    const CommandStream stream = run_command(port(), {{"command", "env"}, {"background", true}}, auth_);
    ASSERT_EQ(stream.response.status, 200);
    const std::string id = texts_of(stream.events, "init").at(0);
    ASSERT_TRUE(eventually([&] {
        const auto status = http_request(port(), "GET", "/command/status/" + id, "", auth_);
        return status.status == 200 && !json::parse(status.body).at("running").get<bool>();
    }));
    expect_no_secrets(http_request(port(), "GET", "/command/" + id + "/logs?cursor=0", "", auth_).body);
}

TEST_F(ExecdSecretsTest, SessionsDoNotInheritTheToken) {
    const auto created = http_request(port(), "POST", "/session", "{}", auth_);
    ASSERT_EQ(created.status, 200) << created.body;
    const std::string session = json::parse(created.body).at("session_id");
    const auto run =
        http_request(port(), "POST", "/session/" + session + "/run", json{{"command", "env"}}.dump(), auth_);
    std::string environment;
    for (const auto& line : texts_of(parse_events(run.body), "stdout")) {
        environment += line + "\n";
    }
    expect_no_secrets(environment);
    EXPECT_EQ(http_request(port(), "DELETE", "/session/" + session, "", auth_).status, 200);
}

TEST_F(ExecdSecretsTest, PtysDoNotInheritTheToken) {
    for (const std::string mode : {"", "?pty=0"}) {
        const auto created =
            http_request(port(), "POST", "/pty", json{{"command", "env; echo END-OF-ENV"}}.dump(), auth_);
        ASSERT_EQ(created.status, 201) << created.body;
        const std::string id = json::parse(created.body).at("session_id");
        WebSocketTestClient client(port(), "/pty/" + id + "/ws" + mode, 0, kAccessToken);
        client.read_output_until("END-OF-ENV");
        client.wait_closed();
        expect_no_secrets(client.output());
    }
}

}  // namespace
}  // namespace execd_test
