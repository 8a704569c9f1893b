// Users and groups read from passwd and group files without NSS: lookups by id and by name, the
// lines glibc's `files` service skips, and the groups that list a member.
#include "process/account_files.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace execd::process {
namespace {

class AccountFilesTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const std::string suffix = std::to_string(::getpid());
        passwd_ = std::filesystem::temp_directory_path() / ("account-passwd-" + suffix);
        group_ = std::filesystem::temp_directory_path() / ("account-group-" + suffix);
        std::ofstream(passwd_) << "# system accounts\n"
                                  "root:x:0:0:root:/root:/bin/bash\n"
                                  "\n"
                                  "broken:x:notanumber:0::/:/bin/sh\n"
                                  "short:x:7:7\n"
                                  "  alice:x:1000:1000:Alice:/home/alice:/bin/sh  \n"
                                  "alice:x:1001:1001:second alice:/home/alice2:/bin/sh\n"
                                  "nopass::1002:1002:::\n";
        std::ofstream(group_) << "root:x:0:\n"
                                 "alice:x:1000:\n"
                                 "wheel:x:10:bob, alice\n"
                                 "docker:x:999:bob\n"
                                 "# staff:x:50:alice\n"
                                 "builders:x:2000:alice\n";
    }
    void TearDown() override {
        std::filesystem::remove(passwd_);
        std::filesystem::remove(group_);
    }

    std::string passwd_;
    std::string group_;
};

TEST_F(AccountFilesTest, FindsAUserById) {
    const auto user = find_user(uid_t{1000}, passwd_);
    ASSERT_TRUE(user.has_value());
    EXPECT_EQ(user->name, "alice");
    EXPECT_EQ(user->gid, 1000u);
    EXPECT_EQ(user->home, "/home/alice");
    EXPECT_EQ(user->shell, "/bin/sh");
}

TEST_F(AccountFilesTest, FindsAUserByNameAndTheFirstEntryWins) {
    const auto user = find_user(std::string_view("alice"), passwd_);
    ASSERT_TRUE(user.has_value());
    EXPECT_EQ(user->uid, 1000u);
}

TEST_F(AccountFilesTest, EmptyFieldsAreKept) {
    const auto user = find_user(uid_t{1002}, passwd_);
    ASSERT_TRUE(user.has_value());
    EXPECT_EQ(user->name, "nopass");
    EXPECT_EQ(user->home, "");
    EXPECT_EQ(user->shell, "");
}

TEST_F(AccountFilesTest, SkipsCommentsShortLinesAndBadIds) {
    EXPECT_FALSE(find_user(std::string_view("broken"), passwd_).has_value());
    EXPECT_FALSE(find_user(uid_t{7}, passwd_).has_value());
    EXPECT_FALSE(find_user(std::string_view("# system accounts"), passwd_).has_value());
    EXPECT_FALSE(find_group(gid_t{50}, group_).has_value());
}

TEST_F(AccountFilesTest, FindsGroupsByIdAndName) {
    const auto wheel = find_group(gid_t{10}, group_);
    ASSERT_TRUE(wheel.has_value());
    EXPECT_EQ(wheel->name, "wheel");
    EXPECT_EQ(wheel->members, (std::vector<std::string>{"bob", "alice"}));
    const auto docker = find_group(std::string_view("docker"), group_);
    ASSERT_TRUE(docker.has_value());
    EXPECT_EQ(docker->gid, 999u);
}

TEST_F(AccountFilesTest, GroupsListingAMemberInFileOrder) {
    EXPECT_EQ(groups_listing_member("alice", group_), (std::vector<gid_t>{10, 2000}));
    EXPECT_EQ(groups_listing_member("bob", group_), (std::vector<gid_t>{10, 999}));
    EXPECT_TRUE(groups_listing_member("carol", group_).empty());
}

TEST_F(AccountFilesTest, AMissingFileHasNoEntries) {
    EXPECT_FALSE(find_user(uid_t{0}, "/nonexistent/passwd").has_value());
    EXPECT_FALSE(find_group(std::string_view("root"), "/nonexistent/group").has_value());
    EXPECT_TRUE(groups_listing_member("root", "/nonexistent/group").empty());
}

}  // namespace
}  // namespace execd::process
