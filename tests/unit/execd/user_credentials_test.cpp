#include "process/user_credentials.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace execd::process {
namespace {

class UserCredentialsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const std::string suffix = std::to_string(::getpid());
        passwd_ = std::filesystem::temp_directory_path() / ("passwd-" + suffix);
        group_ = std::filesystem::temp_directory_path() / ("group-" + suffix);
        std::ofstream(passwd_) << "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n";
        std::ofstream(group_) << "alice:x:1000:\nwheel:x:10:bob,alice\ndocker:x:999:bob\n";
    }
    void TearDown() override {
        std::filesystem::remove(passwd_);
        std::filesystem::remove(group_);
    }

    std::filesystem::path passwd_;
    std::filesystem::path group_;
};

TEST_F(UserCredentialsTest, KnownUser) {
    const UserCredentials user = resolve_credentials(1000, std::nullopt, passwd_, group_);
    EXPECT_EQ(user.gid, 1000u);
    EXPECT_EQ(user.groups, (std::vector<gid_t>{10, 1000}));
    EXPECT_EQ(user.user_name, "alice");
    EXPECT_EQ(user.home, "/home/alice");
}

TEST_F(UserCredentialsTest, ExplicitGidOverridesPrimary) {
    EXPECT_EQ(resolve_credentials(1000, 50, passwd_, group_).gid, 50u);
}

TEST_F(UserCredentialsTest, UnknownUserKeepsGroupZeroLikeUpstream) {
    const UserCredentials user = resolve_credentials(4242, std::nullopt, passwd_, group_);
    EXPECT_EQ(user.gid, 0u);
    EXPECT_TRUE(user.groups.empty());
    EXPECT_FALSE(user.user_name.has_value());
}

}  // namespace
}  // namespace execd::process
