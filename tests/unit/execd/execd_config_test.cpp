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

// The message of the ConfigError that parsing `args` throws; empty when none is thrown.
std::string config_error(const Args& args) {
    try {
        parse(args);
    } catch (const ConfigError& error) {
        return error.what();
    }
    return {};
}

TEST(GoFlagsTest, SingleDashBecomesDoubleDash) {
    EXPECT_EQ(normalize_go_flags({"-port", "1", "-log-level=7", "--access-token", "-x"}, {"--version"}),
              (Args{"--port", "1", "--log-level=7", "--access-token", "-x"}));
}

TEST(GoFlagsTest, StopsAtFirstNonFlagAndDoubleDash) {
    EXPECT_EQ(normalize_go_flags({"-port", "1", "positional", "-port"}, {"--version"}),
              (Args{"--port", "1", "positional", "-port"}));
    EXPECT_EQ(normalize_go_flags({"--", "-port"}, {"--version"}), (Args{"--", "-port"}));
    EXPECT_EQ(normalize_go_flags({"-version", "-port", "2"}, {"--version"}),
              (Args{"--version", "--port", "2"}));
}

TEST(GoFlagsTest, ASwitchTakesNoSeparateValue) {
    EXPECT_EQ(normalize_go_flags({"-banner", "tail", "-f"}, {"--banner"}), (Args{"--banner", "tail", "-f"}));
    EXPECT_EQ(normalize_go_flags({"-banner", "-port", "1"}, {"--banner"}), (Args{"--banner", "--port", "1"}));
    EXPECT_EQ(normalize_go_flags({"-banner", "-port", "1"}, {}), (Args{"--banner", "-port", "1"}));
}

TEST(ExecdConfigTest, ArgumentsAfterTheFlagsAreIgnoredWithAWarningAsUpstream) {
    const ExecdConfig config = parse({"-port", "8080", "tail", "-f", "/dev/null"});
    EXPECT_EQ(config.port, 8080);
    ASSERT_EQ(config.warnings.size(), 1u);
    EXPECT_NE(config.warnings[0].find("tail -f /dev/null"), std::string::npos) << config.warnings[0];
    EXPECT_EQ(config_error({"-no-such-flag", "1"}), "flag provided but not defined: --no-such-flag");
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
    EXPECT_THROW(parse({"--port", "notanumber"}), ConfigError);
    EXPECT_THROW(parse({"--graceful-shutdown-timeout", "5"}), ConfigError);
    EXPECT_THROW(parse({"--no-such-flag", "1"}), ConfigError);
    const ScopedEnv grace("EXECD_API_GRACE_SHUTDOWN", "soon");
    EXPECT_THROW(parse({}), ConfigError);
}

TEST(ExecdConfigTest, BadFlagValuesAreNamedByTheFlag) {
    EXPECT_EQ(config_error({"-port", "notanumber"}),
              "--port: invalid value \"notanumber\": expected an integer from 0 to 65535");
    EXPECT_EQ(config_error({"-port=70000"}),
              "--port: invalid value \"70000\": expected an integer from 0 to 65535");
    EXPECT_EQ(config_error({"-log-level", "x"}),
              "--log-level: invalid value \"x\": expected an integer from -2147483648 to 2147483647");
    EXPECT_EQ(config_error({"-idle-timeout", "5"}).rfind("--idle-timeout: invalid duration", 0), 0u)
        << config_error({"-idle-timeout", "5"});
    EXPECT_EQ(config_error({"-graceful-shutdown-timeout=soon"})
                  .rfind("--graceful-shutdown-timeout: invalid duration", 0),
              0u);
    EXPECT_EQ(config_error({"-banner=maybe"}), "--banner: invalid value \"maybe\": expected true or false");
    EXPECT_NE(config_error({"-port"}).find("--port"), std::string::npos) << "a flag without its value";
}

TEST(ExecdConfigTest, BadVariableValuesAreNamedByTheVariable) {
    const std::vector<std::pair<const char*, const char*>> bad{
        {"EXECD_PORT", "http"},           {"EXECD_LOG_LEVEL", "debug"},       {"EXECD_MAX_BODY_BYTES", "-1"},
        {"EXECD_IDLE_TIMEOUT", "5"},      {"EXECD_API_GRACE_SHUTDOWN", "1"},  {"EXECD_SQL_PORT", "99999"},
        {"EXECD_BANNER", "maybe"},        {"EXECD_LOG_MAX_BYTES", "64MiB"},   {"EXECD_LOG_FILES", "1001"},
        {"EXECD_COMMAND_RETENTION", "x"}, {"EXECD_STREAM_REPLAY_BYTES", "1k"}};
    for (const auto& [name, value] : bad) {
        const ScopedEnv variable(name, value);
        const std::string message = config_error({});
        EXPECT_EQ(message.rfind(std::string(name) + ": ", 0), 0u) << name << "=" << value << ": " << message;
        EXPECT_NE(message.find(value), std::string::npos) << message;
    }
}

TEST(ExecdConfigTest, HelpIsNoError) {
    EXPECT_THROW(parse({"-help"}), CLI::CallForHelp);
    EXPECT_THROW(parse({"-h"}), CLI::CallForHelp);
}

TEST(ExecdConfigTest, AVariableIsNotCheckedWhenItsFlagIsGiven) {
    const ScopedEnv port("EXECD_PORT", "http");
    EXPECT_EQ(parse({"-port", "9"}).port, 9);
}

TEST(ExecdConfigTest, EveryFlagHasAVariable) {
    const ScopedEnv port("EXECD_PORT", "8081");
    const ScopedEnv level("EXECD_LOG_LEVEL", "7");
    const ScopedEnv file("EXECD_ACCESS_TOKEN_FILE", "/run/secrets/token");
    const ScopedEnv banner("EXECD_BANNER", "false");
    const ExecdConfig config = parse({});
    EXPECT_EQ(config.port, 8081);
    EXPECT_EQ(config.log_level, 7);
    EXPECT_EQ(config.access_token_file, "/run/secrets/token");
    EXPECT_FALSE(config.banner);
}

TEST(ExecdConfigTest, FlagsWinOverTheNewVariables) {
    const ScopedEnv port("EXECD_PORT", "8081");
    const ScopedEnv level("EXECD_LOG_LEVEL", "7");
    const ScopedEnv file("EXECD_ACCESS_TOKEN_FILE", "/from/env");
    const ScopedEnv banner("EXECD_BANNER", "false");
    const ExecdConfig config =
        parse({"-port", "8082", "--log-level=3", "-access-token-file", "/from/flag", "-banner"});
    EXPECT_EQ(config.port, 8082);
    EXPECT_EQ(config.log_level, 3);
    EXPECT_EQ(config.access_token_file, "/from/flag");
    EXPECT_TRUE(config.banner);
}

TEST(ExecdConfigTest, EmptyVariablesCountAsUnset) {
    const ScopedEnv port("EXECD_PORT", "");
    const ScopedEnv banner("EXECD_BANNER", "");
    EXPECT_EQ(parse({}).port, 44772);
    EXPECT_TRUE(parse({}).banner);
}

TEST(ExecdConfigTest, BannerSwitch) {
    EXPECT_TRUE(parse({}).banner);
    EXPECT_FALSE(parse({"-banner=false"}).banner);
    EXPECT_TRUE(parse({"--banner"}).banner);
    const ExecdConfig before_arguments = parse({"-banner", "tail", "-f", "/dev/null"});
    EXPECT_TRUE(before_arguments.banner);
    ASSERT_EQ(before_arguments.warnings.size(), 1u) << "a Go boolean flag takes no separate value";
    const ScopedEnv banner("EXECD_BANNER", "0");
    EXPECT_FALSE(parse({}).banner);
    EXPECT_TRUE(parse({"-banner=true"}).banner);
}

TEST(ExecdConfigTest, LogRotationVariables) {
    EXPECT_EQ(parse({}).log_max_bytes, 64u * 1024 * 1024);
    EXPECT_EQ(parse({}).log_files, 3u);
    const ScopedEnv bytes("EXECD_LOG_MAX_BYTES", "4096");
    const ScopedEnv files("EXECD_LOG_FILES", "0");
    EXPECT_EQ(parse({}).log_max_bytes, 4096u);
    EXPECT_EQ(parse({}).log_files, 0u);
}

TEST(ExecdConfigTest, TokenAndTokenFileExcludeEachOther) {
    const std::string both =
        "--access-token (EXECD_ACCESS_TOKEN) and --access-token-file (EXECD_ACCESS_TOKEN_FILE) are both set; "
        "give only one";
    EXPECT_EQ(config_error({"-access-token", "t", "-access-token-file", "/f"}), both);
    const ScopedEnv file("EXECD_ACCESS_TOKEN_FILE", "/f");
    EXPECT_EQ(config_error({"-access-token", "t"}), both);
    const ScopedEnv token("EXECD_ACCESS_TOKEN", "t");
    EXPECT_EQ(config_error({}), both);
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
    EXPECT_NE(config_error({"--jupyter-idle-poll-interval", "100"}).find("--jupyter-idle-poll-interval"),
              std::string::npos);
    const ScopedEnv poll("EXECD_JUPYTER_IDLE_POLL_INTERVAL", "fast");
    EXPECT_NE(config_error({}).find("EXECD_JUPYTER_IDLE_POLL_INTERVAL"), std::string::npos)
        << config_error({});
}

TEST(ExecdConfigTest, JupyterHostFromEnvironmentMustBeHttp) {
    const ScopedEnv host("JUPYTER_HOST", "127.0.0.1:44771");
    EXPECT_NE(config_error({}).find("JUPYTER_HOST"), std::string::npos);
}

TEST(ExecdConfigTest, SqlServerAddress) {
    EXPECT_EQ(parse({}).sql_host, "127.0.0.1");
    EXPECT_EQ(parse({}).sql_port, 3306);
    const ScopedEnv host("EXECD_SQL_HOST", "db.local");
    const ScopedEnv port("EXECD_SQL_PORT", "3307");
    EXPECT_EQ(parse({}).sql_host, "db.local");
    EXPECT_EQ(parse({"-sql-port=3310"}).sql_port, 3310);
    EXPECT_THROW(parse({"--sql-port", "70000"}), ConfigError);
}

TEST(ExecdConfigTest, MasksTokens) {
    EXPECT_EQ(mask_token("short"), "****");
    EXPECT_EQ(mask_token("opensandboxtoken"), "open****oken");
}

}  // namespace
}  // namespace execd
