#include "config/execd_config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <CLI/CLI.hpp>

#include "config/go_flags.hpp"

namespace execd {
namespace {

using namespace std::chrono_literals;
using Args = std::vector<std::string>;

// Sets an environment variable for the lifetime of the object.
class ScopedEnv {
  public:
    ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
    ~ScopedEnv() { ::unsetenv(name_); }

  private:
    const char* name_;
};

ExecdConfig parse(const Args& args) {
    CLI::App app;
    return parse_execd_config(app, args);
}

TEST(GoFlagsTest, SingleDashBecomesDoubleDash) {
    EXPECT_EQ(normalize_go_flags({"-port", "1", "-log-level=7", "--access-token", "-x"}),
              (Args{"--port", "1", "--log-level=7", "--access-token", "-x"}));
}

TEST(GoFlagsTest, StopsAtFirstNonFlagAndDoubleDash) {
    EXPECT_EQ(normalize_go_flags({"-port", "1", "positional", "-port"}),
              (Args{"--port", "1", "positional", "-port"}));
    EXPECT_EQ(normalize_go_flags({"--", "-port"}), (Args{"--", "-port"}));
    EXPECT_EQ(normalize_go_flags({"-version", "-port", "2"}), (Args{"--version", "--port", "2"}));
}

TEST(ExecdConfigTest, ArgumentsAfterTheFlagsAreIgnoredWithAWarningAsUpstream) {
    const ExecdConfig config = parse({"-port", "8080", "tail", "-f", "/dev/null"});
    EXPECT_EQ(config.port, 8080);
    ASSERT_EQ(config.warnings.size(), 1u);
    EXPECT_NE(config.warnings[0].find("tail -f /dev/null"), std::string::npos) << config.warnings[0];
    EXPECT_THROW(parse({"-no-such-flag", "1"}), CLI::ParseError);
}

TEST(ExecdConfigTest, Defaults) {
    const ExecdConfig config = parse({});
    EXPECT_EQ(config.port, 44772);
    EXPECT_EQ(config.log_level, 6);
    EXPECT_EQ(config.stream_grace, 1s);
    EXPECT_EQ(config.access_token, "");
    EXPECT_EQ(config.jupyter_idle_poll, 100ms);
}

TEST(ExecdConfigTest, GoSyntaxFlags) {
    const ExecdConfig config = parse({"-port", "8080", "-access-token=abc", "--graceful-shutdown-timeout",
                                      "300ms", "--log-level=7", "-jupyter-host", "http://x:1"});
    EXPECT_EQ(config.port, 8080);
    EXPECT_EQ(config.access_token, "abc");
    EXPECT_EQ(config.stream_grace, 300ms);
    EXPECT_EQ(config.log_level, 7);
    EXPECT_EQ(config.jupyter_host, "http://x:1");
}

TEST(ExecdConfigTest, EnvironmentAndFlagPrecedence) {
    const ScopedEnv token("EXECD_ACCESS_TOKEN", "from-env");
    const ScopedEnv grace("EXECD_API_GRACE_SHUTDOWN", "1.5s");
    EXPECT_EQ(parse({}).access_token, "from-env");
    EXPECT_EQ(parse({}).stream_grace, 1500ms);
    EXPECT_EQ(parse({"--access-token", "flag"}).access_token, "flag");
    EXPECT_EQ(parse({"-graceful-shutdown-timeout=0s"}).stream_grace, 0s);
}

TEST(ExecdConfigTest, RejectsBadValues) {
    EXPECT_THROW(parse({"--port", "notanumber"}), CLI::ParseError);
    EXPECT_THROW(parse({"--graceful-shutdown-timeout", "5"}), CLI::ParseError);
    EXPECT_THROW(parse({"--no-such-flag", "1"}), CLI::ParseError);
    const ScopedEnv grace("EXECD_API_GRACE_SHUTDOWN", "soon");
    EXPECT_THROW(parse({}), CLI::ParseError);
}

TEST(ExecdConfigTest, JupyterIdlePollInterval) {
    EXPECT_EQ(parse({"--jupyter-idle-poll-interval", "250ms"}).jupyter_idle_poll, 250ms);
    EXPECT_EQ(parse({"-jupyter-idle-poll-interval=1.5s"}).jupyter_idle_poll, 1500ms);
    EXPECT_TRUE(parse({"--jupyter-idle-poll-interval", "250ms"}).warnings.empty());
    const ScopedEnv poll("EXECD_JUPYTER_IDLE_POLL_INTERVAL", "2s");
    EXPECT_EQ(parse({}).jupyter_idle_poll, 2s);
    EXPECT_EQ(parse({"--jupyter-idle-poll-interval", "50ms"}).jupyter_idle_poll, 50ms);
}

TEST(ExecdConfigTest, NonPositiveJupyterIdlePollFallsBackWithAWarning) {
    const ExecdConfig zero = parse({"--jupyter-idle-poll-interval", "0s"});
    EXPECT_EQ(zero.jupyter_idle_poll, 100ms);
    ASSERT_EQ(zero.warnings.size(), 1u);
    EXPECT_EQ(zero.warnings[0], "jupyter idle poll interval 0s is not positive; using 100ms");
    const ScopedEnv poll("EXECD_JUPYTER_IDLE_POLL_INTERVAL", "-5ms");
    const ExecdConfig negative = parse({});
    EXPECT_EQ(negative.jupyter_idle_poll, 100ms);
    ASSERT_EQ(negative.warnings.size(), 1u);
    EXPECT_EQ(negative.warnings[0], "jupyter idle poll interval -5ms is not positive; using 100ms");
}

TEST(ExecdConfigTest, UnparsableJupyterIdlePollStopsTheStart) {
    EXPECT_THROW(parse({"--jupyter-idle-poll-interval", "100"}), CLI::ParseError);
    const ScopedEnv poll("EXECD_JUPYTER_IDLE_POLL_INTERVAL", "fast");
    try {
        parse({});
        FAIL() << "no exception";
    } catch (const CLI::ParseError& error) {
        EXPECT_NE(std::string(error.what()).find("jupyter-idle-poll-interval"), std::string::npos)
            << error.what();
    }
}

TEST(ExecdConfigTest, JupyterHostFromEnvironmentMustBeHttp) {
    const ScopedEnv host("JUPYTER_HOST", "127.0.0.1:44771");
    EXPECT_THROW(parse({}), std::invalid_argument);
}

TEST(ExecdConfigTest, SqlServerAddress) {
    EXPECT_EQ(parse({}).sql_host, "127.0.0.1");
    EXPECT_EQ(parse({}).sql_port, 3306);
    const ScopedEnv host("EXECD_SQL_HOST", "db.local");
    const ScopedEnv port("EXECD_SQL_PORT", "3307");
    EXPECT_EQ(parse({}).sql_host, "db.local");
    EXPECT_EQ(parse({"-sql-port=3310"}).sql_port, 3310);
    EXPECT_THROW(parse({"--sql-port", "70000"}), CLI::ParseError);
}

TEST(ExecdConfigTest, MasksTokens) {
    EXPECT_EQ(mask_token("short"), "****");
    EXPECT_EQ(mask_token("opensandboxtoken"), "open****oken");
}

}  // namespace
}  // namespace execd
