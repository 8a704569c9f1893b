#include "process/environment.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace execd::process {
namespace {

TEST(EnvironmentTest, ExpandsLikeGoExpandEnv) {
    const EnvMap vars{{"A", "1"}, {"LONG_NAME", "x"}};
    EXPECT_EQ(expand_variables("$A-${A}-$LONG_NAME-$MISSING-${MISSING}.", vars), "1-1-x--.");
    EXPECT_EQ(expand_variables("cost $", vars), "cost $");
}

TEST(EnvironmentTest, ExpandsPaths) {
    const EnvMap vars{{"HOME", "/home/u"}, {"W", "/work"}};
    EXPECT_EQ(expand_path("~", vars).path, "/home/u");
    EXPECT_EQ(expand_path("~/a", vars).path, "/home/u/a");
    EXPECT_EQ(expand_path("$W/${W}", vars).path, "/work//work");
    EXPECT_EQ(expand_path("a~b", vars).path, "a~b");
    EXPECT_EQ(expand_path("$NOPE/x", vars).error, "environment variable NOPE is not set");
}

TEST(EnvironmentTest, ReadsEnvFile) {
    const auto path = std::filesystem::temp_directory_path() / ("envs-" + std::to_string(::getpid()));
    std::ofstream(path) << "# comment\n\n  A=1  \nB=x=y\nno pair\nC=$HOME/q\nQ=\"kept\"\n";
    const EnvMap entries = read_env_file(path, {{"HOME", "/h"}});
    std::filesystem::remove(path);
    EXPECT_EQ(entries, (EnvMap{{"A", "1"}, {"B", "x=y"}, {"C", "/h/q"}, {"Q", "\"kept\""}}));
    EXPECT_TRUE(read_env_file("/no/such/file", {}).empty());
}

TEST(EnvironmentTest, EnvpFormat) {
    EXPECT_EQ(to_envp({{"A", "1"}, {"B", ""}}), (std::vector<std::string>{"A=1", "B="}));
}

}  // namespace
}  // namespace execd::process
