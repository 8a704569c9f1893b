// Path walks that follow only links owned by root or by execd's own user.
#include "files/trusted_walk.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace execd::files {
namespace {

namespace fs = std::filesystem;

class TrustedWalkTest : public ::testing::Test {
  protected:
    TrustedWalkTest() {
        std::string pattern = (fs::temp_directory_path() / "execd-walk-XXXXXX").string();
        root_ = ::mkdtemp(pattern.data());
        fs::create_directories(root_ + "/real/inner");
    }
    ~TrustedWalkTest() override { fs::remove_all(root_); }

    std::string root_;
};

std::string walked_to(const std::variant<WalkedPath, WalkError>& result) {
    if (const auto* error = std::get_if<WalkError>(&result)) {
        return "error " + error->op + " " + error->at;
    }
    const auto& walked = std::get<WalkedPath>(result);
    struct stat status {};
    ::fstatat(walked.directory.get(), walked.name.c_str(), &status, AT_SYMLINK_NOFOLLOW);
    return walked.name + (S_ISLNK(status.st_mode) ? " (link)" : "");
}

TEST_F(TrustedWalkTest, OwnLinksAreFollowedAndTheLastOneOnlyWhenAsked) {
    fs::create_directory_symlink("real", root_ + "/link");
    fs::create_symlink("real/inner", root_ + "/last");
    EXPECT_EQ(walked_to(walk_path(root_ + "/link/inner/new", {})), "new");
    EXPECT_EQ(walked_to(walk_path(root_ + "/last", {LastLink::keep, std::nullopt})), "last (link)");
    EXPECT_EQ(walked_to(walk_path(root_ + "/last", {LastLink::follow, std::nullopt})), "inner");
    EXPECT_EQ(walked_to(walk_path(root_ + "/link/missing/x", {})), "error open " + root_ + "/real/missing");
}

TEST_F(TrustedWalkTest, MissingDirectoriesAreCreatedWhenAsked) {
    EXPECT_EQ(walked_to(walk_path(root_ + "/a/b/c", {LastLink::follow, 0755})), "c");
    EXPECT_TRUE(fs::is_directory(root_ + "/a/b"));
    EXPECT_FALSE(fs::exists(root_ + "/a/b/c"));
}

TEST_F(TrustedWalkTest, LinksOfAnotherUserAreNotFollowed) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root to give a link to another user";
    }
    fs::create_directory_symlink("real", root_ + "/planted");
    ASSERT_EQ(::lchown((root_ + "/planted").c_str(), 65534, 65534), 0);
    const auto result = walk_path(root_ + "/planted/inner", {LastLink::follow, std::nullopt});
    ASSERT_TRUE(std::holds_alternative<WalkError>(result));
    EXPECT_EQ(std::get<WalkError>(result).link_owner, 65534u);
    EXPECT_EQ(std::get<WalkError>(result).at, root_ + "/planted");
    const FileError answer = walk_failure(std::get<WalkError>(result), "error changing permissions. ");
    EXPECT_EQ(answer.status, 403);
    // As the last element of an unlink or rename, the link itself is the target.
    EXPECT_EQ(walked_to(walk_path(root_ + "/planted", {})), "planted (link)");
    EXPECT_TRUE(
        std::holds_alternative<WalkError>(walk_path(root_ + "/planted", {LastLink::follow, std::nullopt})));
}

}  // namespace
}  // namespace execd::files
