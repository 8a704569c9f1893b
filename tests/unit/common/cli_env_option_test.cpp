#include "common/cli_env_option.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;

constexpr const char* kPortVar = "COMMON_CLI_TEST_PORT";
constexpr const char* kGraceVar = "COMMON_CLI_TEST_GRACE";

class CliEnvOption : public ::testing::Test {
  protected:
    void SetUp() override {
        ::unsetenv(kPortVar);
        ::unsetenv(kGraceVar);
        port_option_ = common::add_option_with_env(app_, "--port", port_, "Listen port", kPortVar);
        common::add_duration_option_with_env(app_, "--graceful-shutdown-timeout", grace_, "SSE drain time",
                                             kGraceVar);
    }
    void TearDown() override {
        ::unsetenv(kPortVar);
        ::unsetenv(kGraceVar);
    }

    void parse(std::vector<std::string> arguments) {
        arguments.insert(arguments.begin(), "execd");
        std::vector<char*> argv;
        for (std::string& argument : arguments) {
            argv.push_back(argument.data());
        }
        app_.parse(static_cast<int>(argv.size()), argv.data());
    }

    CLI::App app_{"test"};
    int port_ = 44772;
    std::chrono::nanoseconds grace_ = 1s;
    CLI::Option* port_option_ = nullptr;
};

TEST_F(CliEnvOption, DefaultWhenNeitherFlagNorEnv) {
    parse({});
    EXPECT_EQ(port_, 44772);
    EXPECT_EQ(grace_, 1s);
}

TEST_F(CliEnvOption, EnvOverridesDefault) {
    ::setenv(kPortVar, "8080", 1);
    ::setenv(kGraceVar, "250ms", 1);
    parse({});
    EXPECT_EQ(port_, 8080);
    EXPECT_EQ(grace_, 250ms);
}

TEST_F(CliEnvOption, FlagOverridesEnv) {
    ::setenv(kPortVar, "8080", 1);
    ::setenv(kGraceVar, "250ms", 1);
    parse({"--port", "9090", "--graceful-shutdown-timeout=2m"});
    EXPECT_EQ(port_, 9090);
    EXPECT_EQ(grace_, 2min);
}

TEST_F(CliEnvOption, EmptyEnvCountsAsUnset) {
    ::setenv(kPortVar, "", 1);
    parse({});
    EXPECT_EQ(port_, 44772);
}

TEST_F(CliEnvOption, MalformedValuesAreRejected) {
    ::setenv(kGraceVar, "soon", 1);
    EXPECT_THROW(parse({}), CLI::ValidationError);
}

TEST_F(CliEnvOption, MalformedFlagIsRejectedEvenWithValidEnv) {
    ::setenv(kGraceVar, "1s", 1);
    EXPECT_THROW(parse({"--graceful-shutdown-timeout", "10"}), CLI::ValidationError);
}

TEST_F(CliEnvOption, HelpShowsDefaultAndVariable) {
    const std::string help = app_.help();
    EXPECT_NE(help.find("44772"), std::string::npos) << help;
    EXPECT_NE(help.find(kPortVar), std::string::npos) << help;
    EXPECT_NE(help.find(kGraceVar), std::string::npos) << help;
    EXPECT_EQ(port_option_->get_envname(), kPortVar);
}

}  // namespace
