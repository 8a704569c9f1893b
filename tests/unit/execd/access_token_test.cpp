#include "http/access_token.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace execd::http {
namespace {

using namespace std::chrono_literals;

TEST(AccessTokenTest, EmptyTokenAllowsEverything) {
    const AccessToken token("");
    EXPECT_TRUE(token.allows(std::nullopt));
    EXPECT_TRUE(token.allows("anything"));
}

TEST(AccessTokenTest, RequiresExactValue) {
    const AccessToken token("secret");
    EXPECT_TRUE(token.allows("secret"));
    EXPECT_FALSE(token.allows(std::nullopt));
    EXPECT_FALSE(token.allows(""));
    EXPECT_FALSE(token.allows("secreT"));
    EXPECT_FALSE(token.allows("secret2"));
    EXPECT_FALSE(token.allows("secre"));
}

// A directory of its own for each test, removed at the end.
class TokenFileTest : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
        directory_ = std::filesystem::temp_directory_path() /
                     ("token-file-" + std::string(test->name()) + "-" + std::to_string(::getpid()));
        std::filesystem::remove_all(directory_);
        std::filesystem::create_directories(directory_);
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }

    std::string write(const std::string& name, const std::string& content) const {
        const std::filesystem::path path = directory_ / name;
        std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
        return path;
    }

    std::filesystem::path directory_;
};

TEST_F(TokenFileTest, TrailingLineBreaksAreNotPartOfTheToken) {
    TokenFile file(write("token", "s3cret\r\n\n"));
    EXPECT_EQ(file.current(), "s3cret");
    TokenFile spaced(write("spaced", " s3cret \n"));
    EXPECT_EQ(spaced.current(), " s3cret ");
}

TEST_F(TokenFileTest, AMissingOrEmptyFileCannotStart) {
    EXPECT_THROW(TokenFile((directory_ / "missing").string()), std::runtime_error);
    EXPECT_THROW(TokenFile(write("empty", "\n")), std::runtime_error);
    EXPECT_THROW(TokenFile(directory_.string()), std::runtime_error);
    try {
        TokenFile((directory_ / "missing").string());
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("No such file or directory"), std::string::npos)
            << error.what();
    }
}

TEST_F(TokenFileTest, ARenameOverTheFileIsFollowed) {
    const std::string path = write("token", "old\n");
    TokenFile file(path, 0ms);
    const AccessToken token(std::make_shared<TokenFile>(path, 0ms));
    EXPECT_TRUE(token.allows("old"));
    std::filesystem::rename(write("token.new", "new\n"), path);
    EXPECT_EQ(file.current(), "new");
    EXPECT_TRUE(token.allows("new"));
    EXPECT_FALSE(token.allows("old"));
    EXPECT_FALSE(token.allows(std::nullopt));
}

TEST_F(TokenFileTest, AnEditInPlaceIsFollowed) {
    const std::string path = write("token", "first\n");
    TokenFile file(path, 0ms);
    write("token", "second-longer\n");
    EXPECT_EQ(file.current(), "second-longer");
}

// Kubernetes: token -> ..data/token, ..data -> ..<timestamp>; an update makes a new timestamped
// directory and renames a new ..data symlink over the old one.
TEST_F(TokenFileTest, AKubernetesSymlinkSwapIsFollowed) {
    std::filesystem::create_directory(directory_ / "..2024_01");
    write("..2024_01/token", "old");
    std::filesystem::create_directory_symlink("..2024_01", directory_ / "..data");
    std::filesystem::create_symlink("..data/token", directory_ / "token");
    TokenFile file((directory_ / "token").string(), 0ms);
    EXPECT_EQ(file.current(), "old");
    std::filesystem::create_directory(directory_ / "..2024_02");
    write("..2024_02/token", "new");
    std::filesystem::create_directory_symlink("..2024_02", directory_ / "..data_tmp");
    std::filesystem::rename(directory_ / "..data_tmp", directory_ / "..data");
    std::filesystem::remove_all(directory_ / "..2024_01");
    EXPECT_EQ(file.current(), "new");
}

TEST_F(TokenFileTest, AFileThatDisappearsOrEmptiesKeepsTheLastToken) {
    const std::string path = write("token", "kept\n");
    TokenFile file(path, 0ms);
    write("token", "");
    EXPECT_EQ(file.current(), "kept");
    std::filesystem::remove(path);
    EXPECT_EQ(file.current(), "kept");
    write("token", "back\n");
    EXPECT_EQ(file.current(), "back");
}

TEST_F(TokenFileTest, TheFileIsLookedAtOncePerInterval) {
    const std::string path = write("token", "old\n");
    TokenFile file(path, 1h);
    std::filesystem::rename(write("token.new", "new\n"), path);
    EXPECT_EQ(file.current(), "old");
}

}  // namespace
}  // namespace execd::http
